package io.ltm.metrics.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.metrics.stats.Interval;
import io.ltm.metrics.tensorboard.Event;
import io.ltm.metrics.tensorboard.EventFileWriter;
import io.ltm.metrics.trace.Metric;
import io.ltm.metrics.trace.MetricsSummary;
import io.ltm.metrics.trace.ThoughtMetrics;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {
  @TempDir Path tmp;

  @Test
  void buildsHtmlPngsAndEventsFromTheFixtureRun() throws Exception {
    Path run = FixtureRun.copyTo(tmp.resolve("run"));
    RunReport.Result r = RunReport.build(run, ThoughtMetrics.builder().build(), Instant.parse("2025-11-29T12:00:00Z"));
    String html = Files.readString(r.html());
    assertThat(html).contains("<section id=\"training\">", "<section id=\"thought-metrics\">", "<section id=\"traces\">",
        "data-chart=\"loss\"", "data-chart=\"lr\"", "data-chart=\"tokens-per-s\"", "data-chart=\"thought-reflective-per1k\"");
    // Everything from traces is escaped: the fixture's "<script>" prompt text never appears raw.
    assertThat(html).doesNotContain("<script").contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    assertThat(html).doesNotContain("http://", "https://");
    assertThat(html.split("<article class=\"probe\"", -1)).hasSize(7); // 6 probes
    assertThat(html).contains("class=\"reasoning\"", "class=\"answer\"", "<mark class=\"b-verify\"");

    // PNGs next to it, decodable, one per chart.
    assertThat(r.charts()).hasSizeGreaterThanOrEqualTo(10);
    BufferedImage img = ImageIO.read(run.resolve("charts/loss.png").toFile());
    assertThat(img.getWidth()).isEqualTo(HtmlReport.CHART_W * 2);

    // The adapter grew more reflective: at checkpoint 200 the paired delta is positive. At 6 probes the
    // percentile bootstrap called it (its interval excluded 0); the t-interval on paired differences, which
    // keeps its coverage at this n, is wider and does not.
    MetricsSummary.Group g200 = r.summary().groups().stream()
        .filter(g -> !g.isBase() && Integer.valueOf(200).equals(g.checkpoint())).findFirst().orElseThrow();
    MetricsSummary.Group base = r.summary().groups().get(0);
    Interval d = g200.deltas().get(Metric.REFLECTIVE_PER_1K);
    assertThat(d.n()).isEqualTo(6);
    assertThat(d.mean()).isPositive();
    assertThat(d.method()).isEqualTo(Interval.Method.STUDENT_T);
    double[] a = g200.perProbe().get(Metric.REFLECTIVE_PER_1K).values().stream().mapToDouble(Double::doubleValue).toArray();
    double[] b = base.perProbe().get(Metric.REFLECTIVE_PER_1K).values().stream().mapToDouble(Double::doubleValue).toArray();
    Interval percentile = io.ltm.metrics.stats.Bootstrap.pairedDelta(a, b, 2000, 1);
    assertThat(percentile.includesZero()).isFalse();
    assertThat(d.lower()).isLessThan(percentile.lower());
    assertThat(d.upper()).isGreaterThan(percentile.upper());

    // TensorBoard: training scalars at every step and thought metrics per checkpoint.
    List<Event> events = EventFileWriter.read(r.events());
    assertThat(events.get(0).fileVersion()).isEqualTo("brain.Event:2");
    List<String> tags = events.stream().skip(1).map(e -> e.values().get(0).tag()).distinct().collect(Collectors.toList());
    assertThat(tags).contains("train/loss", "train/lr", "train/tokens_per_s", "eval/loss",
        "thought/reflectivePer1k/base", "thought/reflectivePer1k/adapter");
    assertThat(events.stream().filter(e -> !e.values().isEmpty() && e.values().get(0).tag().equals("train/loss")).count())
        .isEqualTo(200);

    // Rebuilding replaces the event file instead of adding a second one.
    RunReport.Result again = RunReport.build(run, ThoughtMetrics.builder().build(), Instant.parse("2025-11-29T13:00:00Z"));
    try (var s = Files.list(run)) {
      assertThat(s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).count()).isEqualTo(1);
    }
    assertThat(again.events()).exists();
  }

  @Test
  void badRunDirectoriesGiveClearErrors() throws Exception {
    assertThatThrownBy(() -> RunReport.build(tmp.resolve("missing"))).hasMessageContaining("not a directory");
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertThatThrownBy(() -> RunReport.build(empty)).hasMessageContaining("neither metrics.jsonl nor traces");
    Path bad = Files.createDirectories(tmp.resolve("bad"));
    Files.writeString(bad.resolve("metrics.jsonl"), "{\"step\":1,\"loss\":2.0}\n{\"step\":2,\"loss\":\"high\"}\n");
    assertThatThrownBy(() -> RunReport.build(bad)).hasMessageContaining("metrics.jsonl:2").hasMessageContaining("'loss'");
  }

  @Test
  void trainingLogReadsTrainAndEvalLinesAndSkipsATornLastLine() throws Exception {
    Path f = tmp.resolve("metrics.jsonl");
    Files.writeString(f, "{\"step\":10,\"loss\":2.31,\"lr\":1e-4,\"grad_norm\":0.8,\"tokens_per_s\":512.0,\"elapsed_s\":12.3}\n"
        + "\n{\"step\":50,\"eval_loss\":2.1,\"eval_ppl\":8.2}\n{\"step\":60,\"loss\":2.");
    TrainingLog log = TrainingLog.read(f);
    assertThat(log.train()).containsExactly(new TrainingLog.TrainStep(10, 2.31, 1e-4, 0.8, 512.0, 12.3));
    assertThat(log.eval()).containsExactly(new TrainingLog.EvalStep(50, 2.1, 8.2));
    assertThat(log.warnings()).hasSize(1);
    assertThat(log.warnings().get(0).line()).isEqualTo(4);
    Files.writeString(f, "{\"step\":1}\n");
    assertThatThrownBy(() -> TrainingLog.read(f)).hasMessageContaining(":1:").hasMessageContaining("neither 'loss' nor 'eval_loss'");
  }

  @Test
  void aPrimaryMetricCountedBelowTheDetectorsPrecisionTargetIsFlagged() {
    io.ltm.metrics.experiment.Preregistration prereg = new io.ltm.metrics.experiment.Preregistration(
        io.ltm.metrics.experiment.Preregistration.DEFAULT_PRIMARY, List.of("p1", "p2", "p3"),
        io.ltm.core.loop.GenerationSettings.defaults(), 1, "none", List.of(1L), List.of("a1"), List.of(), 0.05, "2026-12-06T00:00:00Z");
    var learned = io.ltm.metrics.detect.learned.Detectors.shipped();
    List<String> below = new java.util.ArrayList<>();
    for (io.ltm.metrics.detect.Behaviour b : io.ltm.metrics.detect.learned.LearnedDetector.BEHAVIOURS) {
      if (!learned.countingPoint(b).reached() && prereg.primary().contains(Metric.of(b))) {
        below.add(Metric.of(b).key());
      }
    }
    var warnings = RunReport.countedBelowTarget(learned, prereg);
    assertThat(warnings).extracting(w -> w.message().substring(0, w.message().indexOf(' '))).containsExactlyElementsOf(below);
    assertThat(warnings).allSatisfy(w -> assertThat(w.message()).contains("exploratory").contains("held-out precision"));
    // the rules have no counting threshold: nothing to flag
    assertThat(RunReport.countedBelowTarget(io.ltm.metrics.detect.BehaviourDetectors.defaults(), prereg)).isEmpty();
  }
}
