package io.ltm.lora.model;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.ltm.lora.plan.AllocatorEnvironment;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * glibc's {@code mmap_threshold} raised for the length of a CPU prefill, then put back, with the memory the
 * prefill freed handed back to the kernel.
 *
 * <p>Why: {@code ./ltm} starts the JVM with {@code mmap_threshold} at 4 MiB ({@code ltm-env.sh}), so that a freed
 * tensor of 4 MiB or more goes back to the kernel (the load's and a training step's peaks were measured so). In a
 * prefill of hundreds of positions most activations are that large: each one then gets a fresh mapping, which the
 * kernel faults in and zeroes page by page, on every op of every layer (perf of a two-thread bf16 prefill of
 * Qwen3-1.7B's shape: 11% of the time in the kernel, 7-8% page faults and zeroing). Raised to 32 MiB, the first
 * layer's activations stay in malloc's arenas when freed and every later layer reuses them: the prefill of 512
 * positions of that shape took 4.0-4.6 s against 4.7-5.4 s on two threads (2026-12-07, AMD EPYC; docs/engine.md,
 * "Memory pages"). Not higher: at 64 MiB that prefill was no faster, and a prompt of about 1,500 tokens peaked
 * 0.5-0.7 GiB above the threshold left alone (0.1-0.5 GiB at 32 MiB, within the memory plan's prediction), the
 * arenas holding the larger freed activations.
 * When the last open scope closes, the threshold goes back to the process's own and {@code malloc_trim(0)}
 * returns the arenas' free pages, so generation after the prefill, training and the memory plan see the process
 * as before.
 *
 * <p>Only where it was measured: Linux with glibc (reached through JNA, already on DJL's class path), a process
 * started with an explicit {@code mmap_threshold} of at most 4 MiB ({@link AllocatorEnvironment}; glibc's dynamic
 * default, or a threshold a user chose, is left alone), and {@code -Dltm.prefill.mmap-threshold} not {@code 0}
 * (its value in bytes replaces 32 MiB). Elsewhere {@link #forPrefill} does nothing; {@link #describe} says why
 * (a malformed property is logged at WARN).
 * Thread-safe: scopes nest and may overlap across threads; the threshold is raised while any is open.
 */
final class PrefillMalloc {
  private static final Logger LOG = LoggerFactory.getLogger(PrefillMalloc.class);
  /** System property: the raised threshold in bytes, {@code 0} to leave the threshold alone. */
  static final String PROPERTY = "ltm.prefill.mmap-threshold";
  /** The threshold during a prefill unless {@link #PROPERTY} says otherwise: 32 MiB. */
  static final int RAISED = 32 << 20;
  /** A forward of fewer new positions (batch times length) than this is left alone: its activations are small. */
  static final int MIN_POSITIONS = 64;
  /** glibc's {@code M_MMAP_THRESHOLD} parameter of {@code mallopt}. */
  static final int M_MMAP_THRESHOLD = -3;

  /** The process's own: null when {@link #raise} does nothing. */
  private static final PrefillMalloc PROCESS;
  /** What a prefill does with the threshold in this process, as {@link #describe} says it. */
  private static final String DESCRIPTION;

  static {
    PrefillMalloc process = null;
    String whyNot;
    try {
      AllocatorEnvironment env = AllocatorEnvironment.current();
      String value = System.getProperty(PROPERTY);
      whyNot = whyNot(System.getProperty("os.name", ""), env, value);
      if (whyNot == null) {
        process = new PrefillMalloc(LibC.load(), (int) env.mmapThreshold(), raisedThreshold(value));
      }
    } catch (IllegalArgumentException e) { // a malformed -Dltm.prefill.mmap-threshold
      whyNot = e.getMessage();
      LOG.warn("{}; prefills leave glibc's mmap_threshold alone", whyNot);
    } catch (Throwable e) { // no libc.so.6, not glibc (no malloc_trim), JNA's native part missing
      whyNot = "glibc's mallopt and malloc_trim are not reachable here (" + e + ")";
    }
    PROCESS = process;
    DESCRIPTION = whyNot == null ? "a CPU prefill raises it to " + process.raised + " for its length"
        : "a CPU prefill leaves it as it is: " + whyNot;
    LOG.debug("glibc's mmap_threshold: {}", DESCRIPTION);
  }

  /**
   * What a CPU prefill does with glibc's {@code mmap_threshold} in this process, e.g. {@code a CPU prefill raises
   * it to 33554432 for its length}, or why it leaves it alone (shown by {@code ltm doctor}'s {@code pages} check).
   */
  static String describe() {
    return DESCRIPTION;
  }

  /** glibc's allocator entry points used here. */
  interface LibC extends Library {
    /** Sets a malloc parameter; 1 on success. */
    int mallopt(int param, int value);

    /** Returns free memory at the top of the heap and whole free pages inside the arenas; 1 if any was. */
    int malloc_trim(long pad);

    /** glibc's own libc, resolving both functions now (a C library without {@code malloc_trim} fails here). */
    static LibC load() {
      LibC libc = Native.load("c", LibC.class);
      com.sun.jna.NativeLibrary.getInstance("c").getFunction("malloc_trim");
      return libc;
    }
  }

  /** A raised threshold's scope: closing it puts the threshold back once no other scope is open. */
  interface Scope extends AutoCloseable {
    @Override
    void close();
  }

  private static final Scope NOTHING = () -> {};

  private final LibC libc;
  private final int base;
  private final int raised;
  private int open; // guarded by this

  PrefillMalloc(LibC libc, int base, int raised) {
    if (raised <= base) {
      throw new IllegalArgumentException("the raised mmap_threshold " + raised + " must exceed the base " + base);
    }
    this.libc = libc;
    this.base = base;
    this.raised = raised;
  }

  /**
   * The threshold raised until the returned scope closes, for a forward of {@code positions} new positions (batch
   * times length) on the CPU; a scope that does nothing where this process does not raise it (see the class) or
   * for fewer than {@link #MIN_POSITIONS}.
   */
  static Scope forPrefill(long positions) {
    return PROCESS == null || positions < MIN_POSITIONS ? NOTHING : PROCESS.raise();
  }

  /** Raises the threshold (if no scope is open yet) until the returned scope closes. */
  Scope raise() {
    synchronized (this) {
      if (open++ == 0) {
        set(raised);
      }
    }
    boolean[] closed = {false};
    return () -> {
      synchronized (this) {
        if (closed[0]) {
          return;
        }
        closed[0] = true;
        if (--open == 0) {
          set(base);
          libc.malloc_trim(0);
        }
      }
    };
  }

  private void set(int threshold) {
    if (libc.mallopt(M_MMAP_THRESHOLD, threshold) != 1) {
      LOG.warn("glibc's mallopt(M_MMAP_THRESHOLD, {}) failed; the prefill's allocations keep the threshold they had",
          threshold);
    }
  }

  /**
   * Null when a process on {@code osName} with {@code env} and the property's {@code value} (null when unset)
   * raises the threshold for a prefill, else why not.
   */
  static String whyNot(String osName, AllocatorEnvironment env, String value) {
    if (!osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
      return "not Linux (glibc's mallopt is Linux's)";
    }
    if (raisedThreshold(value) == 0) {
      return "-D" + PROPERTY + "=0";
    }
    if (env.mmapThreshold() < 0 || env.mmapThreshold() > AllocatorEnvironment.LTM_MMAP_THRESHOLD) {
      return "the process started with mmap_threshold " + (env.mmapThreshold() < 0 ? "unset (glibc's dynamic default)"
          : env.mmapThreshold()) + ", not ltm-env.sh's " + AllocatorEnvironment.LTM_MMAP_THRESHOLD
          + " (./ltm and benchmarks/run set it; a threshold of your own is left as it is)";
    }
    return null;
  }

  /** The property's threshold in bytes: {@link #RAISED} when null, 0 for off; a clear error otherwise. */
  static int raisedThreshold(String value) {
    if (value == null || value.isBlank()) {
      return RAISED;
    }
    try {
      long bytes = Long.parseLong(value.trim());
      if (bytes == 0 || (bytes > AllocatorEnvironment.LTM_MMAP_THRESHOLD && bytes <= Integer.MAX_VALUE)) {
        return (int) bytes;
      }
    } catch (NumberFormatException e) {
      // the message below
    }
    throw new IllegalArgumentException("-D" + PROPERTY + "=" + value + ": expected 0 (off) or a number of bytes "
        + "above " + AllocatorEnvironment.LTM_MMAP_THRESHOLD + " and at most " + Integer.MAX_VALUE + ", e.g. "
        + RAISED);
  }
}
