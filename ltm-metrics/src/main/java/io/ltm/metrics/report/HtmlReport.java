package io.ltm.metrics.report;

import io.ltm.core.loop.TraceRecord;
import io.ltm.metrics.detect.Behaviour;
import io.ltm.metrics.detect.BehaviourClassifier;
import io.ltm.metrics.experiment.ExperimentResult;
import io.ltm.metrics.report.chart.Html;
import io.ltm.metrics.report.chart.LineChart;
import io.ltm.metrics.report.chart.SvgCanvas;
import io.ltm.metrics.stats.Interval;
import io.ltm.metrics.trace.Metric;
import io.ltm.metrics.trace.MetricsSummary;
import io.ltm.metrics.trace.ThoughtMetrics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The self-contained HTML of a run report: inline CSS and SVG only, no scripts, and a
 * Content-Security-Policy that forbids every network fetch, so it opens offline. Everything taken from
 * traces is HTML-escaped. Sections: {@code #training}, {@code #thought-metrics}, {@code #traces},
 * {@code #definitions}; each chart is a {@code <figure class="chart-figure" data-chart="ID">}; each
 * probe an {@code <article class="probe">} with one {@code <div class="trace">} per model variant whose
 * reasoning ({@code .reasoning}) is set apart from the answer ({@code .answer}).
 */
public final class HtmlReport {
  static final int CHART_W = 640;
  static final int CHART_H = 340;

  private HtmlReport() {}

  /** The report's HTML. */
  public static String render(String title, RunData data, List<LineChart> training, Map<Metric, LineChart> thought,
      MetricsSummary summary, BehaviourClassifier detectors, Instant generated) {
    return render(title, data, training, thought, summary, detectors, generated, null);
  }

  /** The report's HTML, opening with the experiment's verdict when {@code experiment} is not null. */
  public static String render(String title, RunData data, List<LineChart> training, Map<Metric, LineChart> thought,
      MetricsSummary summary, BehaviourClassifier detectors, Instant generated, ExperimentResult experiment) {
    StringBuilder h = new StringBuilder(1 << 16);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>").append(Html.escape(title)).append("</title><style>").append(CSS).append("</style></head><body>\n");
    h.append("<header><h1>").append(Html.escape(title)).append("</h1><p class=\"meta\">Run directory <code>")
        .append(Html.escape(data.runDir().toString())).append("</code> · ").append(data.traces().size())
        .append(" trace records from ").append(data.traceFiles().size()).append(" file(s) · ")
        .append(data.training() == null ? 0 : data.training().train().size()).append(" training steps · generated ")
        .append(Html.escape(generated.toString())).append("</p>");
    if (!data.warnings().isEmpty()) {
      h.append("<ul class=\"warnings\">");
      data.warnings().forEach(w -> h.append("<li>").append(Html.escape(w.format())).append("</li>"));
      h.append("</ul>");
    }
    if (experiment != null) {
      ExperimentSection.render(h, experiment);
    }
    h.append("<nav>").append(experiment != null ? "<a href=\"#experiment\">Experiment</a> · " : "")
        .append("<a href=\"#training\">Training</a> · <a href=\"#thought-metrics\">Thought metrics</a> · ")
        .append("<a href=\"#traces\">Traces</a> · <a href=\"#definitions\">Definitions</a></nav></header>\n");

    h.append("<section id=\"training\"><h2>Training</h2>");
    if (training.isEmpty()) {
      h.append("<p class=\"empty\">No <code>metrics.jsonl</code> in this run directory.</p>");
    } else {
      h.append("<div class=\"grid\">");
      training.forEach(c -> figure(h, c));
      h.append("</div>");
    }
    h.append("</section>\n");

    h.append("<section id=\"thought-metrics\"><h2>Thought metrics per checkpoint</h2>");
    if (summary.groups().isEmpty()) {
      h.append("<p class=\"empty\">No traces in <code>traces/</code>.</p>");
    } else {
      h.append("<p>Means over probes with 95% Student t intervals. Δ is the paired difference from the base over the ")
          .append("same probes, with the t-interval on paired differences (a percentile bootstrap is too narrow at 3–6 probes); ")
          .append("<span class=\"ns\">grey</span> deltas have an interval that includes 0, and one probe gives no interval ")
          .append("(too few to call). ∞ marks a non-finite value (e.g. a −inf log-probability), counted, never dropped.</p>");
      summaryTable(h, summary);
      h.append("<div class=\"grid\">");
      thought.values().forEach(c -> figure(h, c));
      h.append("</div>");
    }
    h.append("</section>\n");

    h.append("<section id=\"traces\"><h2>Traces side by side</h2>");
    legend(h, detectors);
    traces(h, data.traces(), detectors);
    h.append("</section>\n");

    h.append("<section id=\"definitions\"><h2>Definitions</h2><dl>");
    for (Metric m : Metric.values()) {
      h.append("<dt><code>").append(m.key()).append("</code></dt><dd>").append(Html.escape(definition(m))).append("</dd>");
    }
    h.append("</dl></section>\n</body></html>\n");
    return h.toString();
  }

  private static void figure(StringBuilder h, LineChart c) {
    h.append("<figure class=\"chart-figure\" data-chart=\"").append(c.id()).append("\">")
        .append(SvgCanvas.render(c, CHART_W, CHART_H)).append("<figcaption>").append(Html.escape(c.title()))
        .append(" · <a href=\"charts/").append(c.id()).append(".png\">PNG</a></figcaption></figure>");
  }

  static String num(double v) {
    if (Double.isInfinite(v)) {
      return v > 0 ? "∞" : "−∞";
    }
    if (!Double.isFinite(v)) {
      return "–";
    }
    v += 0.0; // no "-0.000"
    double a = Math.abs(v);
    return String.format(Locale.ROOT, a >= 100 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
  }

  private static void summaryTable(StringBuilder h, MetricsSummary summary) {
    h.append("<div class=\"table-wrap\"><table class=\"summary\"><thead><tr><th>metric</th>");
    for (MetricsSummary.Group g : summary.groups()) {
      h.append("<th>").append(Html.escape(g.label())).append("<br><small>").append(g.probes()).append(" probes, ")
          .append(g.records()).append(" records</small></th>");
    }
    h.append("</tr></thead><tbody>");
    for (Metric m : Metric.values()) {
      boolean any = summary.groups().stream().anyMatch(g -> g.means().get(m).n() > 0 || g.means().get(m).nonFinite() > 0);
      if (!any) {
        continue;
      }
      h.append("<tr><th><code>").append(m.key()).append("</code></th>");
      for (MetricsSummary.Group g : summary.groups()) {
        Interval iv = g.means().get(m);
        h.append("<td>");
        if (iv.nonFinite() > 0) {
          h.append(num(iv.mean())).append(" <small class=\"nonfinite\">(").append(iv.nonFinite()).append(" non-finite)</small>");
        } else if (iv.n() > 0) {
          h.append(num(iv.mean())).append(" <small>[").append(num(iv.lower())).append(", ").append(num(iv.upper())).append("]</small>");
          Interval d = g.deltas().get(m);
          if (d != null && d.n() > 0) {
            boolean ns = d.includesZero();
            h.append("<br><span class=\"delta").append(ns ? " ns" : "").append("\" title=\"")
                .append(ns ? "interval includes 0" : "interval excludes 0").append("\">Δ ")
                .append(d.mean() >= 0 ? "+" : "").append(num(d.mean())).append(" [").append(num(d.lower())).append(", ")
                .append(num(d.upper())).append("]").append(ns ? " ≈0" : "").append("</span>");
          }
        } else {
          h.append("–");
        }
        h.append("</td>");
      }
      h.append("</tr>");
    }
    h.append("</tbody></table></div>");
  }

  private static void legend(StringBuilder h, BehaviourClassifier detectors) {
    h.append("<p class=\"legend\">Detected behaviours (").append(Html.escape(detectors.name())).append(" detector): ");
    for (Behaviour b : Behaviour.values()) {
      h.append("<mark class=\"").append(SpanHighlighter.cssClass(b)).append("\">").append(b.label()).append("</mark> ");
    }
    h.append("</p>");
    if (detectors instanceof io.ltm.metrics.detect.learned.LearnedDetector d) {
      List<String> below = new java.util.ArrayList<>();
      for (Behaviour b : io.ltm.metrics.detect.learned.LearnedDetector.BEHAVIOURS) {
        var cp = d.countingPoint(b);
        if (!cp.reached()) {
          below.add(b.label() + (cp.estimated() && !Double.isNaN(cp.precision())
              ? String.format(java.util.Locale.ROOT, " (held-out precision %.2f)", cp.precision()) : " (not estimated)"));
        }
      }
      h.append("<p class=\"legend\">Highlighted: every sentence the detector decides for. Counted in the metrics: those whose "
          + "probability also reaches the behaviour's counting threshold, chosen for held-out precision &ge; ")
          .append(String.format(java.util.Locale.ROOT, "%.2f", d.provenance().settings().countingPrecision())).append('.');
      if (!below.isEmpty()) {
        h.append(" Below that target: ").append(Html.escape(String.join(", ", below)))
            .append("; read differences in their counts as exploratory.");
      }
      h.append("</p>");
    }
  }

  private static void traces(StringBuilder h, List<TraceRecord> records, BehaviourClassifier detectors) {
    if (records.isEmpty()) {
      h.append("<p class=\"empty\">No traces in <code>traces/</code>.</p>");
      return;
    }
    Map<String, Map<String, List<TraceRecord>>> byProbe = new TreeMap<>();
    Map<String, TraceRecord> variantOrder = new LinkedHashMap<>();
    for (TraceRecord r : records) {
      byProbe.computeIfAbsent(r.probeId(), k -> new TreeMap<>()).computeIfAbsent(r.variant(), k -> new ArrayList<>()).add(r);
      variantOrder.putIfAbsent(r.variant(), r);
    }
    Comparator<TraceRecord> variantCmp = Comparator.comparing((TraceRecord r) -> !r.isBase())
        .thenComparing(r -> r.adapter() == null ? "" : r.adapter())
        .thenComparing(r -> r.checkpoint() == null ? Integer.MAX_VALUE : r.checkpoint());
    int idx = 0;
    for (Map.Entry<String, Map<String, List<TraceRecord>>> p : byProbe.entrySet()) {
      List<List<TraceRecord>> cols = new ArrayList<>(p.getValue().values());
      cols.sort((a, b) -> variantCmp.compare(a.get(0), b.get(0)));
      TraceRecord first = cols.get(0).get(0);
      h.append("<article class=\"probe\" id=\"probe-").append(idx++).append("\" data-probe=\"").append(Html.escape(p.getKey()))
          .append("\"><h3><span class=\"probe-id\">").append(Html.escape(p.getKey())).append("</span> ")
          .append(Html.escape(first.prompt())).append("</h3><div class=\"columns\">");
      for (List<TraceRecord> col : cols) {
        col.sort(Comparator.comparingInt(TraceRecord::iteration));
        TraceRecord c0 = col.get(0);
        h.append("<div class=\"trace\" data-variant=\"").append(Html.escape(c0.variant())).append("\"><h4>")
            .append(Html.escape(c0.variant())).append(c0.isBase() ? " <small>(base)</small>" : "").append("</h4>");
        for (TraceRecord r : col) {
          h.append("<div class=\"iteration\"><div class=\"iter-label\">iteration ").append(r.iteration()).append("</div>");
          h.append("<div class=\"reasoning\"><div class=\"label\">reasoning</div><div class=\"text\">")
              .append(r.reasoning().isEmpty() ? "<em>(none)</em>" : SpanHighlighter.highlight(r.reasoning(), detectors.detect(r.reasoning())))
              .append("</div></div>");
          h.append("<div class=\"answer\"><div class=\"label\">answer</div><div class=\"text\">")
              .append(SpanHighlighter.highlight(r.answer(), detectors.detect(r.answer()))).append("</div></div></div>");
        }
        h.append("</div>");
      }
      h.append("</div></article>");
    }
  }

  static String definition(Metric m) {
    switch (m) {
      case TOKENS:
        return "Number of model tokens of the record (reasoning + answer); words when the trace has no tokens.";
      case REFLECTIVE_PER_1K:
        return "Reflective-lexicon hits (English and Russian, whole words, longest first, non-overlapping) per 1,000 tokens.";
      case WAIT_PER_1K:
        return "Hits of the wait class alone (wait, hold on, подожди, погоди, постой) per 1,000 tokens.";
      case ENTROPY_MEAN:
        return "Mean entropy (nats) of the model's next-token distribution over generated tokens.";
      case ENTROPY_P90:
        return "90th percentile (linear interpolation, numpy default) of per-token entropy, nats.";
      case TENSION_SPIKES:
        return "Number of maximal runs of consecutive tokens with entropy above the threshold (default 2 nats).";
      case PPL_REASONING:
        return "exp(−mean logprob) of the reasoning tokens under the model that generated them.";
      case PPL_ANSWER:
        return "exp(−mean logprob) of the answer tokens under the model that generated them.";
      case ANSWER_EDIT:
        return "Levenshtein distance between this and the previous iteration's answer tokens / the longer length.";
      case REASONING_EDIT:
        return "Levenshtein distance between this and the previous iteration's reasoning tokens / the longer length.";
      case ANSWER_EMBEDDING_DISTANCE:
        return "1 − cosine similarity of the two iterations' answer embeddings (only with an embedder).";
      default:
        return "Spans found by the " + m.behaviour().map(Behaviour::label).orElse("?")
            + " detector per 1,000 tokens (rules: cue matches of English and Russian patterns; learned or combined"
            + " detectors: sentences showing the behaviour whose probability reaches its counting threshold).";
    }
  }

  private static final String CSS = String.join("\n",
      "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1400px;padding:0 20px 40px;color:#222;line-height:1.45}",
      "header{border-bottom:1px solid #ddd;margin-bottom:12px}h1{margin:18px 0 4px}.meta{color:#666;font-size:14px}",
      "nav{margin:8px 0 12px}nav a{color:#1f77b4}section{margin-top:28px}h2{border-bottom:2px solid #eee;padding-bottom:4px}",
      ".grid{display:flex;flex-wrap:wrap;gap:12px}.chart-figure{margin:0;border:1px solid #e3e3e3;border-radius:6px;padding:4px;background:#fff}",
      "figcaption{font-size:12px;color:#666;text-align:center}.empty{color:#888;font-style:italic}",
      ".warnings{color:#a15c00;font-size:13px}",
      ".table-wrap{overflow-x:auto}table.summary{border-collapse:collapse;font-size:13px;margin:8px 0 16px}",
      "table.summary th,table.summary td{border:1px solid #ddd;padding:4px 8px;text-align:right;vertical-align:top}",
      ".verdict{border:2px solid #1f77b4;border-radius:8px;padding:8px 14px;background:#f3f8fd}.verdict h2{border:0;margin:4px 0}",
      ".verdict .headline{font-size:18px;font-weight:600}.exploratory{color:#888}.nonfinite{color:#b00020}",
      "table.summary th:first-child{text-align:left}.delta{color:#0b6e2e;font-weight:600}.delta.ns,.ns{color:#999;font-weight:400}",
      ".probe{border:1px solid #ddd;border-radius:8px;padding:8px 12px;margin:14px 0;background:#fcfcfc}",
      ".probe h3{margin:4px 0 8px;font-size:16px}.probe-id{font-family:monospace;font-size:12px;color:#777;margin-right:6px}",
      ".columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:10px}",
      ".trace{background:#fff;border:1px solid #e6e6e6;border-radius:6px;padding:6px 8px}.trace h4{margin:2px 0 6px;font-size:14px}",
      ".iteration{margin-bottom:10px}.iter-label{font-size:11px;color:#888;text-transform:uppercase;letter-spacing:.05em}",
      ".reasoning{background:#f4f1ea;border-left:4px solid #c9b98f;padding:4px 8px;margin:4px 0;font-size:13px;color:#444}",
      ".answer{background:#eef5fb;border-left:4px solid #6a9fd0;padding:4px 8px;margin:4px 0;font-size:14px}",
      ".label{font-size:10px;text-transform:uppercase;color:#888;letter-spacing:.06em}.text{white-space:pre-wrap}",
      "mark{border-radius:3px;padding:0 1px}.b-verify{background:#c8e6c9}.b-backtrack{background:#ffccbc}.b-subgoal{background:#d1c4e9}",
      ".b-backward{background:#b3e5fc}.b-tension{background:#ffe082}.b-rewrite{background:#f8bbd0}.b-reflect{background:#dcedc8;outline:1px dashed #8bc34a}",
      ".legend mark{margin-right:4px}dl dt{margin-top:6px}dd{margin-left:18px;color:#444;font-size:14px}");
}
