package io.ltm.lora.io;

import ai.djl.Device;
import java.util.Objects;

/**
 * How to load a decoder: the device and the element type of the frozen weights.
 *
 * @param device where the weights live and the forward runs; default {@link Device#cpu()}
 * @param weightType F32 (default on the CPU) or F16 (default on a GPU: half the memory; matMuls in
 *     f16, norms, softmax and residuals in f32). BF16 is not offered: DJL's PyTorch engine cannot hold it.
 */
public record LoadOptions(Device device, TensorDType weightType) {
  public LoadOptions {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(weightType, "weightType");
    if (weightType == TensorDType.BF16) {
      throw new IllegalArgumentException("weightType BF16 is not supported (DJL's PyTorch engine aborts on bf16); use F32 or F16");
    }
  }

  /** f32 weights on the CPU. */
  public static LoadOptions cpu() {
    return new LoadOptions(Device.cpu(), TensorDType.F32);
  }

  /** {@code device} with its default weight type: f32 on the CPU, f16 on a GPU. */
  public static LoadOptions on(Device device) {
    return new LoadOptions(device, device.isGpu() ? TensorDType.F16 : TensorDType.F32);
  }

  /**
   * Parses a device name as the CLI takes it: {@code cpu}, {@code cuda}, {@code cuda:N} or
   * {@code gpu:N}.
   */
  public static Device parseDevice(String name) {
    String n = name.trim().toLowerCase(java.util.Locale.ROOT);
    if (n.equals("cpu")) {
      return Device.cpu();
    }
    if (n.equals("cuda") || n.equals("gpu")) {
      return Device.gpu(0);
    }
    if (n.matches("(cuda|gpu):\\d+")) {
      return Device.gpu(Integer.parseInt(n.substring(n.indexOf(':') + 1)));
    }
    throw new IllegalArgumentException("unknown device \"" + name + "\"; use cpu, cuda or cuda:N");
  }
}
