package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.core.Linear;
import java.util.Objects;

/**
 * The frozen base projection {@code y = x W^T + b} with {@code W [out, in]} as stored in the
 * checkpoint, computed by libtorch's {@code linear} (the op behind {@code torch.nn.functional.linear}),
 * which picks a fast GEMM/GEMV path for the stored layout: a matMul against a transposed view is up to
 * 4x slower for a single decode row against the 151936-row logits matrix. When the weights are f16
 * (on CUDA) the input is cast to f16 for the product and the result back to f32.
 *
 * <p>A single input row that autograd does not track (a decode step) goes through {@link Gemv} instead, a
 * Java SIMD kernel over the same weight memory that streams the weights faster than libtorch's GEMV.
 */
public final class LinearProjection implements Projection {
  private final String name;
  private final NDArray weight; // (out, in)
  private final NDArray bias; // (out) or null
  private volatile Gemv gemv; // built on the first single-row call
  private volatile boolean gemvChecked;

  /**
   * @param name HF module name
   * @param weight {@code [out, in]}, owned by the model's manager
   * @param bias {@code [out]} or null, owned by the model's manager
   */
  public LinearProjection(String name, NDArray weight, NDArray bias) {
    this.name = Objects.requireNonNull(name, "name");
    this.weight = Objects.requireNonNull(weight, "weight");
    if (weight.getShape().dimension() != 2) {
      throw new IllegalArgumentException(name + ": weight must be 2-D but is " + weight.getShape());
    }
    if (bias != null && bias.getShape().size() != weight.getShape().get(0)) {
      throw new IllegalArgumentException(name + ": bias " + bias.getShape() + " does not match weight " + weight.getShape());
    }
    this.bias = bias;
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

  @Override
  public NDArray apply(NDArray x) {
    DataType wt = weight.getDataType();
    if (Gemv.enabled() && wt == DataType.FLOAT32 && x.getShape().size() == inFeatures() && !recorded(x)) {
      Gemv kernel = gemv();
      if (kernel != null) {
        return kernel.apply(x); // (..., out)
      }
    }
    if (wt == DataType.FLOAT32) {
      return Linear.linear(x, weight, bias).singletonOrThrow(); // (..., out)
    }
    NDArray y = Linear.linear(x.toType(wt, false), weight, bias).singletonOrThrow();
    return y.toType(DataType.FLOAT32, false);
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

  /** The Java kernel over this weight (f32 on the CPU, Vector API present), or null; for the one-row decoder. */
  Gemv kernel() {
    return gemv();
  }

  private Gemv gemv() {
    if (!gemvChecked) {
      synchronized (this) {
        if (!gemvChecked) {
          gemv = Gemv.of(weight, bias);
          gemvChecked = true;
        }
      }
    }
    return gemv;
  }
}
