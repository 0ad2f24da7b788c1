package io.ltm.metrics.stats;

import io.ltm.core.generate.TokenScorer;
import io.ltm.core.scene.Scene;
import io.ltm.core.scene.ScoringText;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Base versus adapter on held-out scenes, by teacher forcing through {@link TokenScorer}s.
 *
 * <p>Each scene is cut into {@link ScoringText} pieces by the caller's format; for an ltm adapter pass
 * the format it was trained on (ltm-dataset's {@code SceneChatFormat#scoringText}: Qwen3 ChatML with
 * {@code <think>}), not raw text, or the comparison measures how each model reads text it was not
 * trained to see. Per scene and model: the {@link Perplexity} of the reasoning given the prefix, and of
 * the answer given prefix, reasoning and separator; and the <em>log-likelihood ratio</em> {@code
 * (sum log p_adapter - sum log p_base) / tokens} over the reasoning and answer tokens. That ratio is
 * how much more likely the adapter finds the human-written scenes, per token. It is <em>not</em> a
 * KL divergence: k1/k3 estimate {@code KL(adapter || base)} only on text sampled from the adapter
 * ({@link Divergence}), and these scenes were written by a person.
 *
 * <p>The comparison is paired by scene: {@code delta = adapter - base}, summarised by its mean with the
 * {@link StudentT#pairedInterval t-interval on paired differences} (held-out sets are small). A
 * non-finite value (a {@code -inf} log-probability) is counted in the interval, never dropped.
 *
 * @param scenes per-scene scores, in input order
 * @param reasoningPplDelta adapter minus base reasoning perplexity
 * @param answerPplDelta adapter minus base answer perplexity
 * @param logLikelihoodRatio per-token log-likelihood ratio of adapter to base on the scenes (nats)
 */
public record HeldOutComparison(List<SceneScore> scenes, Interval reasoningPplDelta, Interval answerPplDelta,
    Interval logLikelihoodRatio) {

  public HeldOutComparison {
    scenes = List.copyOf(scenes);
  }

  /**
   * Scores of one scene.
   *
   * @param sceneId the scene
   * @param baseReasoningPpl reasoning perplexity under the base
   * @param adapterReasoningPpl reasoning perplexity under the adapter
   * @param baseAnswerPpl answer perplexity under the base
   * @param adapterAnswerPpl answer perplexity under the adapter
   * @param logLikelihoodRatio per-token log-likelihood ratio over reasoning and answer tokens
   * @param tokens reasoning and answer tokens scored
   * @param nonFinite tokens with a non-finite log-probability under either model, described
   */
  public record SceneScore(String sceneId, double baseReasoningPpl, double adapterReasoningPpl, double baseAnswerPpl,
      double adapterAnswerPpl, double logLikelihoodRatio, int tokens, List<String> nonFinite) {
    public SceneScore {
      nonFinite = List.copyOf(nonFinite);
    }
  }

  /** Compares {@code adapter} with {@code base} on {@code scenes} cut by {@code format}; see the class comment. */
  public static HeldOutComparison of(List<Scene> scenes, Function<Scene, ScoringText> format, TokenScorer base,
      TokenScorer adapter) {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(adapter, "adapter");
    List<SceneScore> out = new ArrayList<>();
    for (Scene s : scenes) {
      ScoringText t = format.apply(s);
      String answerPrefix = t.prefix() + t.reasoning() + t.between();
      Perplexity.Result br = Perplexity.of(base, t.prefix(), t.reasoning());
      Perplexity.Result ar = Perplexity.of(adapter, t.prefix(), t.reasoning());
      Perplexity.Result ba = Perplexity.of(base, answerPrefix, t.answer());
      Perplexity.Result aa = Perplexity.of(adapter, answerPrefix, t.answer());
      int n = ar.n() + aa.n();
      double llr = n == 0 ? Double.NaN : (sum(ar) + sum(aa) - sum(br) - sum(ba)) / n;
      List<String> bad = new ArrayList<>();
      for (var e : List.of(java.util.Map.entry("base reasoning", br), java.util.Map.entry("adapter reasoning", ar),
          java.util.Map.entry("base answer", ba), java.util.Map.entry("adapter answer", aa))) {
        if (!e.getValue().nonFinite().isEmpty()) {
          bad.add(e.getKey() + ": " + e.getValue().describeNonFinite());
        }
      }
      out.add(new SceneScore(s.id(), br.ppl(), ar.ppl(), ba.ppl(), aa.ppl(), llr, n, bad));
    }
    double[] brv = out.stream().mapToDouble(SceneScore::baseReasoningPpl).toArray();
    double[] arv = out.stream().mapToDouble(SceneScore::adapterReasoningPpl).toArray();
    double[] bav = out.stream().mapToDouble(SceneScore::baseAnswerPpl).toArray();
    double[] aav = out.stream().mapToDouble(SceneScore::adapterAnswerPpl).toArray();
    double[] llr = out.stream().mapToDouble(SceneScore::logLikelihoodRatio).toArray();
    return new HeldOutComparison(out, StudentT.pairedInterval(arv, brv), StudentT.pairedInterval(aav, bav),
        StudentT.interval(llr));
  }

  private static double sum(Perplexity.Result r) {
    return r.n() == 0 ? 0 : r.meanLogprob() * r.n();
  }
}
