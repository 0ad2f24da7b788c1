package io.ltm.metrics.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.TraceRecord;
import io.ltm.metrics.trace.Metric;
import io.ltm.metrics.trace.TraceMetrics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** Each verdict from synthetic per-probe values of the primary metric (the wait rate), two training seeds. */
class ExperimentAnalysisTest {
  static final List<Long> SEEDS = List.of(1L, 2L);

  static Preregistration prereg(int probes, boolean control) {
    List<String> ids = new ArrayList<>();
    for (int p = 0; p < probes; p++) {
      ids.add("p" + p);
    }
    return new Preregistration(List.of(Metric.WAIT_PER_1K), ids, GenerationSettings.defaults(), 1, control ? "no-reasoning" : "none",
        SEEDS, List.of("adapter-s1", "adapter-s2"), control ? List.of("control-s1", "control-s2") : List.of(), 0.05,
        "2026-01-01T00:00:00Z");
  }

  static TraceMetrics tm(String adapter, String probe, double wait) {
    TraceRecord r = new TraceRecord("run", probe, "q", 0, "m", adapter, null, "", "a", List.of(), Instant.EPOCH,
        GenerationSettings.defaults());
    return new TraceMetrics(r, Map.of(Metric.WAIT_PER_1K, wait));
  }

  /** Values: base(probe), adapter(seed, probe), control(seed, probe). */
  static List<TraceMetrics> traces(Preregistration pre, java.util.function.IntToDoubleFunction base,
      BiFunction<Integer, Integer, Double> adapter, BiFunction<Integer, Integer, Double> control) {
    List<TraceMetrics> out = new ArrayList<>();
    for (int p = 0; p < pre.probes().size(); p++) {
      String id = pre.probes().get(p);
      out.add(tm(null, id, base.applyAsDouble(p)));
      for (int s = 0; s < SEEDS.size(); s++) {
        out.add(tm(pre.adapterLabels().get(s), id, adapter.apply(s, p)));
        if (pre.hasControl()) {
          out.add(tm(pre.controlLabels().get(s), id, control.apply(s, p)));
        }
      }
    }
    return out;
  }

  /** Independent standard normal noise per (seed, probe); seeds 7+ are the control's. */
  static final double[][] NOISE = new double[16][16];

  static {
    Random r = new Random(2024);
    for (double[] row : NOISE) {
      for (int i = 0; i < row.length; i++) {
        row[i] = r.nextGaussian();
      }
    }
  }

  static double noise(int s, int p) {
    return NOISE[s][p];
  }

  @Test
  void anEffectOnlyTheAdapterShowsIsSpecific() {
    Preregistration pre = prereg(6, true);
    ExperimentResult r = ExperimentAnalysis.analyze(traces(pre, p -> 5 + p, (s, p) -> 5 + p + 10 + noise(s, p),
        (s, p) -> 5 + p + noise(s + 7, p)), pre, 2000, 1);
    assertThat(r.verdict().kind()).as(r.verdict().toString()).isEqualTo(Verdict.Kind.SPECIFIC_EFFECT);
    MetricResult m = r.metrics().get(0);
    assertThat(m.primary()).isTrue();
    assertThat(m.vsBase().interval().mean()).isBetween(8.0, 12.0);
    assertThat(m.vsBase().interval().lower()).isPositive();
    assertThat(m.vsControl().significant()).isTrue();
    assertThat(m.controlVsBase().interval().includesZero()).isTrue();
    assertThat(r.verdict().headline()).startsWith("\"wait\" / 1k tokens: adapter +").contains("vs control — an effect of the thinking");
    // every other metric is exploratory, after the primary one
    assertThat(r.metrics().subList(1, r.metrics().size())).allMatch(x -> !x.primary());
  }

  @Test
  void anEffectTheControlShowsTooIsNotSpecific() {
    Preregistration pre = prereg(6, true);
    ExperimentResult r = ExperimentAnalysis.analyze(traces(pre, p -> 5 + p, (s, p) -> 15 + p + noise(s, p),
        (s, p) -> 15 + p + noise(s + 7, p)), pre, 2000, 1);
    assertThat(r.verdict().kind()).as(r.verdict().toString()).isEqualTo(Verdict.Kind.NOT_SPECIFIC);
    assertThat(r.verdict().headline()).contains("about as much as the control did", "no effect specific");
  }

  @Test
  void aSmallNoisyEffectOnFourProbesIsTooFewWithAnEstimate() {
    Preregistration pre = prereg(4, true);
    ExperimentResult r = ExperimentAnalysis.analyze(traces(pre, p -> 5, (s, p) -> 5.8 + 2 * noise(s, p),
        (s, p) -> 5 + 2 * noise(s + 7, p)), pre, 2000, 1);
    assertThat(r.verdict().kind()).as(r.verdict().toString()).isEqualTo(Verdict.Kind.TOO_FEW_PROBES);
    int needed = r.metrics().get(0).vsControl().probesNeeded();
    assertThat(needed).isGreaterThan(4).isLessThan(Integer.MAX_VALUE);
    assertThat(r.verdict().headline()).contains("about " + needed + " would be needed");
  }

  @Test
  void withoutAControlAMoveIsNotCalledSpecific() {
    Preregistration pre = prereg(6, false);
    ExperimentResult r = ExperimentAnalysis.analyze(traces(pre, p -> 5 + p, (s, p) -> 15 + p + noise(s, p), null), pre, 2000, 1);
    assertThat(r.verdict().kind()).isEqualTo(Verdict.Kind.EFFECT_WITHOUT_CONTROL);
    assertThat(r.metrics().get(0).vsControl()).isNull();
  }

  @Test
  void anInfiniteValueIsReportedNotDropped() {
    Preregistration pre = prereg(6, true);
    ExperimentResult r = ExperimentAnalysis.analyze(traces(pre, p -> 5,
        (s, p) -> p == 2 && s == 1 ? Double.POSITIVE_INFINITY : 5 + noise(s, p), (s, p) -> 5 + noise(s + 7, p)), pre, 500, 1);
    Effect e = r.metrics().get(0).vsBase();
    assertThat(e.interval().nonFinite()).isEqualTo(1);
    assertThat(e.interval().mean()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(e.significant()).isFalse();
    assertThat(r.verdict().details()).anyMatch(d -> d.contains("1 probe(s) have a non-finite value"));
  }

  @Test
  void preregistrationRoundTripsThroughJsonAndRejectsBadDesigns() {
    Preregistration p = prereg(3, true);
    assertThat(Preregistration.fromJson(p.toJson())).isEqualTo(p);
    assertThat(p.sameDesign(prereg(4, true))).isFalse();
    assertThatThrownBy(() -> Preregistration.parseMetrics("waitPer1k,nope")).hasMessageContaining("unknown metric 'nope'");
    assertThatThrownBy(() -> new Preregistration(List.of(Metric.WAIT_PER_1K), List.of("p"), GenerationSettings.defaults(), 1,
        "no-reasoning", SEEDS, List.of("a1", "a2"), List.of("c1"), 0.05, "t")).hasMessageContaining("one control label per training seed");
    assertThatThrownBy(() -> Preregistration.fromJson(p.toJson().without("probes"))).hasMessageContaining("'probes' is missing");
  }
}
