package io.ltm.metrics.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.TokenScorer;
import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.TraceRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatsTest {

  static GeneratedToken tok(String text, double lp, double ent, boolean reasoning) {
    return new GeneratedToken(text.hashCode() & 0xffff, text, lp, ent, reasoning);
  }

  @Test
  void wordsSplitLatinAndCyrillicWithPunctuation() {
    assertThat(Words.split("Wait, I'm wrong.")).containsExactly("Wait", ",", "I'm", "wrong", ".");
    assertThat(Words.split("Подожди — я ошибся, кто-то прав!")).containsExactly("Подожди", "—", "я", "ошибся", ",", "кто-то", "прав", "!");
    assertThat(Words.count("Подожди — я ошибся, кто-то прав!")).isEqualTo(8);
    assertThat(Words.split("  ")).isEmpty();
  }

  @Test
  void editDistanceByHand() {
    // [the cat sat] -> [the cat sits down]: substitute sat->sits, insert down = 2 over max 4.
    assertThat(EditDistance.normalizedWords("the cat sat", "the cat sits down")).isEqualTo(0.5);
    // [я ошибся тут] -> [я прав тут]: one substitution over 3.
    assertThat(EditDistance.normalizedWords("я ошибся тут", "я прав тут")).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(EditDistance.levenshtein(List.of("a", "b", "c"), List.of("c", "b", "a"))).isEqualTo(2);
    assertThat(EditDistance.normalizedWords("", "")).isZero();
    assertThat(EditDistance.normalizedWords("", "x y")).isEqualTo(1.0);
    assertThat(EditDistance.normalizedWords("one two", "one two")).isZero();
  }

  static TraceRecord rec(int it, String reasoning, String answer, List<GeneratedToken> tokens) {
    return new TraceRecord("r", "p", "q", it, "m", null, null, reasoning, answer, tokens, Instant.EPOCH,
        GenerationSettings.defaults());
  }

  @Test
  void rewriteMagnitudeUsesTokensWhenBothHaveThemAndEmbeddingsWhenGiven() {
    TraceRecord a = rec(0, "думаю да", "Да.", List.of());
    TraceRecord b = rec(1, "думаю нет", "Нет, не так.", List.of());
    Map<String, float[]> emb = Map.of("Да.", new float[] {1, 0}, "Нет, не так.", new float[] {0, 1});
    RewriteMagnitude m = RewriteMagnitude.between(a, b, emb::get);
    // answers: [Да .] -> [Нет , не так .]: keep "." ... lev = 4 over 5
    assertThat(m.answerEdit()).isCloseTo(4.0 / 5, within(1e-12));
    assertThat(m.reasoningEdit()).isEqualTo(0.5);
    assertThat(m.answerEmbedding()).isCloseTo(1.0, within(1e-12));
    assertThat(RewriteMagnitude.between(a, b, null).answerEmbedding()).isNaN();

    TraceRecord c = rec(0, "x", "y", List.of(tok("Hm", 0, 0, true), tok("ok", 0, 0, true), tok("A", 0, 0, false)));
    TraceRecord d = rec(1, "x", "y", List.of(tok("Hm", 0, 0, true), tok("A", 0, 0, false), tok("B", 0, 0, false)));
    RewriteMagnitude t = RewriteMagnitude.between(c, d, null);
    assertThat(t.reasoningEdit()).isEqualTo(0.5); // [Hm ok] -> [Hm]
    assertThat(t.answerEdit()).isEqualTo(0.5); // [A] -> [A B]
    assertThat(Embedder.cosineDistance(new float[] {1, 1}, new float[] {1, 1})).isCloseTo(0, within(1e-12));
    assertThat(Embedder.cosineDistance(new float[] {1, 0}, new float[] {-1, 0})).isCloseTo(2, within(1e-12));
    assertThatThrownBy(() -> Embedder.cosineDistance(new float[1], new float[2])).hasMessageContaining("lengths differ");
  }

  @Test
  void uncertaintyMeanP90AndSpikesByHand() {
    double[] e = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    Uncertainty u = Uncertainty.of(e, 6.5, 1);
    assertThat(u.mean()).isEqualTo(5.5);
    // h = 0.9 * 9 = 8.1 -> 9 + 0.1 * (10 - 9) = 9.1
    assertThat(u.p90()).isCloseTo(9.1, within(1e-12));
    assertThat(u.spikes()).containsExactly(new Uncertainty.Spike(6, 4, 10));

    double[] f = {0.1, 3.0, 2.5, Double.NaN, 2.2, 0.2, 4.0, 0.1};
    Uncertainty v = Uncertainty.of(f, 2.0, 1);
    assertThat(v.known()).isEqualTo(7);
    assertThat(v.mean()).isCloseTo((0.1 + 3.0 + 2.5 + 2.2 + 0.2 + 4.0 + 0.1) / 7, within(1e-12));
    // NaN ends the first run: spikes at [1,2], [4], [6]
    assertThat(v.spikes()).containsExactly(new Uncertainty.Spike(1, 2, 3.0), new Uncertainty.Spike(4, 1, 2.2),
        new Uncertainty.Spike(6, 1, 4.0));
    assertThat(Uncertainty.of(f, 2.0, 2).spikes()).containsExactly(new Uncertainty.Spike(1, 2, 3.0));
    assertThat(Uncertainty.of(new double[] {Double.NaN}, 2.0, 1).mean()).isNaN();
  }

  @Test
  void divergenceK1K3ByHand() {
    // d = [1, -1]: k1 = 0; k3 = mean(e^-1 - 1 + 1, e^1 - 1 - 1) = (0.36787944 + 0.71828183) / 2
    Divergence dv = Divergence.of(new double[] {-1, -2}, new double[] {-2, -1}, List.of(7, 8, 9),
        List.of("a", "b", "c"), 1);
    assertThat(dv.k1()).isCloseTo(0, within(1e-15));
    assertThat(dv.k3()).isCloseTo((Math.exp(-1) + Math.exp(1) - 2) / 2, within(1e-12));
    assertThat(dv.k3()).isCloseTo(0.5430806348, within(1e-9));
    assertThat(dv.top()).hasSize(1);
    assertThat(dv.top().get(0).position()).isEqualTo(1);
    assertThat(dv.top().get(0).text()).isEqualTo("b");

    // Identical models: both zero.
    Divergence same = Divergence.of(new double[] {-0.3, -2}, new double[] {-0.3, -2}, null, null, 5);
    assertThat(same.k1()).isZero();
    assertThat(same.k3()).isZero();
    assertThatThrownBy(() -> Divergence.of(new double[1], new double[2], null, null, 1)).hasMessageContaining("same tokens");
  }

  /** Scores each next token with a fixed table by id; tokenizes by characters (Cyrillic too). */
  static final class TableScorer implements TokenScorer {
    final String name;
    final Map<Integer, Double> lp;

    TableScorer(String name, Map<Integer, Double> lp) {
      this.name = name;
      this.lp = lp;
    }

    @Override
    public String modelName() {
      return name;
    }

    @Override
    public double[] logprobs(List<Integer> ids) {
      double[] out = new double[ids.size() - 1];
      for (int i = 1; i < ids.size(); i++) {
        out[i - 1] = lp.getOrDefault(ids.get(i), Math.log(0.5));
      }
      return out;
    }

    @Override
    public List<Integer> tokenize(String text) {
      List<Integer> ids = new ArrayList<>();
      text.codePoints().forEach(ids::add);
      return ids;
    }
  }

  @Test
  void perplexityAndScorerDivergenceByHand() {
    // "абв": ids а,б,в; б scored ln 0.5, в scored ln 0.25 -> ppl = exp(-(ln .5 + ln .25)/2) = sqrt(8)
    TableScorer base = new TableScorer("base", Map.of((int) 'в', Math.log(0.25)));
    assertThat(Perplexity.of(base, "", "абв").ppl()).isCloseTo(Math.sqrt(8), within(1e-12));
    // with prefix "а", text "бв": both text tokens scored
    Perplexity.Result withPrefix = Perplexity.of(base, "а", "бв");
    assertThat(withPrefix.n()).isEqualTo(2);
    assertThat(withPrefix.ppl()).isCloseTo(Math.sqrt(8), within(1e-12));
    assertThat(Perplexity.of(base, "", "а").ppl()).isNaN();

    TableScorer adapter = new TableScorer("adapter", Map.of((int) 'в', Math.log(0.5), (int) 'б', Math.log(0.25)));
    Divergence dv = Divergence.of(adapter, base, "абв", 2);
    // d = [ln .25 - ln .5, ln .5 - ln .25] = [-ln 2, ln 2]
    assertThat(dv.k1()).isCloseTo(0, within(1e-12));
    assertThat(dv.k3()).isCloseTo(((2 - 1 - Math.log(2)) + (0.5 - 1 + Math.log(2))) / 2, within(1e-12));
    assertThat(dv.top()).extracting(Divergence.TokenDiff::tokenId).containsExactly((int) 'б', (int) 'в');

    List<GeneratedToken> gen = List.of(tok("r", Math.log(0.5), 0, true), tok("a", Math.log(0.25), 0, false),
        tok("b", Math.log(0.25), 0, false));
    assertThat(Perplexity.ofGenerated(gen, true).ppl()).isCloseTo(2, within(1e-12));
    assertThat(Perplexity.ofGenerated(gen, false).ppl()).isCloseTo(4, within(1e-12));
  }

  @Test
  void bootstrapPercentileIntervals() {
    // Constant deltas: the interval is the point.
    Interval c = Bootstrap.pairedDelta(new double[] {3, 4, 5}, new double[] {1, 2, 3}, 500, 1);
    assertThat(c.mean()).isEqualTo(2);
    assertThat(c.lower()).isEqualTo(2);
    assertThat(c.upper()).isEqualTo(2);
    assertThat(c.includesZero()).isFalse();
    // {0, 1}: resample means are 0, .5, 1 with probability 1/4, 1/2, 1/4 -> 2.5% = 0 and 97.5% = 1.
    Interval b = Bootstrap.mean(new double[] {0, 1}, 4000, 7);
    assertThat(b.mean()).isEqualTo(0.5);
    assertThat(b.lower()).isEqualTo(0);
    assertThat(b.upper()).isEqualTo(1);
    assertThat(b.includesZero()).isTrue();
    // Same seed, same interval; large n close to the normal approximation mean +- 1.96 sd / sqrt(n).
    double[] v = new double[400];
    java.util.Random r = new java.util.Random(3);
    for (int i = 0; i < v.length; i++) {
      v[i] = r.nextGaussian() + 1;
    }
    Interval x = Bootstrap.mean(v, 2000, 11);
    assertThat(Bootstrap.mean(v, 2000, 11)).isEqualTo(x);
    double sd = Math.sqrt(java.util.Arrays.stream(v).map(a -> (a - x.mean()) * (a - x.mean())).sum() / (v.length - 1));
    assertThat(x.lower()).isCloseTo(x.mean() - 1.96 * sd / 20, within(0.02));
    assertThat(x.upper()).isCloseTo(x.mean() + 1.96 * sd / 20, within(0.02));
    assertThat(x.includesZero()).isFalse();
    assertThat(Bootstrap.mean(new double[] {Double.NaN}).n()).isZero();
    assertThatThrownBy(() -> Bootstrap.pairedDelta(new double[1], new double[2], 10, 1)).hasMessageContaining("same probes");
  }

  @Test
  void heldOutComparisonByHand() {
    // Character tokenizer. Base: every next char ln 0.5. Adapter: 'а' ln 0.25, others ln 0.5.
    TableScorer base = new TableScorer("base", Map.of());
    TableScorer adapter = new TableScorer("adapter", Map.of((int) 'а', Math.log(0.25)));
    io.ltm.core.scene.Scene s = new io.ltm.core.scene.Scene("s1", "", "ru", null, null, null, "пр",
        List.of(io.ltm.core.scene.Step.of(io.ltm.core.scene.StepKind.OBSERVE, "аб")), "бб", null);
    HeldOutComparison c = HeldOutComparison.of(List.of(s), io.ltm.core.scene.ScoringText::raw, base, adapter);
    HeldOutComparison.SceneScore sc = c.scenes().get(0);
    // reasoning "аб" given "пр": tokens а (ln .25 adapter / ln .5 base), б (ln .5) -> base ppl 2, adapter exp(-(ln .25 + ln .5)/2) = sqrt(8)
    assertThat(sc.baseReasoningPpl()).isCloseTo(2, within(1e-12));
    assertThat(sc.adapterReasoningPpl()).isCloseTo(Math.sqrt(8), within(1e-12));
    assertThat(sc.baseAnswerPpl()).isCloseTo(2, within(1e-12));
    assertThat(sc.adapterAnswerPpl()).isCloseTo(2, within(1e-12));
    assertThat(c.reasoningPplDelta().mean()).isCloseTo(Math.sqrt(8) - 2, within(1e-12));
    // log-likelihood ratio over the 4 reasoning and answer tokens: only 'а' differs, by ln .25 - ln .5 = -ln 2
    assertThat(sc.tokens()).isEqualTo(4);
    assertThat(sc.logLikelihoodRatio()).isCloseTo(-Math.log(2) / 4, within(1e-12));
    assertThat(c.logLikelihoodRatio().n()).isEqualTo(1);
    assertThat(c.logLikelihoodRatio().hasBounds()).isFalse(); // one scene: no interval
    assertThat(sc.nonFinite()).isEmpty();

    // Scored in another format (a chat-like wrapper), the prefix changes and so do the numbers' contexts:
    // the pieces come from the format, not from the scene's raw fields.
    HeldOutComparison chat = HeldOutComparison.of(List.of(s),
        x -> new io.ltm.core.scene.ScoringText("<u>" + x.prompt() + "</u><t>", "аа", "</t>", x.answer()), base, adapter);
    assertThat(chat.scenes().get(0).adapterReasoningPpl()).isCloseTo(4, within(1e-12)); // two 'а' at ln .25
  }

  @Test
  void aMinusInfinityLogprobMakesPerplexityInfiniteAndIsNamed() {
    Perplexity.Result r = Perplexity.ofGenerated(List.of(tok("ok", -0.5, 1, true), tok("zz", Double.NEGATIVE_INFINITY, 1, true),
        tok("x", Double.NaN, 1, true), tok("A", -1, 1, false)), true);
    assertThat(r.ppl()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(r.n()).isEqualTo(2); // NaN = not recorded, skipped; -inf counted
    assertThat(r.nonFinite()).containsExactly(new Perplexity.NonFiniteToken(1, "zz", Double.NEGATIVE_INFINITY));
    assertThat(r.describeNonFinite()).contains("1 token(s)", "#1 'zz'");
    // The trace metric carries it, and the summary counts it instead of dropping the probe.
    TraceRecord rec = rec(0, "ok zz x", "A", List.of(tok("ok", -0.5, 1, true), tok("zz", Double.NEGATIVE_INFINITY, 1, true),
        tok("A", -1, 1, false)));
    io.ltm.metrics.trace.TraceMetrics tm = io.ltm.metrics.trace.ThoughtMetrics.builder().build().measure(rec);
    assertThat(tm.get(io.ltm.metrics.trace.Metric.PPL_REASONING)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(tm.notes()).singleElement().asString().contains("reasoning perplexity is infinite", "'zz'");
    Interval iv = io.ltm.metrics.trace.MetricsSummary.of(List.of(tm)).groups().get(0).means()
        .get(io.ltm.metrics.trace.Metric.PPL_REASONING);
    assertThat(iv.nonFinite()).isEqualTo(1);
    assertThat(iv.mean()).isEqualTo(Double.POSITIVE_INFINITY);
  }
}
