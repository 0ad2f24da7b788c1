package io.ltm.metrics.experiment;

import io.ltm.core.loop.TraceRecord;
import io.ltm.metrics.stats.CrossedBootstrap;
import io.ltm.metrics.stats.Interval;
import io.ltm.metrics.stats.MultipleComparisons;
import io.ltm.metrics.stats.Power;
import io.ltm.metrics.stats.StudentT;
import io.ltm.metrics.trace.Metric;
import io.ltm.metrics.trace.TraceMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Analyses an experiment's traces under its {@link Preregistration}.
 *
 * <p>Values: for each variant (the base, each training seed's adapter and control; checkpoints left
 * out) a probe's value of a metric is the mean over its iterations (NaN skipped, infinities kept).
 * For a comparison X vs Y the differences form a grid {@code d[seed][probe] = X_seed(probe) -
 * Y_seed(probe)} (the base is the same for every seed) over the registered probes that every seed of
 * both sides has a value for.
 *
 * <ul>
 *   <li>estimate and 95% interval: the grid's mean, {@link CrossedBootstrap} over probes and seeds;
 *   <li>test: the paired t-test across probes ({@link StudentT#test}) of each probe's difference
 *       averaged over seeds;
 *   <li>correction: Holm over the primary family (each primary metric vs base and vs control); BH over
 *       the exploratory metrics' tests; significant = adjusted p below alpha and the interval excludes 0;
 *   <li>power: {@link Power#probesNeeded} at the Bonferroni level {@code alpha / family size} (Holm's
 *       first step) for the observed mean and spread of the per-probe differences.
 * </ul>
 *
 * An infinite value in a grid (a perplexity over a {@code -inf} log-probability) is reported in the
 * effect's interval ({@link Interval#nonFinite()}) and leaves it untested. Stateless and thread-safe.
 */
public final class ExperimentAnalysis {
  /** Default bootstrap resamples. */
  public static final int DEFAULT_RESAMPLES = 4000;
  /** Default bootstrap seed. */
  public static final long DEFAULT_SEED = 20250101L;

  private ExperimentAnalysis() {}

  /** Analyses with the default resamples and seed. */
  public static ExperimentResult analyze(List<TraceMetrics> traces, Preregistration prereg) {
    return analyze(traces, prereg, DEFAULT_RESAMPLES, DEFAULT_SEED);
  }

  /** Analyses {@code traces}; see the class comment. */
  public static ExperimentResult analyze(List<TraceMetrics> traces, Preregistration prereg, int resamples, long seed) {
    Objects.requireNonNull(prereg, "preregistration");
    // variant ("" for the base) -> metric -> probe -> {sum, n}
    Map<String, Map<Metric, Map<String, double[]>>> acc = new HashMap<>();
    for (TraceMetrics tm : traces) {
      TraceRecord r = tm.record();
      if (r.checkpoint() != null) {
        continue;
      }
      String v = r.adapter() == null ? "" : r.adapter();
      for (Metric m : Metric.values()) {
        double x = tm.get(m);
        if (Double.isNaN(x)) {
          continue;
        }
        double[] a = acc.computeIfAbsent(v, k -> new HashMap<>()).computeIfAbsent(m, k -> new HashMap<>())
            .computeIfAbsent(r.probeId(), k -> new double[2]);
        a[0] += x;
        a[1]++;
      }
    }
    List<String> base = new ArrayList<>();
    prereg.trainingSeeds().forEach(s -> base.add(""));
    List<String> usedProbes = new ArrayList<>();
    for (String p : prereg.probes()) {
      boolean all = acc.containsKey("") && prereg.adapterLabels().stream().allMatch(acc::containsKey)
          && prereg.controlLabels().stream().allMatch(acc::containsKey);
      if (all && has(acc, "", p) && prereg.adapterLabels().stream().allMatch(l -> has(acc, l, p))
          && prereg.controlLabels().stream().allMatch(l -> has(acc, l, p))) {
        usedProbes.add(p);
      }
    }
    List<Metric> exploratory = new ArrayList<>();
    for (Metric m : Metric.values()) {
      if (!prereg.primary().contains(m)) {
        exploratory.add(m);
      }
    }
    boolean control = prereg.hasControl();
    int primaryFamily = prereg.primary().size() * (control ? 2 : 1);
    int exploratoryFamily = exploratory.size() * (control ? 2 : 1);
    double alpha = prereg.alpha();
    List<MetricResult> raw = new ArrayList<>();
    for (Metric m : prereg.primary()) {
      raw.add(result(m, true, acc, prereg, base, usedProbes, alpha / primaryFamily, resamples, seed));
    }
    for (Metric m : exploratory) {
      raw.add(result(m, false, acc, prereg, base, usedProbes, alpha / exploratoryFamily, resamples, seed));
    }
    List<MetricResult> out = new ArrayList<>(correct(raw.subList(0, prereg.primary().size()), true, alpha));
    out.addAll(correct(raw.subList(prereg.primary().size(), raw.size()), false, alpha));
    return new ExperimentResult(prereg, out, VerdictRules.decide(out, prereg, usedProbes.size()), usedProbes);
  }

  private static boolean has(Map<String, Map<Metric, Map<String, double[]>>> acc, String variant, String probe) {
    return acc.get(variant).values().stream().anyMatch(mp -> mp.containsKey(probe));
  }

  private static MetricResult result(Metric m, boolean primary, Map<String, Map<Metric, Map<String, double[]>>> acc,
      Preregistration prereg, List<String> base, List<String> probes, double powerAlpha, int resamples, long seed) {
    Effect vsBase = effect(acc, m, prereg.adapterLabels(), base, probes, powerAlpha, resamples, seed);
    Effect vsControl = null;
    Effect controlVsBase = null;
    if (prereg.hasControl()) {
      vsControl = effect(acc, m, prereg.adapterLabels(), prereg.controlLabels(), probes, powerAlpha, resamples, seed);
      controlVsBase = effect(acc, m, prereg.controlLabels(), base, probes, powerAlpha, resamples, seed);
    }
    return new MetricResult(m, primary, vsBase, vsControl, controlVsBase);
  }

  private static double value(Map<String, Map<Metric, Map<String, double[]>>> acc, String variant, Metric m, String probe) {
    Map<String, double[]> mp = acc.getOrDefault(variant, Map.of()).getOrDefault(m, Map.of());
    double[] a = mp.get(probe);
    return a == null || a[1] == 0 ? Double.NaN : a[0] / a[1];
  }

  /** X minus Y over seeds x probes. */
  private static Effect effect(Map<String, Map<Metric, Map<String, double[]>>> acc, Metric m, List<String> xs,
      List<String> ys, List<String> probes, double powerAlpha, int resamples, long seed) {
    int s = xs.size();
    List<double[]> cols = new ArrayList<>();
    int nonFinite = 0;
    boolean undefined = false;
    int sign = 0;
    for (String p : probes) {
      double[] col = new double[s];
      boolean complete = true;
      boolean infinite = false;
      for (int i = 0; i < s; i++) {
        double x = value(acc, xs.get(i), m, p);
        double y = value(acc, ys.get(i), m, p);
        if (Double.isNaN(x) || Double.isNaN(y)) {
          complete = false;
          break;
        }
        col[i] = x - y;
        if (Double.isInfinite(x) || Double.isInfinite(y)) {
          infinite = true;
          if (Double.isNaN(col[i]) || (sign != 0 && sign != (int) Math.signum(col[i]))) {
            undefined = true;
          }
          sign = (int) Math.signum(col[i]);
        }
      }
      if (!complete) {
        continue;
      }
      if (infinite) {
        nonFinite++;
      } else {
        cols.add(col);
      }
    }
    int p = cols.size();
    if (nonFinite > 0) {
      double mean = undefined ? Double.NaN : sign > 0 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
      Interval iv = new Interval(p, mean, Double.NaN, Double.NaN, nonFinite, Interval.Method.CROSSED_BOOTSTRAP);
      return new Effect(iv, StudentT.test(new double[] {mean}), Double.NaN, false, Integer.MAX_VALUE, p + nonFinite, s);
    }
    double[][] grid = new double[s][p];
    double[] perProbe = new double[p];
    for (int j = 0; j < p; j++) {
      double[] col = cols.get(j);
      double t = 0;
      for (int i = 0; i < s; i++) {
        grid[i][j] = col[i];
        t += col[i];
      }
      perProbe[j] = t / s;
    }
    Interval iv = CrossedBootstrap.of(grid, resamples, seed);
    StudentT.Test test = StudentT.test(perProbe);
    int needed = p < 2 ? Integer.MAX_VALUE : Power.probesNeeded(test.mean(), test.sd(), powerAlpha, Power.DEFAULT_POWER);
    return new Effect(iv, test, Double.NaN, false, needed, p, s);
  }

  private static List<MetricResult> correct(List<MetricResult> rs, boolean primary, double alpha) {
    List<Double> ps = new ArrayList<>();
    for (MetricResult r : rs) {
      ps.add(r.vsBase().test().p());
      if (r.vsControl() != null) {
        ps.add(r.vsControl().test().p());
      }
    }
    double[] p = ps.stream().mapToDouble(Double::doubleValue).toArray();
    double[] adj = primary ? MultipleComparisons.holm(p) : MultipleComparisons.benjaminiHochberg(p);
    List<MetricResult> out = new ArrayList<>();
    int k = 0;
    for (MetricResult r : rs) {
      Effect b = r.vsBase().adjusted(adj[k++], alpha);
      Effect c = r.vsControl() == null ? null : r.vsControl().adjusted(adj[k++], alpha);
      out.add(new MetricResult(r.metric(), r.primary(), b, c, r.controlVsBase()));
    }
    return out;
  }

  static String fmtP(double p) {
    return Double.isNaN(p) ? "n/a" : p < 0.001 ? "<0.001" : String.format(Locale.ROOT, "%.3f", p);
  }
}
