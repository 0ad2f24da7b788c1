package io.ltm.lora.model;

import java.lang.management.ManagementFactory;
import java.util.OptionalLong;

/**
 * HotSpot's {@code PerMethodTrapLimit} in this JVM, which decides whether C2 compiles the Java decode kernels
 * ({@link VectorGemv}, {@link RowAttention}, {@link RowOps}) with their vectors in registers.
 *
 * <p>Why it matters: when C2 compiles a kernel it adds up, over every method it inlines, the type-check traps
 * recorded in that method's profile, and once the sum passes the limit (100 by default) it stops speculating on
 * types in the whole compile: calls it would have inlined stay virtual and the Vector API's values are boxed
 * around them. The kernels inline the JDK's own {@code IntVector.lanewise} dozens of times (the f16 and bf16
 * widening), and the JDK's standalone compiles of those methods pick up a few type-check traps whenever
 * interpreted or C1 code calls them with another operator: 4-5 traps each, counted once per inlined call, put
 * the f16 attention kernel at 212-441 against the limit of 100. It then compiled into 35-50 KB of machine code
 * that took 16-250 us per call against 1.3 us for its 8 KB form (docs/engine.md, "A trap limit for the
 * kernels"). {@code ./ltm} and {@code benchmarks/run} start the JVM with {@link #FLAG}; a program that uses the
 * library in its own JVM should add it next to {@code --add-modules jdk.incubator.vector}.
 */
public final class TrapLimit {
  /** The limit ltm's launchers set. */
  public static final long RECOMMENDED = 1_000_000;
  /** A limit under this can let the sum above pass it (a kernel inlines up to ~50 such methods). */
  static final long ADEQUATE = 100_000;
  /** The JVM option that sets {@link #RECOMMENDED}. */
  public static final String FLAG = "-XX:PerMethodTrapLimit=" + RECOMMENDED;

  private TrapLimit() {}

  /** This JVM's {@code PerMethodTrapLimit}, or empty where the JVM does not report it (not HotSpot). */
  public static OptionalLong current() {
    try {
      String v = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
          .getVMOption("PerMethodTrapLimit").getValue();
      return OptionalLong.of(Long.parseLong(v));
    } catch (RuntimeException | LinkageError e) { // no such option, no HotSpot MXBean, no jdk.management
      return OptionalLong.empty();
    }
  }

  /** Whether {@code limit} keeps the kernels' compiles speculating (see the class comment). */
  static boolean adequate(long limit) {
    return limit >= ADEQUATE;
  }

  /**
   * What to do about this JVM's limit, or null when nothing needs doing (adequate, or not a HotSpot JVM).
   */
  public static String advice() {
    OptionalLong limit = current();
    if (limit.isEmpty() || adequate(limit.getAsLong())) {
      return null;
    }
    return "start the JVM with " + FLAG + " (./ltm does): at PerMethodTrapLimit=" + limit.getAsLong() + " C2 can "
        + "compile the Java decode kernels with their vectors boxed (measured: decoding after 2,048 tokens with an f16 "
        + "cache twice as slow; docs/engine.md)";
  }
}
