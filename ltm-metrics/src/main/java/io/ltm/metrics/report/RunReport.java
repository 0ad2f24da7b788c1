package io.ltm.metrics.report;

import io.ltm.core.loop.TraceRecord;
import io.ltm.core.problem.Problem;
import io.ltm.metrics.experiment.ExperimentAnalysis;
import io.ltm.metrics.experiment.ExperimentResult;
import io.ltm.metrics.experiment.Preregistration;
import io.ltm.metrics.report.chart.LineChart;
import io.ltm.metrics.report.chart.PngCanvas;
import io.ltm.metrics.stats.Interval;
import io.ltm.metrics.tensorboard.EventFileWriter;
import io.ltm.metrics.trace.Metric;
import io.ltm.metrics.trace.MetricsSummary;
import io.ltm.metrics.trace.ThoughtMetrics;
import io.ltm.metrics.trace.TraceMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a run directory's report: {@code report.html} (self-contained), {@code charts/<id>.png} (one
 * per chart, for pasting into notes) and a TensorBoard event file with the training scalars ({@code
 * train/*}, {@code eval/*}) and the thought metrics per checkpoint ({@code thought/<metric>/base} and
 * {@code thought/<metric>/<adapter>}). Rebuilding replaces the files of the previous build, including
 * its event file (remembered in {@code .ltm-report-events}), so TensorBoard does not show duplicates.
 * When {@code seed.json} holds a pre-registration, the report opens with the experiment's verdict
 * ({@link ExperimentAnalysis}). Files are written atomically. Stateless; not for concurrent builds of the same directory.
 */
public final class RunReport {
  private static final Logger LOG = LoggerFactory.getLogger(RunReport.class);
  static final String EVENTS_MARKER = ".ltm-report-events";

  private RunReport() {}

  /**
   * What was written.
   *
   * @param html the report
   * @param charts the PNG charts
   * @param events the event file
   * @param summary the metrics summary shown
   * @param warnings problems that did not stop the build
   * @param experiment the experiment's analysis and verdict when the run folder holds a pre-registered
   *     experiment ({@code seed.json} with a {@code preregistration}), else null
   */
  public record Result(Path html, List<Path> charts, Path events, MetricsSummary summary, List<Problem> warnings,
      ExperimentResult experiment) {}

  /**
   * The pre-registration in {@code runDir/seed.json}, or null when there is none.
   *
   * @throws IllegalArgumentException naming the file when it is there but unreadable
   */
  /**
   * A warning for each primary metric whose behaviour a learned detector counts below its precision target
   * ({@link io.ltm.metrics.detect.learned.LearnedDetector.CountingPoint#reached}): its test still runs, but
   * a difference there may be made of false alarms.
   */
  static List<Problem> countedBelowTarget(io.ltm.metrics.detect.BehaviourClassifier detectors, Preregistration prereg) {
    List<Problem> out = new ArrayList<>();
    if (!(detectors instanceof io.ltm.metrics.detect.learned.LearnedDetector d)) {
      return out;
    }
    for (Metric m : prereg.primary()) {
      if (m.behaviour().isEmpty() || !io.ltm.metrics.detect.learned.LearnedDetector.BEHAVIOURS.contains(m.behaviour().get())) {
        continue;
      }
      var cp = d.countingPoint(m.behaviour().get());
      if (!cp.reached()) {
        out.add(Problem.warning("seed.json", 0, 0, "preregistration.primary", String.format(java.util.Locale.ROOT,
            "%s is primary, but the %s detector counts %s below its precision target (held-out precision %s < %.2f): "
                + "read its result as exploratory (docs/detectors.md#what-the-metrics-count-counting-thresholds)",
            m.key(), d.name(), m.behaviour().get().label(), Double.isNaN(cp.precision()) ? "not estimated"
                : String.format(java.util.Locale.ROOT, "%.2f", cp.precision()), d.provenance().settings().countingPrecision())));
      }
    }
    return out;
  }

  public static Preregistration readPreregistration(Path runDir) throws IOException {
    Path file = runDir.resolve("seed.json");
    if (!Files.isRegularFile(file)) {
      return null;
    }
    com.fasterxml.jackson.databind.JsonNode root;
    try {
      root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(file + ": not valid JSON (" + e.getOriginalMessage() + "); restore it or remove it", e);
    }
    if (root == null || !root.has("preregistration")) {
      return null;
    }
    try {
      return Preregistration.fromJson(root.get("preregistration"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** Builds the report of {@code runDir} with default metrics settings. */
  public static Result build(Path runDir) throws IOException {
    return build(runDir, ThoughtMetrics.builder().build(), Instant.now());
  }

  /** Builds the report of {@code runDir}; see the class comment. */
  public static Result build(Path runDir, ThoughtMetrics metrics, Instant now) throws IOException {
    Objects.requireNonNull(metrics, "metrics");
    RunData data = RunData.read(runDir);
    List<TraceMetrics> tm = metrics.measureAll(data.traces());
    MetricsSummary summary = MetricsSummary.of(tm);
    List<Problem> warnings = new ArrayList<>(data.warnings());
    for (TraceMetrics t : tm) {
      for (String note : t.notes()) {
        TraceRecord rec = t.record();
        warnings.add(Problem.warning("traces", 0, 0, rec.probeId() + "#" + rec.iteration(),
            rec.model() + (rec.adapter() == null ? "" : "+" + rec.adapter()) + ": " + note));
      }
    }
    Preregistration prereg = readPreregistration(runDir);
    if (prereg != null) {
      warnings.addAll(countedBelowTarget(metrics.detectors(), prereg));
    }
    data = new RunData(data.runDir(), data.training(), data.traces(), data.traceFiles(), warnings);
    ExperimentResult experiment = prereg == null ? null : ExperimentAnalysis.analyze(tm, prereg);
    double lastStep = 0;
    if (data.training() != null && !data.training().train().isEmpty()) {
      lastStep = data.training().train().get(data.training().train().size() - 1).step();
    }
    List<LineChart> training = ReportCharts.training(data.training());
    Map<Metric, LineChart> thought = ReportCharts.thought(summary, lastStep);
    String title = "ltm report — " + (runDir.toAbsolutePath().normalize().getFileName() == null ? runDir.toString()
        : runDir.toAbsolutePath().normalize().getFileName().toString());

    List<Path> pngs = new ArrayList<>();
    Path chartsDir = runDir.resolve("charts");
    List<LineChart> all = new ArrayList<>(training);
    all.addAll(thought.values());
    for (LineChart c : all) {
      Path p = chartsDir.resolve(c.id() + ".png");
      PngCanvas.write(c, HtmlReport.CHART_W, HtmlReport.CHART_H, 2, p);
      pngs.add(p);
    }
    String html = HtmlReport.render(title, data, training, thought, summary, metrics.detectors(), now, experiment);
    Path out = runDir.resolve("report.html");
    writeAtomically(out, html);
    Path events = writeEvents(runDir, data, summary, now);
    LOG.debug("wrote {} ({} charts, events {})", out, pngs.size(), events.getFileName());
    return new Result(out, pngs, events, summary, warnings, experiment);
  }

  static void writeAtomically(Path file, String text) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static Path writeEvents(Path runDir, RunData data, MetricsSummary summary, Instant now) throws IOException {
    Path marker = runDir.resolve(EVENTS_MARKER);
    if (Files.isRegularFile(marker)) {
      String prev = Files.readString(marker, StandardCharsets.UTF_8).trim();
      if (prev.startsWith("events.out.tfevents.") && !prev.contains("/") && !prev.contains("\\")) {
        Files.deleteIfExists(runDir.resolve(prev));
      }
    }
    double wall = now.toEpochMilli() / 1000.0;
    Path file;
    try (EventFileWriter w = EventFileWriter.create(runDir, wall, EventFileWriter.hostName())) {
      file = w.file();
      if (data.training() != null) {
        // Training wall times: the run ends "now" and earlier steps sit back by their elapsed_s.
        double lastElapsed = data.training().train().stream().mapToDouble(TrainingLog.TrainStep::elapsedS)
            .filter(Double::isFinite).max().orElse(0);
        for (TrainingLog.TrainStep s : data.training().train()) {
          double t = Double.isFinite(s.elapsedS()) ? wall - lastElapsed + s.elapsedS() : wall;
          scalar(w, "train/loss", s.step(), s.loss(), t);
          scalar(w, "train/lr", s.step(), s.lr(), t);
          scalar(w, "train/grad_norm", s.step(), s.gradNorm(), t);
          scalar(w, "train/tokens_per_s", s.step(), s.tokensPerS(), t);
        }
        for (TrainingLog.EvalStep e : data.training().eval()) {
          scalar(w, "eval/loss", e.step(), e.evalLoss(), wall);
          scalar(w, "eval/ppl", e.step(), e.evalPpl(), wall);
        }
      }
      List<Long> steps = new ArrayList<>();
      for (MetricsSummary.Group g : summary.groups()) {
        if (!g.isBase() && !g.allCheckpoints() && g.checkpoint() != null) {
          steps.add((long) g.checkpoint());
        }
      }
      for (MetricsSummary.Group g : summary.groups()) {
        if (g.allCheckpoints()) {
          continue;
        }
        for (Metric m : Metric.values()) {
          Interval iv = g.means().get(m);
          if (iv.n() == 0) {
            continue;
          }
          if (g.isBase()) {
            for (long s : steps.isEmpty() ? List.of(0L) : steps) {
              scalar(w, "thought/" + m.key() + "/base", s, iv.mean(), wall);
            }
          } else {
            long s = g.checkpoint() == null ? 0 : g.checkpoint();
            scalar(w, "thought/" + m.key() + "/" + g.adapter().replaceAll("[^A-Za-z0-9._-]", "_"), s, iv.mean(), wall);
          }
        }
      }
    }
    writeAtomically(marker, file.getFileName().toString() + "\n");
    return file;
  }

  private static void scalar(EventFileWriter w, String tag, long step, double v, double wall) throws IOException {
    if (Double.isFinite(v)) {
      w.scalar(tag, step, v, wall);
    }
  }

}
