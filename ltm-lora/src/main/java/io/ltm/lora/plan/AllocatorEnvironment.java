package io.ltm.lora.plan;

import java.util.Map;

/**
 * The two environment settings of this process that change where native memory goes, as {@code ltm-env.sh}
 * sets them for {@code ./ltm}: libtorch's huge pages ({@code THP_MEM_ALLOC_ENABLE=1}) and glibc's
 * {@code mmap_threshold} (from {@code GLIBC_TUNABLES}). They are read once, when the process starts, by
 * libtorch and glibc; Java cannot change them afterwards. The memory plan's constants depend on them (with a
 * low threshold freed tensors go back to the kernel, and a training step's peak is lower). Immutable.
 *
 * @param hugePages whether {@code THP_MEM_ALLOC_ENABLE} is {@code 1}
 * @param mmapThreshold glibc's {@code mmap_threshold} in bytes, or -1 when not set (glibc's dynamic default)
 */
public record AllocatorEnvironment(boolean hugePages, long mmapThreshold) {
  /** The threshold {@code ltm-env.sh} sets: 4 MiB. */
  public static final long LTM_MMAP_THRESHOLD = 4L << 20;

  /** This process's settings. */
  public static AllocatorEnvironment current() {
    return of(System.getenv());
  }

  /** The settings in {@code env} (a malformed threshold counts as not set, as glibc ignores it). */
  public static AllocatorEnvironment of(Map<String, String> env) {
    long threshold = -1;
    for (String tunable : env.getOrDefault("GLIBC_TUNABLES", "").split(":")) {
      if (tunable.startsWith("glibc.malloc.mmap_threshold=")) {
        try {
          threshold = Long.parseLong(tunable.substring(tunable.indexOf('=') + 1).trim());
        } catch (NumberFormatException e) {
          threshold = -1;
        }
      }
    }
    return new AllocatorEnvironment("1".equals(env.get("THP_MEM_ALLOC_ENABLE")), threshold);
  }

  /** Both settings as a report line says them, e.g. {@code THP_MEM_ALLOC_ENABLE=1, mmap_threshold 4194304}. */
  public String describe() {
    return "THP_MEM_ALLOC_ENABLE" + (hugePages ? "=1" : " not 1") + ", mmap_threshold "
        + (mmapThreshold < 0 ? "unset" : Long.toString(mmapThreshold));
  }

  /** Whether this is what {@code ./ltm} runs with: huge pages and a threshold of at most 4 MiB. */
  public boolean isLtmEnv() {
    return hugePages && mmapThreshold >= 0 && mmapThreshold <= LTM_MMAP_THRESHOLD;
  }
}
