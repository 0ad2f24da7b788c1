package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * A scalar for arithmetic that autograd records, allocated by libtorch. Use it instead of DJL's
 * {@code mul(Number)} / {@code div(Number)} / {@code pow(Number)} wherever the result is differentiated.
 *
 * <p>Why: DJL's PyTorch engine implements {@code x.mul(2f)} as {@code try (NDArray n = create(2f)) {
 * return x.mul(n); }}, and {@code create} wraps a Java direct buffer without copying it. Autograd keeps
 * the scalar for the backward pass ({@code d(x*s)/dx = s}), but once the Java wrapper is closed and
 * collected the buffer is freed, so a later backward can read freed memory. The symptom is NaN or
 * garbage gradients that come and go with garbage-collection timing. A tensor from {@code
 * NDManager.full} lives in libtorch's own memory and is reference-counted by the graph.
 * ({@code add(Number)} and {@code sub(Number)} are safe, because their backward does not read the
 * scalar.)
 */
public final class GraphScalar {
  private GraphScalar() {}

  /** A 0-d f32 array holding {@code value}, in {@code manager} (on its device), in libtorch's memory. */
  public static NDArray of(NDManager manager, float value) {
    return manager.full(new Shape(), value, DataType.FLOAT32);
  }
}
