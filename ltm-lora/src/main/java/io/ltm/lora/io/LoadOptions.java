package io.ltm.lora.io;

import ai.djl.Device;
import java.util.Objects;

/**
 * How to load a decoder and run it: the device, the element type of the frozen weights, and that of the
 * KV cache generation uses.
 *
 * @param device where the weights live and the forward runs; default {@link Device#cpu()}
 * @param weightType F32 (default on the CPU) or F16 (default on a GPU: half the memory; matMuls in
 *     f16, norms, softmax and residuals in f32). BF16 is not offered as a target: DJL's PyTorch engine
 *     cannot compute with it (see {@code keep16Bit}).
 * @param keep16Bit on the CPU, keep a bf16 checkpoint's weight matrices (projections, embedding, lm head)
 *     in bf16 in memory instead of widening them to {@code weightType}: half the memory of f32, and the
 *     one-row decode path reads half the bytes per token (its GEMV widens in registers, accumulates in f32);
 *     prefill and scoring widen each projection to f32 as they go. Norms and biases are f32 either way,
 *     and f32 and f16 tensors load as {@code weightType} (an f16 kernel was slower per weight than f32 on
 *     JDK 17: docs/engine.md). For generation ({@link #forGeneration}); training
 *     loads f32 ({@link #cpu()}). Ignored on a GPU.
 * @param kvCache the KV cache of generations ({@code io.ltm.lora.generate.LocalGenerator}): F32 (default) or
 *     F16, half the bytes per cached token, each key and value rounded to f16 (docs/engine.md, "16-bit KV
 *     cache")
 * @param bf16Matmul with {@code keep16Bit} on the CPU, multiply the bf16 projections' multi-row products (prefill,
 *     scoring; not training, not the lm head) in bf16 through libtorch (oneDNN) instead of widening the weights to
 *     f32: the activations are rounded to bf16 (as llama.cpp's bf16 does) and so are the products (as a bf16 torch
 *     model's are); about twice the f32 rate on CPUs with AVX512-BF16 or AMX; logprobs move about as much as
 *     rounding the weights to bf16 did (docs/engine.md, "Fused prefill kernels and bf16 matmul"). Off by default:
 *     the f32 product matches an f32 checkpoint exactly.
 */
public record LoadOptions(Device device, TensorDType weightType, boolean keep16Bit, TensorDType kvCache,
    boolean bf16Matmul) {
  public LoadOptions {
    Objects.requireNonNull(device, "device");
    Objects.requireNonNull(weightType, "weightType");
    Objects.requireNonNull(kvCache, "kvCache");
    io.ltm.lora.model.KvCache.elementType(kvCache); // F32 or F16
    if (weightType == TensorDType.BF16) {
      throw new IllegalArgumentException("weightType BF16 is not supported (DJL's PyTorch engine aborts on bf16); use F32 or F16"
          + " (keep16Bit keeps a bf16 checkpoint's matrices in bf16 on the CPU)");
    }
  }

  /** {@code device}, {@code weightType}, {@code keep16Bit} and {@code kvCache}, products in f32. */
  public LoadOptions(Device device, TensorDType weightType, boolean keep16Bit, TensorDType kvCache) {
    this(device, weightType, keep16Bit, kvCache, false);
  }

  /** {@code device}, {@code weightType} and {@code keep16Bit}, with an f32 KV cache. */
  public LoadOptions(Device device, TensorDType weightType, boolean keep16Bit) {
    this(device, weightType, keep16Bit, TensorDType.F32);
  }

  /** {@code device} and {@code weightType}, every tensor converted to {@code weightType}. */
  public LoadOptions(Device device, TensorDType weightType) {
    this(device, weightType, false);
  }

  /** These options with generations keeping their KV cache in {@code type} (F32 or F16). */
  public LoadOptions withKvCache(TensorDType type) {
    return new LoadOptions(device, weightType, keep16Bit, type, bf16Matmul);
  }

  /** These options with the bf16 products of kept bf16 weights on or off ({@link #bf16Matmul()}). */
  public LoadOptions withBf16Matmul(boolean on) {
    return new LoadOptions(device, weightType, keep16Bit, kvCache, on);
  }

  /** f32 weights on the CPU (what training needs). */
  public static LoadOptions cpu() {
    return new LoadOptions(Device.cpu(), TensorDType.F32);
  }

  /**
   * For generation and scoring on {@code device}: on the CPU a bf16 checkpoint's matrices stay bf16
   * ({@code keep16Bit}), f32 and f16 checkpoints load f32; on a GPU as {@link #on}.
   */
  public static LoadOptions forGeneration(Device device) {
    return device.isGpu() ? on(device) : new LoadOptions(device, TensorDType.F32, true);
  }

  /** These options with every weight widened to {@code weightType} (no 16 bits kept): e.g. to compare with f32. */
  public LoadOptions widened() {
    return new LoadOptions(device, weightType, false, kvCache, false);
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
