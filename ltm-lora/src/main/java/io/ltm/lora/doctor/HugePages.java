package io.ltm.lora.doctor;

import io.ltm.lora.model.Decoder;
import io.ltm.lora.plan.AllocatorEnvironment;
import io.ltm.lora.plan.ByteSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Whether the weights of a model loaded on the CPU sit on 2 MiB pages: the kernel's transparent-huge-page
 * mode, the two environment settings that ask for them ({@code THP_MEM_ALLOC_ENABLE=1} for libtorch,
 * glibc's {@code mmap_threshold} so that freed tensors leave malloc's arenas; {@code ltm-env.sh} sets both),
 * and how much of the process is on huge pages. A decode step streams every weight once per token, so with
 * 4 KiB pages it misses the TLB every 4 KiB: measured on Qwen3-0.6B in f32, one thread, decoding was 1.2x
 * faster on huge pages (docs/engine.md "Memory pages"). Immutable.
 *
 * @param kernelMode the selected mode in {@code /sys/kernel/mm/transparent_hugepage/enabled} ({@code always},
 *     {@code madvise}, {@code never}), or empty where the file is not there (not Linux)
 * @param allocator this process's {@code THP_MEM_ALLOC_ENABLE} and glibc {@code mmap_threshold}
 * @param anonHugeBytes the process's anonymous memory on huge pages ({@code AnonHugePages} in
 *     {@code /proc/self/smaps_rollup}), or -1 where unreadable
 * @param prefill what a CPU prefill does with {@code mmap_threshold} here ({@link Decoder#prefillAllocator}), or
 *     empty
 */
record HugePages(String kernelMode, AllocatorEnvironment allocator, long anonHugeBytes, String prefill) {

  /** Reads this process's state. */
  static HugePages current() {
    return of(read(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")), System.getenv(),
        read(Path.of("/proc/self/smaps_rollup")), Decoder.prefillAllocator());
  }

  /** As {@link #of(String, Map, String, String)} with nothing said of the prefill. */
  static HugePages of(String enabledFile, Map<String, String> env, String smapsRollup) {
    return of(enabledFile, env, smapsRollup, "");
  }

  /**
   * From the text of {@code transparent_hugepage/enabled} (e.g. {@code always [madvise] never}; null when
   * absent), an environment, the text of {@code smaps_rollup} (null when absent) and what a CPU prefill does with
   * the threshold ({@link Decoder#prefillAllocator}; empty for nothing).
   */
  static HugePages of(String enabledFile, Map<String, String> env, String smapsRollup, String prefill) {
    String mode = "";
    if (enabledFile != null) {
      int open = enabledFile.indexOf('[');
      int close = enabledFile.indexOf(']', open + 1);
      if (open >= 0 && close > open) {
        mode = enabledFile.substring(open + 1, close).trim();
      }
    }
    long huge = -1;
    if (smapsRollup != null) {
      for (String line : smapsRollup.split("\n")) {
        if (line.startsWith("AnonHugePages:")) {
          huge = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    }
    return new HugePages(mode, AllocatorEnvironment.of(env), huge, prefill);
  }

  /** The doctor's check, read while a model loaded on the CPU is open. */
  Check check() {
    Map<String, Object> figs = Map.of("kernel_mode", kernelMode, "thp_mem_alloc_enable", allocator.hugePages(),
        "mmap_threshold", allocator.mmapThreshold(), "anon_huge_bytes", anonHugeBytes);
    if (kernelMode.isEmpty() || kernelMode.equals("never")) {
      return new Check("pages", Check.Status.SKIP, kernelMode.isEmpty() ? "no transparent huge pages here (not Linux)"
          : "transparent huge pages are off in this kernel ([never]): weights sit on 4 KiB pages", "", figs);
    }
    String onHuge = anonHugeBytes < 0 ? "unknown" : ByteSize.gib(anonHugeBytes);
    String summary = String.format(Locale.ROOT, "kernel mode %s, %s%s; %s of the process on 2 MiB pages with the model loaded",
        kernelMode, allocator.describe(), prefill.isEmpty() ? "" : " (" + prefill + ")", onHuge);
    String fix = "start through ./ltm (ltm-env.sh sets both), or export THP_MEM_ALLOC_ENABLE=1 "
        + "GLIBC_TUNABLES=glibc.malloc.mmap_threshold=" + AllocatorEnvironment.LTM_MMAP_THRESHOLD
        + " before the JVM starts: CPU decoding was 1.2x faster on "
        + "huge pages (docs/engine.md, Memory pages)";
    boolean asked = kernelMode.equals("always") || allocator.hugePages();
    if (!asked || anonHugeBytes == 0) {
      return new Check("pages", Check.Status.WARN, summary, asked ? "the kernel granted none: check "
          + "/sys/kernel/mm/transparent_hugepage/defrag and free memory; " + fix : fix, figs);
    }
    return Check.pass("pages", summary, figs);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
