package io.ltm.metrics.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The small-sample statistics against an independent computation with numpy and scipy: {@code
 * src/test/python/experiment_reference.py} wrote {@code experiment/stats-reference.json} (t-tests and
 * t-intervals, Holm and BH, Hesterberg's expanded tail, exact noncentral-t power, the crossed bootstrap
 * with 200,000 resamples).
 */
class ExperimentStatsReferenceTest {
  static JsonNode ref;

  @BeforeAll
  static void load() throws Exception {
    try (InputStream in = ExperimentStatsReferenceTest.class.getResourceAsStream("/experiment/stats-reference.json")) {
      ref = new ObjectMapper().readTree(in);
    }
  }

  static double[] arr(JsonNode a) {
    double[] v = new double[a.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = a.get(i).asDouble();
    }
    return v;
  }

  @Test
  void tTestAndIntervalMatchScipy() {
    for (JsonNode c : ref.get("t")) {
      double[] v = arr(c.get("values"));
      StudentT.Test t = StudentT.test(v);
      assertThat(t.mean()).isCloseTo(c.get("mean").asDouble(), within(1e-12));
      assertThat(t.sd()).isCloseTo(c.get("sd").asDouble(), within(1e-12));
      assertThat(t.t()).isCloseTo(c.get("t").asDouble(), within(1e-9));
      assertThat(t.p()).isCloseTo(c.get("p").asDouble(), within(1e-9));
      Interval iv = StudentT.interval(v);
      assertThat(iv.lower()).isCloseTo(c.get("lower").asDouble(), within(1e-8));
      assertThat(iv.upper()).isCloseTo(c.get("upper").asDouble(), within(1e-8));
      assertThat(iv.method()).isEqualTo(Interval.Method.STUDENT_T);
    }
  }

  @Test
  void holmAndBenjaminiHochbergMatchTheReference() {
    for (JsonNode c : ref.get("adjust")) {
      double[] p = arr(c.get("p"));
      assertThat(MultipleComparisons.holm(p)).containsExactly(arr(c.get("holm")), within(1e-12));
      assertThat(MultipleComparisons.benjaminiHochberg(p)).containsExactly(arr(c.get("bh")), within(1e-12));
    }
  }

  @Test
  void expandedTailMatchesScipy() {
    for (JsonNode c : ref.get("tail")) {
      assertThat(CrossedBootstrap.expandedTail(c.get("n").asInt(), 0.05)).isCloseTo(c.get("alpha_prime").asDouble(),
          within(1e-9 + 1e-6 * c.get("alpha_prime").asDouble()));
    }
  }

  @Test
  void probesNeededIsNearTheExactNoncentralTAnswer() {
    for (JsonNode c : ref.get("power")) {
      int n = Power.probesNeeded(c.get("delta").asDouble(), c.get("sd").asDouble(), c.get("alpha").asDouble(), 0.8);
      int exact = c.get("exact_n").asInt();
      assertThat(n).as(c.toString()).isBetween(exact - 1, exact + 1);
      // the exact power at the estimate is close to the target
      assertThat(c.get("exact_power_at").get(String.valueOf(n)).asDouble()).isBetween(0.74, 0.87);
    }
  }

  @Test
  void crossedBootstrapMatchesNumpyWithinMonteCarloError() {
    for (JsonNode c : ref.get("grid")) {
      JsonNode g = c.get("grid");
      double[][] grid = new double[g.size()][];
      for (int i = 0; i < grid.length; i++) {
        grid[i] = arr(g.get(i));
      }
      Interval iv = CrossedBootstrap.of(grid, 200_000, 3);
      double width = c.get("upper").asDouble() - c.get("lower").asDouble();
      assertThat(iv.mean()).isCloseTo(c.get("mean").asDouble(), within(1e-12));
      assertThat(iv.lower()).as(c.toString()).isCloseTo(c.get("lower").asDouble(), within(0.03 * width));
      assertThat(iv.upper()).as(c.toString()).isCloseTo(c.get("upper").asDouble(), within(0.03 * width));
      assertThat(iv.method()).isEqualTo(Interval.Method.CROSSED_BOOTSTRAP);
    }
  }

  @Test
  void nonFiniteValuesAreCountedNotDropped() {
    Interval t = StudentT.interval(new double[] {1, 2, Double.POSITIVE_INFINITY, Double.NaN});
    assertThat(t.n()).isEqualTo(2);
    assertThat(t.nonFinite()).isEqualTo(1);
    assertThat(t.mean()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(t.hasBounds()).isFalse();
    assertThat(t.format(false)).contains("1 non-finite value");
    Interval b = Bootstrap.mean(new double[] {1, 2, Double.NEGATIVE_INFINITY});
    assertThat(b.nonFinite()).isEqualTo(1);
    assertThat(b.mean()).isEqualTo(Double.NEGATIVE_INFINITY);
    Interval d = StudentT.pairedInterval(new double[] {Double.POSITIVE_INFINITY, 3}, new double[] {Double.POSITIVE_INFINITY, 1});
    assertThat(d.nonFinite()).isEqualTo(1);
    assertThat(d.mean()).isNaN(); // inf - inf has no sign
    assertThat(StudentT.test(new double[] {1, Double.POSITIVE_INFINITY}).p()).isNaN();
  }

  @Test
  void oneProbeGivesNoIntervalAndNoTest() {
    assertThat(StudentT.interval(new double[] {3}).hasBounds()).isFalse();
    assertThat(StudentT.interval(new double[] {3}).format(true)).contains("too few");
    assertThat(StudentT.test(new double[] {3}).p()).isNaN();
    assertThat(CrossedBootstrap.of(new double[][] {{3}, {4}}, 100, 1).hasBounds()).isFalse();
  }
}
