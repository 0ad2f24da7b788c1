package io.ltm.lora.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.core.Linear;
import java.util.Objects;

/**
 * The frozen base projection {@code y = x W^T + b} with {@code W [out, in]} as stored in the
 * checkpoint, computed by libtorch's {@code linear} (the op behind {@code torch.nn.functional.linear}),
 * which picks a fast GEMM/GEMV path for the stored layout: a matMul against a transposed view is up to
 * 4x slower for a single decode row against the 151936-row logits matrix. When the weights are f16
 * on a GPU the input is cast to f16 for the product and the result back to f32.
 *
 * <p>A single input row that autograd does not track (a decode step) goes through {@link Gemv} instead, a
 * Java SIMD kernel over the same weight memory that streams the weights faster than libtorch's GEMV; it
 * reads f32 and bf16 weights as stored. On the CPU, 16-bit weights ({@link WeightFormat}: bf16 kept for
 * generation, or f16) reach libtorch's {@code linear} widened to f32, {@link WeightFormat#WIDEN_CHUNK}
 * elements at a time into a buffer the thread reuses (a fresh copy while autograd records), so prefill
 * and scoring compute in f32 as with an f32 checkpoint, unless the model was loaded with
 * {@code LoadOptions.bf16Matmul}: then a bf16 weight's multi-row products run in bf16 ({@link TorchKernels#linearBf16}).
 */
public final class LinearProjection implements Projection {
  private final String name;
  private final NDArray weight; // (out, in)
  private final NDArray bias; // (out) or null
  private final WeightFormat format; // how the weight's elements are stored
  private final boolean bf16Matmul; // multi-row products of a BF16 weight in bf16 (else widened to f32)
  private volatile Gemv gemv; // built on the first single-row call
  private volatile boolean gemvChecked;

  /**
   * @param name HF module name
   * @param weight {@code [out, in]}, owned by the model's manager
   * @param bias {@code [out]} or null, owned by the model's manager
   */
  public LinearProjection(String name, NDArray weight, NDArray bias) {
    this(name, weight, bias, WeightFormat.of(Objects.requireNonNull(weight, "weight")));
  }

  /**
   * @param name HF module name
   * @param weight {@code [out, in]}, owned by the model's manager, holding {@code format}'s elements
   *     ({@link WeightFormat#BF16}: bf16 bits in a FLOAT16 array, on the CPU)
   * @param bias {@code [out]} or null (f32), owned by the model's manager
   * @param format how {@code weight}'s elements are stored
   */
  public LinearProjection(String name, NDArray weight, NDArray bias, WeightFormat format) {
    this(name, weight, bias, format, false);
  }

  /**
   * As {@link #LinearProjection(String, NDArray, NDArray, WeightFormat)}; with {@code bf16Matmul} a BF16 weight's
   * multi-row products that autograd does not record multiply in bf16 ({@link TorchKernels#linearBf16}: bf16
   * activations) instead of widening the weight to f32.
   */
  public LinearProjection(String name, NDArray weight, NDArray bias, WeightFormat format, boolean bf16Matmul) {
    this.name = Objects.requireNonNull(name, "name");
    this.format = Objects.requireNonNull(format, "format");
    this.weight = Objects.requireNonNull(weight, "weight");
    if (weight.getShape().dimension() != 2) {
      throw new IllegalArgumentException(name + ": weight must be 2-D but is " + weight.getShape());
    }
    if (bias != null && bias.getShape().size() != weight.getShape().get(0)) {
      throw new IllegalArgumentException(name + ": bias " + bias.getShape() + " does not match weight " + weight.getShape());
    }
    this.bias = bias;
    format.check(name, weight);
    this.bf16Matmul = format == WeightFormat.BF16 && bf16Matmul;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long inFeatures() {
    return weight.getShape().get(1);
  }

  @Override
  public long outFeatures() {
    return weight.getShape().get(0);
  }

  /** The frozen weight {@code [out, in]} (owned by the model; do not close). */
  public NDArray weight() {
    return weight;
  }

  /** The frozen bias {@code [out]}, or null. */
  public NDArray bias() {
    return bias;
  }

  /** How {@link #weight()}'s elements are stored (BF16: raw bits in a FLOAT16 array; compute only through this class). */
  public WeightFormat format() {
    return format;
  }

  /** Whether multi-row inputs multiply the bf16 weight in bf16 ({@link TorchKernels#linearBf16}) rather than in f32. */
  public boolean bf16Matmul() {
    return bf16Matmul;
  }

  @Override
  public NDArray apply(NDArray x) {
    DataType wt = weight.getDataType();
    if (Gemv.enabled() && x.getShape().size() == inFeatures() && !recorded(x)) {
      Gemv kernel = gemv();
      if (kernel != null) {
        return kernel.apply(x); // (..., out)
      }
    }
    if (wt == DataType.FLOAT32) {
      return Linear.linear(x, weight, bias).singletonOrThrow(); // (..., out)
    }
    if (bf16Matmul && Autograd.off() && TorchKernels.get() != null) { // no graph in its result: only where none is recorded
      return TorchKernels.get().linearBf16(x, weight, bias); // (..., out), bf16 activations
    }
    if (Device.cpu().equals(weight.getDevice())) {
      return widened(x, WeightFormat.WIDEN_CHUNK); // (..., out)
    }
    NDArray y = Linear.linear(x.toType(wt, false), weight, bias).singletonOrThrow();
    return y.toType(DataType.FLOAT32, false);
  }

  /**
   * {@code x W^T + b} with a 16-bit weight on the CPU widened to f32 about {@code chunkElements}
   * elements (whole rows, at least one) at a time: {@code x [..., in] -> [..., out]} in {@code x}'s manager.
   */
  NDArray widened(NDArray x, long chunkElements) {
    long out = outFeatures();
    long rowsPerChunk = Math.max(1, Math.min(chunkElements, WeightFormat.WIDEN_CHUNK) / inFeatures());
    boolean keep = recorded(x); // autograd keeps the weight for backward: it gets its own copy
    NDList parts = new NDList();
    for (long from = 0; from < out; from += rowsPerChunk) {
      long to = Math.min(out, from + rowsPerChunk);
      NDArray w = format.widen(x.getManager(), weight, from, to, !keep); // (to - from, in) f32
      NDArray b = bias == null || (from == 0 && to == out) ? bias
          : bias.get(x.getManager(), new NDIndex("{}:{}", from, to)); // (to - from)
      parts.add(Linear.linear(x, w, b).singletonOrThrow()); // (..., to - from)
      if (!keep) {
        w.close(); // the thread's staging buffer is reused by the next chunk
      }
    }
    return parts.size() == 1 ? parts.singletonOrThrow() : NDArrays.concat(parts, x.getShape().dimension() - 1);
  }

  /**
   * Whether autograd may track {@code x}: a leaf with a gradient, or any input while this thread records
   * a graph ({@link Autograd}; DJL's {@code hasGradient()} is false for intermediate results). The Java
   * GEMV's result would cut the graph there: a single-row input in training (one token, or a MoE expert
   * that one token chose) must stay in libtorch.
   */
  private static boolean recorded(NDArray x) {
    return x.hasGradient() || Autograd.recording();
  }

  /**
   * Switches the Java matrix-vector kernel for single-row inputs on or off, for every projection
   * (it is on by default when the JVM has {@code jdk.incubator.vector}); meant for A/B comparisons
   * with libtorch's GEMV in benchmarks.
   *
   * @return whether the kernel is now on (false when it is unavailable)
   */
  public static boolean useJavaGemv(boolean on) {
    return Gemv.setEnabled(on);
  }

  /**
   * What this JVM lacks for the Java decode kernels to run at their speed, one line each (empty when nothing):
   * {@link TrapLimit#FLAG}, and the export that lets the kernels load the weights and the KV cache without JDK 17's
   * per-load barriers ({@code --add-exports java.base/jdk.internal.vm.vector=ALL-UNNAMED}). {@code ./ltm} passes
   * both; {@code ltm doctor} shows what is missing.
   */
  public static java.util.List<String> jvmAdvice() {
    java.util.List<String> advice = new java.util.ArrayList<>();
    String trap = TrapLimit.advice();
    if (trap != null) {
      advice.add(trap);
    }
    String loads = Gemv.loadsAdvice();
    if (loads != null) {
      advice.add(loads);
    }
    return java.util.List.copyOf(advice);
  }

  /** The Java kernel over this weight (f32 or bf16 on the CPU, Vector API present), or null; for the one-row decoder. */
  Gemv kernel() {
    return gemv();
  }

  private Gemv gemv() {
    if (!gemvChecked) {
      synchronized (this) {
        if (!gemvChecked) {
          gemv = Gemv.of(weight, bias, format);
          gemvChecked = true;
        }
      }
    }
    return gemv;
  }
}
