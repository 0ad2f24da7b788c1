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
 *
 * <p>Non-finite log-probabilities are never dropped: a {@code -inf} (a token the model gave
 * probability 0) makes the mean {@code -inf} and the perplexity {@code +inf}, and every such token is
 * listed in {@link Result#nonFinite()} (its position and, where known, its text). NaN entries mean
 * "not recorded" and are skipped.
 */
public final class Perplexity {
  private Perplexity() {}

  /**
   * The scored result.
   *
   * @param n tokens scored (non-finite ones included)
   * @param meanLogprob mean natural-log probability ({@code -inf} when a token has {@code -inf})
   * @param ppl {@code exp(-meanLogprob)} ({@code +inf} then)
   * @param nonFinite the tokens whose log-probability is not finite, in order
   */
  public record Result(int n, double meanLogprob, double ppl, List<NonFiniteToken> nonFinite) {
    public Result {
      nonFinite = List.copyOf(nonFinite);
    }

    /** "2 tokens with a non-finite log-probability: #3 'foo' (-Infinity), ..." or "" when none. */
    public String describeNonFinite() {
      if (nonFinite.isEmpty()) {
        return "";
      }
      StringBuilder sb = new StringBuilder().append(nonFinite.size()).append(" token(s) with a non-finite log-probability:");
      for (NonFiniteToken t : nonFinite.subList(0, Math.min(10, nonFinite.size()))) {
        sb.append(" #").append(t.index()).append(t.token().isEmpty() ? "" : " '" + t.token() + "'").append(" (").append(t.logprob()).append(")");
      }
      return nonFinite.size() > 10 ? sb.append(" ...").toString() : sb.toString();
    }
  }

  /**
   * A token whose log-probability is infinite.
   *
   * @param index its position among the tokens scored (0-based)
   * @param token its text, or {@code #id}, or "" when unknown
   * @param logprob the value ({@code -inf} or {@code +inf})
   */
  public record NonFiniteToken(int index, String token, double logprob) {}

  /** Perplexity from log-probabilities (NaN entries skipped); NaN when none is known. */
  public static Result ofLogprobs(double[] logprobs) {
    return ofLogprobs(logprobs, null);
  }

  /** As {@link #ofLogprobs(double[])}, naming the tokens by {@code texts} (same length) when given. */
  public static Result ofLogprobs(double[] logprobs, List<String> texts) {
    double s = 0;
    int n = 0;
    List<NonFiniteToken> bad = new ArrayList<>();
    for (int i = 0; i < logprobs.length; i++) {
      double l = logprobs[i];
      if (Double.isNaN(l)) {
        continue;
      }
      if (Double.isInfinite(l)) {
        bad.add(new NonFiniteToken(i, texts == null ? "" : texts.get(i), l));
      }
      s += l;
      n++;
    }
    if (n == 0) {
      return new Result(0, Double.NaN, Double.NaN, List.of());
    }
    return new Result(n, s / n, Math.exp(-s / n), bad);
  }

  /** Perplexity of {@code text} given {@code prefix} under {@code scorer}. */
  public static Result of(TokenScorer scorer, String prefix, String text) {
    Objects.requireNonNull(scorer, "scorer");
    List<Integer> p = prefix == null || prefix.isEmpty() ? List.of() : scorer.tokenize(prefix);
    List<Integer> t = scorer.tokenize(text);
    if (t.isEmpty() || p.size() + t.size() < 2) {
      return new Result(0, Double.NaN, Double.NaN, List.of());
    }
    List<Integer> ids = new ArrayList<>(p);
    ids.addAll(t);
    double[] all = scorer.logprobs(ids);
    int from = Math.max(0, p.size() - 1); // logprobs[i] scores ids[i+1]; text starts at ids[p.size()]
    double[] mine = java.util.Arrays.copyOfRange(all, from, all.length);
    List<String> names = new ArrayList<>();
    for (int i = from + 1; i < ids.size(); i++) {
      names.add("#" + ids.get(i));
    }
    return ofLogprobs(mine, names);
  }

  /** Perplexity of the reasoning ({@code reasoning=true}) or answer tokens of a generation. */
  public static Result ofGenerated(List<GeneratedToken> tokens, boolean reasoning) {
    List<GeneratedToken> mine = tokens.stream().filter(t -> t.reasoning() == reasoning).toList();
    return ofLogprobs(mine.stream().mapToDouble(GeneratedToken::logprob).toArray(),
        mine.stream().map(GeneratedToken::text).toList());
  }
}
