package io.ltm.metrics.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.core.loop.TraceRecord;
import io.ltm.metrics.stats.Interval;
import io.ltm.metrics.trace.Metric;
import io.ltm.metrics.trace.MetricsSummary;
import io.ltm.metrics.trace.TraceMetrics;
import java.util.List;
import java.util.Locale;

/**
 * The JSON form of trace metrics ({@code ltm metrics --json}). Non-finite numbers are written as null.
 *
 * <pre>{@code
 * {"traces":[{"runId","probeId","iteration","model","adapter","checkpoint","variant",
 *             "metrics":{"tokens":..,"reflectivePer1k":..,...}}],
 *  "groups":[{"label","model","adapter","checkpoint","allCheckpoints","records","probes",
 *             "metrics":{"<metric>":{"mean","lower","upper","n","nonFinite","method"}},
 *             "deltaVsBase":{"<metric>":{"mean","lower","upper","n","nonFinite","method","includesZero"}}}]}
 * }</pre>
 */
public final class MetricsJson {
  private MetricsJson() {}

  /** The JSON object of per-trace metrics and the summary. */
  public static ObjectNode toJson(ObjectMapper mapper, List<TraceMetrics> traces, MetricsSummary summary) {
    ObjectNode root = mapper.createObjectNode();
    ArrayNode ts = root.putArray("traces");
    for (TraceMetrics tm : traces) {
      TraceRecord r = tm.record();
      ObjectNode o = ts.addObject();
      o.put("runId", r.runId());
      o.put("probeId", r.probeId());
      o.put("iteration", r.iteration());
      o.put("model", r.model());
      o.put("adapter", r.adapter());
      if (r.checkpoint() == null) {
        o.putNull("checkpoint");
      } else {
        o.put("checkpoint", r.checkpoint());
      }
      o.put("variant", r.variant());
      ObjectNode m = o.putObject("metrics");
      for (Metric k : Metric.values()) {
        number(m, k.key(), tm.get(k));
      }
    }
    ArrayNode gs = root.putArray("groups");
    for (MetricsSummary.Group g : summary.groups()) {
      ObjectNode o = gs.addObject();
      o.put("label", g.label());
      o.put("model", g.model());
      o.put("adapter", g.adapter());
      if (g.checkpoint() == null) {
        o.putNull("checkpoint");
      } else {
        o.put("checkpoint", g.checkpoint());
      }
      o.put("allCheckpoints", g.allCheckpoints());
      o.put("records", g.records());
      o.put("probes", g.probes());
      ObjectNode ms = o.putObject("metrics");
      g.means().forEach((k, iv) -> interval(ms.putObject(k.key()), iv, false));
      ObjectNode ds = o.putObject("deltaVsBase");
      g.deltas().forEach((k, iv) -> interval(ds.putObject(k.key()), iv, true));
    }
    return root;
  }

  private static void interval(ObjectNode o, Interval iv, boolean flag) {
    number(o, "mean", iv.mean());
    number(o, "lower", iv.lower());
    number(o, "upper", iv.upper());
    o.put("n", iv.n());
    o.put("nonFinite", iv.nonFinite());
    o.put("method", iv.method().label());
    if (flag) {
      o.put("includesZero", iv.includesZero());
    }
  }

  private static void number(ObjectNode o, String key, double v) {
    if (Double.isFinite(v)) {
      o.put(key, v);
    } else {
      o.putNull(key);
    }
  }

  /** A plain-text table of the summary: one row per metric, one column per group, {@code mean [lo, hi]} and Δ. */
  public static String toText(MetricsSummary summary) {
    StringBuilder sb = new StringBuilder();
    for (MetricsSummary.Group g : summary.groups()) {
      sb.append(String.format(Locale.ROOT, "== %s  (%d records, %d probes)%n", g.label(), g.records(), g.probes()));
      for (Metric k : Metric.values()) {
        Interval iv = g.means().get(k);
        if (iv.n() == 0 && iv.nonFinite() == 0) {
          continue;
        }
        sb.append(String.format(Locale.ROOT, "  %-24s %10.4f  [%.4f, %.4f]", k.key(), iv.mean() + 0.0, iv.lower() + 0.0, iv.upper() + 0.0));
        if (iv.nonFinite() > 0) {
          sb.append(String.format(Locale.ROOT, "  (%d non-finite)", iv.nonFinite()));
        }
        Interval d = g.deltas().get(k);
        if (d != null && d.n() > 0) {
          sb.append(String.format(Locale.ROOT, "   delta vs base %+.4f [%.4f, %.4f]%s", d.mean() + 0.0, d.lower() + 0.0, d.upper() + 0.0,
              d.includesZero() ? "  (CI includes 0)" : "")
              + (d.nonFinite() > 0 ? "  (" + d.nonFinite() + " non-finite)" : ""));
        }
        sb.append(System.lineSeparator());
      }
    }
    return sb.toString();
  }
}
