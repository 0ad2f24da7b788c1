package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;

/** Root-mean-square normalisation over the last axis, as Llama and Qwen define it. */
public final class RmsNorm {
  private RmsNorm() {}

  /**
   * {@code weight * x / sqrt(mean(x^2, -1) + eps)}, in f32, in {@code x}'s manager.
   *
   * @param x {@code [..., n]} f32
   * @param weight {@code [n]}
   */
  public static NDArray apply(NDArray x, NDArray weight, float eps) {
    NDArray meanSquare = x.square().mean(new int[] {-1}, true); // (..., 1)
    NDArray xHat = x.div(meanSquare.add(eps).sqrt()); // (..., n)
    return xHat.mul(weight); // weight * x_hat
  }
}
