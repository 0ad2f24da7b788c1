package io.ltm.lora.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.Map;

/**
 * Gradients of trainable parameters: zeroing, and global-norm clipping as {@code torch.nn.utils.clip_grad_norm_} (norm type 2): the total norm
 * is the 2-norm of the per-parameter 2-norms; every gradient is multiplied by
 * {@code min(1, maxNorm / (total + 1e-6))}. Also finds the first parameter whose gradient is not finite.
 * Stateless and thread-safe.
 */
public final class Gradients {

  private Gradients() {}

  /**
   * Sets every parameter's gradient to zero (DJL's backward accumulates into existing gradients, as
   * PyTorch does), also clearing NaN left by a failed step.
   *
   * @param params the parameters
   */
  public static void zero(java.util.Collection<NDArray> params) {
    for (NDArray p : params) {
      if (p instanceof ai.djl.pytorch.engine.PtNDArray pt && p.hasGradient()) {
        ai.djl.pytorch.jni.JniUtils.zeroGrad(pt);
      } else if (p.hasGradient()) {
        try (NDArray g = p.getGradient()) {
          g.subi(g);
        }
      }
    }
  }

  /**
   * The result of measuring gradients.
   *
   * @param totalNorm the global 2-norm before clipping
   * @param firstNonFinite the name of the first parameter with a NaN or infinite gradient, or null
   */
  public record Norms(double totalNorm, String firstNonFinite) {}

  /**
   * Measures the gradients and, when {@code maxNorm > 0} and all are finite, clips them in place.
   *
   * @param params parameters by name, each with a gradient
   * @param maxNorm the largest allowed global norm; 0 or less measures without clipping
   * @return the global norm before clipping and the first non-finite parameter, if any
   */
  public static Norms clipGlobalNorm(Map<String, NDArray> params, double maxNorm) {
    if (params.isEmpty()) {
      return new Norms(0, null);
    }
    NDManager any = params.values().iterator().next().getManager();
    try (NDManager scope = any.newSubManager()) {
      NDList norms = new NDList();
      for (NDArray p : params.values()) {
        NDArray g = p.getGradient();
        g.attach(scope);
        NDArray n = g.norm();
        n.attach(scope);
        norms.add(n);
      }
      NDArray stacked = ai.djl.ndarray.NDArrays.stack(norms);
      stacked.attach(scope);
      float[] each = stacked.toFloatArray();
      int i = 0;
      for (String name : params.keySet()) {
        if (!Float.isFinite(each[i++])) {
          return new Norms(Double.NaN, name);
        }
      }
      NDArray total = stacked.norm();
      total.attach(scope);
      float totalNorm = total.getFloat();
      if (maxNorm > 0) {
        // As torch: the coefficient is computed in f32 from the f32 total, then clamped to 1.
        float coef = (float) maxNorm / (totalNorm + 1e-6f);
        if (coef < 1f) {
          for (NDArray p : params.values()) {
            NDArray g = p.getGradient();
            g.attach(scope);
            g.muli(coef);
          }
        }
      }
      return new Norms(totalNorm, null);
    }
  }
}
