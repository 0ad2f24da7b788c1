package io.ltm.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.core.loop.TraceRecord;
import io.ltm.core.problem.Problem;
import io.ltm.metrics.detect.BehaviourClassifier;
import io.ltm.metrics.report.MetricsJson;
import io.ltm.metrics.report.ReportCharts;
import io.ltm.metrics.report.RunData;
import io.ltm.metrics.report.chart.LineChart;
import io.ltm.metrics.report.chart.SvgCanvas;
import io.ltm.metrics.trace.Metric;
import io.ltm.metrics.trace.MetricsSummary;
import io.ltm.metrics.trace.ThoughtMetrics;
import io.ltm.metrics.trace.TraceMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The Runs page's data: every run directory under {@code --runs}, and for one run the same charts,
 * metric summary (means, 95% intervals, deltas against the base) and side-by-side traces as {@code
 * report.html}, computed by the report's own code ({@link RunData}, {@link ThoughtMetrics}, {@link
 * MetricsSummary}, {@link ReportCharts}, {@link SvgCanvas}, {@link MetricsJson}) and sent as JSON.
 * Stateless and thread-safe.
 */
final class RunsView {
  static final int CHART_W = 640;
  static final int CHART_H = 340;
  /** Probes shown at most on one page (the report holds all). */
  static final int MAX_PROBES = 60;

  private final RootedPath root;
  private final ObjectMapper json;
  private final ThoughtMetrics metrics;

  RunsView(RootedPath root, ObjectMapper json, ThoughtMetrics metrics) {
    this.metrics = metrics;
    this.root = root;
    this.json = json;
  }

  /** Run directories: direct subfolders holding {@code metrics.jsonl} or {@code traces/}. */
  ArrayNode list() throws IOException {
    ArrayNode out = json.createArrayNode();
    try (Stream<Path> s = Files.list(root.root())) {
      for (Path p : s.sorted().toList()) {
        String name = p.getFileName().toString();
        if (name.startsWith(".") || !Files.isDirectory(p)) {
          continue;
        }
        boolean log = Files.isRegularFile(p.resolve("metrics.jsonl"));
        boolean traces = Files.isDirectory(p.resolve("traces"));
        if (log || traces) {
          ObjectNode o = out.addObject();
          o.put("name", name);
          o.put("training", log);
          o.put("traces", traces);
          o.put("adapter", Files.isRegularFile(p.resolve("adapter/adapter_config.json")));
        }
      }
    }
    return out;
  }

  /** One run: charts, summary and traces; see the class comment. */
  ObjectNode run(String name) throws IOException {
    if (name.contains("/")) {
      throw HttpError.badRequest("run", "must be one folder name");
    }
    Path dir = root.resolve(name);
    if (!Files.isDirectory(dir)) {
      throw HttpError.notFound("run " + name);
    }
    RunData data;
    try {
      data = RunData.read(dir);
    } catch (IllegalArgumentException e) {
      throw new HttpError(422, "run", e.getMessage());
    }
    List<TraceMetrics> tm = metrics.measureAll(data.traces());
    MetricsSummary summary = MetricsSummary.of(tm);
    double lastStep = 0;
    if (data.training() != null && !data.training().train().isEmpty()) {
      lastStep = data.training().train().get(data.training().train().size() - 1).step();
    }
    ObjectNode o = json.createObjectNode();
    o.put("name", name);
    o.put("trainingSteps", data.training() == null ? 0 : data.training().train().size());
    o.put("traceRecords", data.traces().size());
    ArrayNode warnings = o.putArray("warnings");
    for (Problem w : data.warnings()) {
      warnings.add(w.format().replace(root.root().toString(), "runs"));
    }
    ArrayNode charts = o.putArray("charts");
    for (LineChart c : ReportCharts.training(data.training())) {
      chart(charts, c, "training");
    }
    for (LineChart c : ReportCharts.thought(summary, lastStep).values()) {
      chart(charts, c, "thought");
    }
    JsonNode groups = MetricsJson.toJson(json, tm, summary).get("groups");
    o.set("groups", groups);
    ArrayNode defs = o.putArray("metrics");
    for (Metric m : Metric.values()) {
      ObjectNode d = defs.addObject();
      d.put("key", m.key());
      d.put("label", m.label());
    }
    o.set("probes", probes(data.traces(), metrics.detectors()));
    return o;
  }

  private void chart(ArrayNode charts, LineChart c, String group) {
    ObjectNode o = charts.addObject();
    o.put("id", c.id());
    o.put("title", c.title());
    o.put("group", group);
    o.put("svg", SvgCanvas.render(c, CHART_W, CHART_H));
  }

  /** Probe -> variant -> iterations, the base first, as the report lays them out. */
  private ArrayNode probes(List<TraceRecord> records, BehaviourClassifier detectors) {
    Map<String, Map<String, List<TraceRecord>>> byProbe = new TreeMap<>();
    for (TraceRecord r : records) {
      byProbe.computeIfAbsent(r.probeId(), k -> new LinkedHashMap<>()).computeIfAbsent(r.variant(), k -> new ArrayList<>()).add(r);
    }
    Comparator<TraceRecord> variantOrder = Comparator.comparing((TraceRecord r) -> !r.isBase())
        .thenComparing(r -> r.adapter() == null ? "" : r.adapter())
        .thenComparing(r -> r.checkpoint() == null ? Integer.MAX_VALUE : r.checkpoint());
    ArrayNode out = json.createArrayNode();
    for (Map.Entry<String, Map<String, List<TraceRecord>>> p : byProbe.entrySet()) {
      if (out.size() >= MAX_PROBES) {
        break;
      }
      List<List<TraceRecord>> cols = new ArrayList<>(p.getValue().values());
      cols.sort((a, b) -> variantOrder.compare(a.get(0), b.get(0)));
      ObjectNode po = out.addObject();
      po.put("id", p.getKey());
      po.put("prompt", cols.get(0).get(0).prompt());
      ArrayNode vs = po.putArray("variants");
      for (List<TraceRecord> col : cols) {
        col.sort(Comparator.comparingInt(TraceRecord::iteration));
        ObjectNode v = vs.addObject();
        v.put("label", col.get(0).variant());
        v.put("base", col.get(0).isBase());
        ArrayNode its = v.putArray("iterations");
        for (TraceRecord r : col) {
          ObjectNode it = its.addObject();
          it.put("iteration", r.iteration());
          it.put("reasoning", r.reasoning());
          it.set("reasoningSpans", SpanJson.of(detectors.detect(r.reasoning())));
          it.put("answer", r.answer());
          it.set("answerSpans", SpanJson.of(detectors.detect(r.answer())));
        }
      }
    }
    return out;
  }


}
