package io.ltm.openai;

import java.util.List;

/**
 * Entropy of a next-token distribution estimated from the top-k log-probabilities a server returns:
 * the k probabilities are renormalised to sum to one and the entropy of that distribution is taken,
 * in nats.
 *
 * <p>Bias: when the k values are the k most probable tokens of the model's distribution p (as vLLM and
 * llama.cpp return them), the renormalised distribution q majorises p (every prefix sum of q, sorted,
 * is at least p's), so by Schur-concavity H(q) <= H(p): the estimate is a lower bound, exact only when
 * the top k hold all the mass. With mass m in the top k it misses roughly {@code (1-m) * log(V-k)}
 * nats at most beyond the binary term {@code h(m)}; on confident tokens (m close to 1) the gap is
 * small, on flat distributions it is large. Stateless.
 */
public final class TopLogprobEntropy {
  /** vLLM writes -9999.0 for a log-probability of minus infinity. */
  static final double VLLM_NEG_INF = -9999.0;

  private TopLogprobEntropy() {}

  /**
   * The renormalised entropy in nats, NaN when {@code logprobs} is empty or holds no finite value.
   * Values at or below -9999 (vLLM's minus infinity) count as probability 0.
   */
  public static double of(List<Double> logprobs) {
    if (logprobs == null || logprobs.isEmpty()) {
      return Double.NaN;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (double lp : logprobs) {
      if (usable(lp) && lp > max) {
        max = lp;
      }
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return Double.NaN;
    }
    // Shifted by the max for stability: q_i = exp(lp_i - max) / Z.
    double z = 0;
    for (double lp : logprobs) {
      if (usable(lp)) {
        z += Math.exp(lp - max);
      }
    }
    double logZ = Math.log(z);
    double h = 0;
    for (double lp : logprobs) {
      if (usable(lp)) {
        double logq = lp - max - logZ;
        h -= Math.exp(logq) * logq;
      }
    }
    return Math.max(0.0, h);
  }

  private static boolean usable(double lp) {
    return !Double.isNaN(lp) && lp > VLLM_NEG_INF && lp != Double.NEGATIVE_INFINITY;
  }
}
