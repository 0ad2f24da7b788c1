package io.ltm.cli.options;

import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.TensorDType;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --f32-weights}, {@code --kv-cache} and {@code --bf16-matmul}: for the commands that only run the model
 * (generate, score, serve, loop). On the CPU they
 * keep a bf16 checkpoint's weight matrices in bf16 ({@link LoadOptions#forGeneration}: half the memory of
 * f32 and half the bytes read per decoded token); this flag widens them to f32 at load instead, as
 * training does.
 */
public final class WeightsOption {
  @Option(names = "--f32-weights",
      description = "on the CPU, widen a bf16 checkpoint's weights to f32 at load (twice the memory and bytes per "
          + "token) instead of keeping them in bf16")
  boolean f32;

  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  private TensorDType kvCache = TensorDType.F32;

  @Option(names = "--kv-cache", paramLabel = "f32|f16", defaultValue = "f32",
      description = "element type of the KV cache while generating: f32, or f16 (half the bytes per cached token; each "
          + "key and value rounded to f16, logprobs move by up to 1e-2: docs/engine.md) (default: ${DEFAULT-VALUE})")
  void kvCache(String value) {
    switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "f32" -> kvCache = TensorDType.F32;
      case "f16" -> kvCache = TensorDType.F16;
      default -> throw new ParameterException(mixee.commandLine(),
          "--kv-cache must be f32 or f16 but got " + value);
    }
  }

  @Option(names = "--bf16-matmul",
      description = "with a bf16 checkpoint kept in bf16 on the CPU, multiply prompts (prefill) and scored texts in bf16 "
          + "through libtorch's oneDNN, activations and products rounded to bf16 as a bf16 torch model's: about 2x faster "
          + "prefill on CPUs with AVX512-BF16 or AMX; logprobs move about as much as rounding the weights to bf16 did "
          + "(docs/engine.md)")
  boolean bf16Matmul;

  /** Whether {@code --f32-weights} was given. */
  public boolean f32Weights() {
    return f32;
  }

  /** The KV cache's element type {@code --kv-cache} names (F32 or F16). */
  public TensorDType kvCache() {
    return kvCache;
  }

  /** Load options for running (not training) the model on {@code device}'s device. */
  public LoadOptions loadOptions(DeviceOption device) {
    if (f32 && bf16Matmul) {
      throw new ParameterException(mixee.commandLine(),
          "--bf16-matmul multiplies the bf16 weights as kept; it cannot be combined with --f32-weights (drop one)");
    }
    LoadOptions o = LoadOptions.forGeneration(device.device());
    return (f32 ? o.widened() : o).withKvCache(kvCache).withBf16Matmul(bf16Matmul);
  }
}
