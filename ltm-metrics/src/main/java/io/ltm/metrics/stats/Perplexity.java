package io.ltm.metrics.stats;

import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.TokenScorer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Perplexity of text under a model.
 *
 * <p>Definition: {@code ppl = exp(-(1/n) sum_i log p(x_i | x_<i))} over the {@code n} scored tokens.
 * {@link #of(TokenScorer, String, String)} scores the tokens of {@code text} given {@code prefix}
 * (tokenized separately and prepended; with an empty prefix the first token of {@code text} has no
 * context and is not scored). For held-out scenes, reasoning and answer are scored separately: the
 * reasoning given the prompt, the answer given prompt and reasoning. {@link #ofGenerated} is the
 * perplexity of a generation under the model that sampled it, from its recorded logprobs.
 */
public final class Perplexity {
  private Perplexity() {}

  /**
   * The scored result.
   *
   * @param n tokens scored
   * @param meanLogprob mean natural-log probability
   * @param ppl {@code exp(-meanLogprob)}
   */
  public record Result(int n, double meanLogprob, double ppl) {}

  /** Perplexity from log-probabilities (NaN entries skipped); NaN when none is known. */
  public static Result ofLogprobs(double[] logprobs) {
    double s = 0;
    int n = 0;
    for (double l : logprobs) {
      if (Double.isFinite(l)) {
        s += l;
        n++;
      }
    }
    if (n == 0) {
      return new Result(0, Double.NaN, Double.NaN);
    }
    return new Result(n, s / n, Math.exp(-s / n));
  }

  /** Perplexity of {@code text} given {@code prefix} under {@code scorer}. */
  public static Result of(TokenScorer scorer, String prefix, String text) {
    Objects.requireNonNull(scorer, "scorer");
    List<Integer> p = prefix == null || prefix.isEmpty() ? List.of() : scorer.tokenize(prefix);
    List<Integer> t = scorer.tokenize(text);
    if (t.isEmpty() || p.size() + t.size() < 2) {
      return new Result(0, Double.NaN, Double.NaN);
    }
    List<Integer> ids = new ArrayList<>(p);
    ids.addAll(t);
    double[] all = scorer.logprobs(ids);
    int from = Math.max(0, p.size() - 1); // logprobs[i] scores ids[i+1]; text starts at ids[p.size()]
    double[] mine = java.util.Arrays.copyOfRange(all, from, all.length);
    return ofLogprobs(mine);
  }

  /** Perplexity of the reasoning ({@code reasoning=true}) or answer tokens of a generation. */
  public static Result ofGenerated(List<GeneratedToken> tokens, boolean reasoning) {
    double[] lp = tokens.stream().filter(t -> t.reasoning() == reasoning).mapToDouble(GeneratedToken::logprob).toArray();
    return ofLogprobs(lp);
  }
}
