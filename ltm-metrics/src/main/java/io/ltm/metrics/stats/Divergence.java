package io.ltm.metrics.stats;

import io.ltm.core.generate.TokenScorer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Divergence of an adapter from its base on the same text, from per-token log-probabilities.
 *
 * <p>Definitions: for scored positions {@code i = 1..n} let {@code la_i = log p_adapter(x_i | x_<i)},
 * {@code lb_i = log p_base(x_i | x_<i)} (natural log) and {@code d_i = la_i - lb_i}. With the text
 * sampled from the adapter, these are Monte Carlo estimators of {@code KL(adapter || base)} (Schulman,
 * "Approximating KL divergence", 2020, with {@code q} = adapter, {@code p} = base and the ratio {@code
 * r = p/q = exp(-d_i)}):
 *
 * <ul>
 *   <li>{@code k1 = mean(d_i)} — unbiased, can be negative on one sample;
 *   <li>{@code k3 = mean((r_i - 1) - log r_i) = mean(exp(-d_i) - 1 + d_i)} — unbiased and never
 *       negative, lower variance.
 * </ul>
 *
 * On text not sampled from the adapter (a held-out scene) they remain a per-token log-likelihood
 * ratio and a non-negative discrepancy, but are no longer KL estimates. {@code top} lists the
 * positions of largest {@code |d_i|}.
 *
 * @param n scored positions
 * @param k1 mean log-ratio
 * @param k3 Schulman's k3
 * @param top positions of largest |d|, largest first
 */
public record Divergence(int n, double k1, double k3, List<TokenDiff> top) {
  public Divergence {
    top = List.copyOf(top);
  }

  /**
   * One scored position.
   *
   * @param position index of the scored token in the id sequence (1..ids-1)
   * @param tokenId its id
   * @param text its text piece, empty when unknown
   * @param logpAdapter log-probability under the adapter
   * @param logpBase log-probability under the base
   */
  public record TokenDiff(int position, int tokenId, String text, double logpAdapter, double logpBase) {
    /** {@code logpAdapter - logpBase}. */
    public double diff() {
      return logpAdapter - logpBase;
    }
  }

  /**
   * Divergence from aligned log-probability arrays.
   *
   * @param ids the token ids scored ({@code ids.size() == la.length + 1})
   * @param pieces text pieces of the ids, or null
   * @param topK how many positions to list
   */
  public static Divergence of(double[] la, double[] lb, List<Integer> ids, List<String> pieces, int topK) {
    if (la.length != lb.length) {
      throw new IllegalArgumentException("adapter and base scored " + la.length + " and " + lb.length + " tokens; they must score the same tokens");
    }
    if (ids != null && ids.size() != la.length + 1) {
      throw new IllegalArgumentException("expected " + (la.length + 1) + " ids for " + la.length + " scores but got " + ids.size());
    }
    int n = la.length;
    if (n == 0) {
      return new Divergence(0, Double.NaN, Double.NaN, List.of());
    }
    double s1 = 0;
    double s3 = 0;
    List<TokenDiff> all = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      if (!Double.isFinite(la[i]) || !Double.isFinite(lb[i])) {
        throw new IllegalArgumentException("non-finite log-probability at position " + (i + 1) + ": adapter " + la[i] + ", base " + lb[i]);
      }
      double d = la[i] - lb[i];
      s1 += d;
      s3 += Math.expm1(-d) + d;
      int id = ids == null ? -1 : ids.get(i + 1);
      String text = pieces == null ? "" : pieces.get(i + 1);
      all.add(new TokenDiff(i + 1, id, text, la[i], lb[i]));
    }
    all.sort(Comparator.comparingDouble((TokenDiff t) -> -Math.abs(t.diff())).thenComparingInt(TokenDiff::position));
    return new Divergence(n, s1 / n, s3 / n, all.subList(0, Math.min(Math.max(topK, 0), n)));
  }

  /**
   * Scores {@code text} under both models and compares them. Both must tokenize it to the same ids
   * (an adapter shares its base's tokenizer).
   *
   * @throws IllegalArgumentException when the tokenizations differ or the text has fewer than 2 tokens
   */
  public static Divergence of(TokenScorer adapter, TokenScorer base, String text, int topK) {
    Objects.requireNonNull(adapter, "adapter");
    Objects.requireNonNull(base, "base");
    List<Integer> ids = adapter.tokenize(text);
    List<Integer> baseIds = base.tokenize(text);
    if (!ids.equals(baseIds)) {
      throw new IllegalArgumentException("'" + adapter.modelName() + "' and '" + base.modelName()
          + "' tokenize the text differently; divergence needs the same tokenizer");
    }
    if (ids.size() < 2) {
      throw new IllegalArgumentException("text has " + ids.size() + " token(s); need at least 2 to score");
    }
    return of(adapter.logprobs(ids), base.logprobs(ids), ids, null, topK);
  }
}
