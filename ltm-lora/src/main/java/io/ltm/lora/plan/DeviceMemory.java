package io.ltm.lora.plan;

import ai.djl.Device;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How much memory a device has: on the CPU the machine's RAM ({@code MemTotal} of {@code /proc/meminfo}),
 * lowered to the cgroup's limit when a container sets one; on a GPU the card's total memory as CUDA
 * reports it. Stateless.
 *
 * @param bytes the memory in bytes
 * @param source where it was read, for reports
 */
public record DeviceMemory(long bytes, String source) {

  public DeviceMemory {
    if (bytes < 1) {
      throw new IllegalArgumentException("device memory must be positive but got " + bytes);
    }
  }

  /**
   * Reads the memory of {@code device}.
   *
   * @param device the CPU or a GPU
   * @return its memory
   * @throws IllegalStateException when it cannot be read, saying to pass {@code --memory}
   */
  public static DeviceMemory of(Device device) {
    if (device.isGpu()) {
      if (!CudaUtils.hasCuda()) {
        throw new IllegalStateException("no CUDA device is visible here (no CUDA runtime or driver found) to read "
            + device + "'s memory; pass --memory, e.g. --memory 96GB, to plan for a card that is not in this machine");
      }
      MemoryUsage m = CudaUtils.getGpuMemory(device);
      return new DeviceMemory(m.getMax(), device + " total (cudaMemGetInfo)");
    }
    return cpu();
  }

  /** The CPU's memory: MemTotal, or the cgroup limit when lower. */
  public static DeviceMemory cpu() {
    long total = memTotal(Path.of("/proc/meminfo"));
    String source = "/proc/meminfo MemTotal";
    for (Path p : List.of(Path.of("/sys/fs/cgroup/memory.max"), Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes"))) {
      long limit = readLong(p);
      if (limit > 0 && (total <= 0 || limit < total)) {
        total = limit;
        source = p.toString();
      }
    }
    if (total <= 0) {
      long max = Runtime.getRuntime().maxMemory();
      return new DeviceMemory(max, "JVM max heap (no /proc/meminfo here); pass --memory for the machine's RAM");
    }
    return new DeviceMemory(total, source);
  }

  static long memTotal(Path meminfo) {
    try {
      for (String line : Files.readAllLines(meminfo)) {
        if (line.startsWith("MemTotal:")) {
          String[] f = line.trim().split("\\s+");
          return Long.parseLong(f[1]) * 1024; // kB
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private static long readLong(Path p) {
    try {
      String s = Files.readString(p).trim();
      return s.equals("max") ? -1 : Long.parseLong(s);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
