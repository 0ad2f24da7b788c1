package io.ltm.lora.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's peak resident memory ({@code VmHWM}), resettable where Linux allows ({@code clear_refs} 5). */
final class PeakMemory {
  private static boolean reset;

  private PeakMemory() {}

  /** Resets the process's peak RSS to its current RSS; false where the kernel does not allow it. */
  static boolean resetProcessPeak() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      reset = true;
    } catch (IOException | RuntimeException e) {
      reset = false;
    }
    return reset;
  }

  /** Whether the last reset worked. */
  static boolean resetWorked() {
    return reset;
  }

  /** VmHWM in bytes, or -1 where /proc is not there. */
  static long processPeakBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }
}
