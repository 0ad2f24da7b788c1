package io.ltm.metrics.stats;

import io.ltm.core.generate.TokenScorer;
import io.ltm.core.scene.Scene;
import io.ltm.core.scene.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Base versus adapter on held-out scenes, by teacher forcing through {@link TokenScorer}s.
 *
 * <p>For each scene: the reasoning text is its steps' texts joined by newlines, the prefix its context
 * and prompt ({@code context + "\n" + prompt}, or the prompt alone). {@link Perplexity} of the
 * reasoning given the prefix, and of the answer given prefix and reasoning, under each model; and
 * {@link Divergence} k1/k3 of the adapter from the base on the whole text (prefix, reasoning, answer).
 * The comparison is paired by scene: {@code delta = adapter - base} per scene, summarised by its mean
 * with a {@link Bootstrap#pairedDelta bootstrap 95% interval}.
 *
 * @param scenes per-scene scores, in input order
 * @param reasoningPplDelta adapter minus base reasoning perplexity
 * @param answerPplDelta adapter minus base answer perplexity
 * @param k1 mean over scenes of k1 (its interval is of the mean)
 * @param k3 mean over scenes of k3
 */
public record HeldOutComparison(List<SceneScore> scenes, Interval reasoningPplDelta,
    Interval answerPplDelta, Interval k1, Interval k3) {

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
   * @param divergence adapter vs base on the whole text
   */
  public record SceneScore(String sceneId, double baseReasoningPpl, double adapterReasoningPpl, double baseAnswerPpl,
      double adapterAnswerPpl, Divergence divergence) {}

  /** The reasoning text of a scene: step texts joined by newlines. */
  public static String reasoning(Scene s) {
    return s.thought().stream().map(Step::text).collect(Collectors.joining("\n"));
  }

  /** The prefix of a scene: context and prompt, or the prompt alone. */
  public static String prefix(Scene s) {
    return s.context().isBlank() ? s.prompt() : s.context() + "\n" + s.prompt();
  }

  /** Compares {@code adapter} with {@code base} on {@code scenes}; see the class comment. */
  public static HeldOutComparison of(List<Scene> scenes, TokenScorer base, TokenScorer adapter, int topK, int resamples,
      long seed) {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(adapter, "adapter");
    List<SceneScore> out = new ArrayList<>();
    for (Scene s : scenes) {
      String prefix = prefix(s);
      String reasoning = reasoning(s);
      String answerPrefix = prefix + "\n" + reasoning;
      out.add(new SceneScore(s.id(),
          Perplexity.of(base, prefix, reasoning).ppl(), Perplexity.of(adapter, prefix, reasoning).ppl(),
          Perplexity.of(base, answerPrefix, s.answer()).ppl(), Perplexity.of(adapter, answerPrefix, s.answer()).ppl(),
          Divergence.of(adapter, base, answerPrefix + "\n" + s.answer(), topK)));
    }
    double[] br = out.stream().mapToDouble(SceneScore::baseReasoningPpl).toArray();
    double[] ar = out.stream().mapToDouble(SceneScore::adapterReasoningPpl).toArray();
    double[] ba = out.stream().mapToDouble(SceneScore::baseAnswerPpl).toArray();
    double[] aa = out.stream().mapToDouble(SceneScore::adapterAnswerPpl).toArray();
    double[] k1 = out.stream().mapToDouble(x -> x.divergence().k1()).toArray();
    double[] k3 = out.stream().mapToDouble(x -> x.divergence().k3()).toArray();
    return new HeldOutComparison(out, Bootstrap.pairedDelta(ar, br, resamples, seed),
        Bootstrap.pairedDelta(aa, ba, resamples, seed), Bootstrap.mean(k1, resamples, seed),
        Bootstrap.mean(k3, resamples, seed));
  }
}
