package io.ltm.metrics.trace;

import io.ltm.core.loop.TraceRecord;
import io.ltm.metrics.stats.Bootstrap;
import io.ltm.metrics.stats.Interval;
import io.ltm.metrics.stats.StudentT;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Thought metrics aggregated per model variant, with 95% intervals and deltas against the base.
 *
 * <p>Groups: one per (model, adapter, checkpoint) present, and, for an adapter seen at more than one
 * checkpoint, one over all its checkpoints ({@link Group#allCheckpoints()}). Within a group, each
 * probe's value of a metric is the mean over its records (iterations), NaN (not measurable) skipped;
 * an infinite value (a perplexity over a {@code -inf} log-probability) makes the probe's value
 * infinite and is reported in {@link Interval#nonFinite()}, never dropped. The group's value is the
 * mean over probes with a {@link StudentT#interval Student t interval} (a percentile bootstrap
 * under-covers at the 3–6 probes of a seed run). The delta against the base is paired by probe: over
 * the probes where both the group and the base (same model, no adapter) have a value, {@code
 * mean(adapter_p - base_p)} with the {@link StudentT#pairedInterval t-interval on paired differences};
 * {@link Interval#includesZero()} marks a delta not distinguishable from none, and a single probe gives
 * no interval (too few to call).
 *
 * @param groups base groups first, then adapters by name and checkpoint (all-checkpoint group last)
 */
public record MetricsSummary(List<Group> groups) {
  public MetricsSummary {
    groups = List.copyOf(groups);
  }

  /**
   * One group of records.
   *
   * @param model base model name
   * @param adapter adapter, null for the base
   * @param checkpoint checkpoint step, null for none or for all checkpoints
   * @param allCheckpoints true for the group over every checkpoint of the adapter
   * @param records number of records
   * @param probes number of distinct probes
   * @param means per metric, the mean over probes with its interval
   * @param deltas per metric, the paired delta against the base; empty for the base or without one
   * @param perProbe per metric, probe id -> the probe's value
   */
  public record Group(
      String model,
      String adapter,
      Integer checkpoint,
      boolean allCheckpoints,
      int records,
      int probes,
      Map<Metric, Interval> means,
      Map<Metric, Interval> deltas,
      Map<Metric, Map<String, Double>> perProbe) {
    public Group {
      Objects.requireNonNull(model, "model");
      means = Collections.unmodifiableMap(new EnumMap<>(means.isEmpty() ? new EnumMap<>(Metric.class) : means));
      deltas = Collections.unmodifiableMap(deltas.isEmpty() ? new EnumMap<>(Metric.class) : new EnumMap<>(deltas));
      perProbe = Collections.unmodifiableMap(perProbe);
    }

    /** True for the base model alone. */
    public boolean isBase() {
      return adapter == null;
    }

    /** A label such as {@code Qwen3-0.6B}, {@code Qwen3-0.6B+adapter@200} or {@code ...+adapter@all}. */
    public String label() {
      String v = adapter == null ? model : model + "+" + adapter;
      if (allCheckpoints) {
        return v + "@all";
      }
      return checkpoint == null ? v : v + "@" + checkpoint;
    }
  }

  /** Aggregates with the default bootstrap settings. */
  public static MetricsSummary of(List<TraceMetrics> metrics) {
    return of(metrics, Bootstrap.DEFAULT_RESAMPLES, Bootstrap.DEFAULT_SEED);
  }

  /** Aggregates {@code metrics}; see the class comment. */
  public static MetricsSummary of(List<TraceMetrics> metrics, int resamples, long seed) {
    Map<String, List<TraceMetrics>> exact = new TreeMap<>();
    Map<String, List<TraceMetrics>> byAdapter = new TreeMap<>();
    for (TraceMetrics m : metrics) {
      TraceRecord r = m.record();
      exact.computeIfAbsent(groupKey(r.model(), r.adapter(), r.checkpoint()), k -> new ArrayList<>()).add(m);
      if (r.adapter() != null) {
        byAdapter.computeIfAbsent(r.model() + '\u0000' + r.adapter(), k -> new ArrayList<>()).add(m);
      }
    }
    List<Group> groups = new ArrayList<>();
    Map<String, Group> bases = new LinkedHashMap<>();
    for (List<TraceMetrics> list : exact.values()) {
      TraceRecord r = list.get(0).record();
      if (r.adapter() == null && r.checkpoint() == null) {
        Group g = group(r.model(), null, null, false, list, null, resamples, seed);
        bases.put(r.model(), g);
      }
    }
    for (List<TraceMetrics> list : exact.values()) {
      TraceRecord r = list.get(0).record();
      Group base = bases.get(r.model());
      if (r.adapter() == null && r.checkpoint() == null) {
        groups.add(base);
      } else {
        groups.add(group(r.model(), r.adapter(), r.checkpoint(), false, list, base, resamples, seed));
      }
    }
    for (List<TraceMetrics> list : byAdapter.values()) {
      long checkpoints = list.stream().map(m -> String.valueOf(m.record().checkpoint())).distinct().count();
      if (checkpoints > 1) {
        TraceRecord r = list.get(0).record();
        groups.add(group(r.model(), r.adapter(), null, true, list, bases.get(r.model()), resamples, seed));
      }
    }
    groups.sort(Comparator.comparing((Group g) -> !g.isBase()).thenComparing(Group::model)
        .thenComparing(g -> g.adapter() == null ? "" : g.adapter())
        .thenComparing(Group::allCheckpoints)
        .thenComparing(g -> g.checkpoint() == null ? Integer.MIN_VALUE : g.checkpoint()));
    return new MetricsSummary(groups);
  }

  private static String groupKey(String model, String adapter, Integer checkpoint) {
    return model + '\u0000' + (adapter == null ? "" : "\u0001" + adapter) + '\u0000'
        + (checkpoint == null ? "" : String.format("%012d", checkpoint));
  }

  private static Group group(String model, String adapter, Integer checkpoint, boolean all, List<TraceMetrics> list,
      Group base, int resamples, long seed) {
    Map<Metric, Map<String, Double>> perProbe = new EnumMap<>(Metric.class);
    Map<Metric, Interval> means = new EnumMap<>(Metric.class);
    Map<Metric, Interval> deltas = new EnumMap<>(Metric.class);
    int probes = (int) list.stream().map(m -> m.record().probeId()).distinct().count();
    for (Metric k : Metric.values()) {
      Map<String, double[]> acc = new TreeMap<>(); // probe -> {sum, n}
      for (TraceMetrics m : list) {
        double v = m.get(k);
        double[] a = acc.computeIfAbsent(m.record().probeId(), p -> new double[2]);
        if (!Double.isNaN(v)) {
          a[0] += v; // an infinity stays (and +inf + -inf is NaN: no defined mean)
          a[1]++;
        }
      }
      Map<String, Double> pp = new TreeMap<>();
      acc.forEach((p, a) -> pp.put(p, a[1] == 0 ? Double.NaN : a[0] / a[1]));
      perProbe.put(k, Collections.unmodifiableMap(pp));
      means.put(k, StudentT.interval(pp.values().stream().mapToDouble(Double::doubleValue).toArray()));
      if (base != null && adapter != null) {
        Map<String, Double> bp = base.perProbe().get(k);
        List<double[]> pairs = new ArrayList<>();
        pp.forEach((p, v) -> {
          Double b = bp.get(p);
          if (b != null && !Double.isNaN(b) && !Double.isNaN(v)) {
            pairs.add(new double[] {v, b});
          }
        });
        double[] av = pairs.stream().mapToDouble(x -> x[0]).toArray();
        double[] bv = pairs.stream().mapToDouble(x -> x[1]).toArray();
        deltas.put(k, StudentT.pairedInterval(av, bv));
      }
    }
    return new Group(model, adapter, checkpoint, all, list.size(), probes, means, deltas, perProbe);
  }
}
