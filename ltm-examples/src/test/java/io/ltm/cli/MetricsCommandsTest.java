package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ltm detect}, {@code ltm metrics} and {@code ltm report}: JSON contracts, exit codes, errors. */
class MetricsCommandsTest {
  static final Path FIXTURE = Path.of("../ltm-metrics/src/test/resources/fixture-run");

  @TempDir Path dir;

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  int run(String... args) {
    CommandLine cl = new CommandLine(new LtmCli());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExitCodeExceptionMapper(ex -> ex instanceof CommandLine.ParameterException ? LtmCli.USAGE_ERROR : LtmCli.INPUT_ERROR);
    cl.setExecutionExceptionHandler((ex, c, p) -> {
      c.getErr().println("error: " + CliErrors.describe(ex));
      return LtmCli.INPUT_ERROR;
    });
    return cl.execute(args);
  }

  @Test
  void detectJsonHasTheContractShape() throws Exception {
    assertThat(run("detect", "--scenes", "../examples/scenes", "--json")).isEqualTo(0);
    JsonNode j = new ObjectMapper().readTree(out.toString());
    assertThat(j.fieldNames()).toIterable().containsExactly("behaviours", "macroF1");
    assertThat(j.get("behaviours").fieldNames()).toIterable()
        .containsExactly("verify", "backtrack", "subgoal", "tension", "rewrite", "reflect");
    for (Iterator<JsonNode> it = j.get("behaviours").elements(); it.hasNext(); ) {
      JsonNode b = it.next();
      assertThat(b.fieldNames()).toIterable().containsExactly("precision", "recall", "f1", "support");
      assertThat(b.get("support").asInt()).isPositive();
    }
    assertThat(j.get("macroF1").asDouble()).isGreaterThan(0.75);
  }

  @Test
  void detectSaysWhatTheMetricsCountAndHowPreciseThatIs() throws Exception {
    assertThat(run("detect", "--scenes", "../examples/scenes", "--json", "--counted")).isEqualTo(0);
    JsonNode j = new ObjectMapper().readTree(out.toString());
    assertThat(j.fieldNames()).toIterable().containsExactly("behaviours", "macroF1", "counted");
    for (String k : List.of("verify", "backtrack", "subgoal", "tension", "rewrite", "reflect")) {
      JsonNode all = j.get("behaviours").get(k);
      JsonNode c = j.get("counted").get("behaviours").get(k);
      assertThat(c.get("support").asInt()).isEqualTo(all.get("support").asInt());
      // counted detections are a subset of the detections: recall can only fall
      assertThat(c.get("recall").asDouble()).as(k).isLessThanOrEqualTo(all.get("recall").asDouble());
      assertThat(c.get("threshold").asDouble()).as(k).isBetween(0.35, 0.95);
      assertThat(c.has("precisionTargetReached")).isTrue();
    }
    out.getBuffer().setLength(0);
    assertThat(run("detect", "--scenes", "../examples/scenes")).isEqualTo(0);
    assertThat(out.toString()).contains("counted by the metrics").contains("| counting threshold |");
    out.getBuffer().setLength(0);
    assertThat(run("detect", "--scenes", "../examples/scenes", "--detector", "rules")).isEqualTo(0);
    assertThat(out.toString()).doesNotContain("counted by the metrics");
  }

  @Test
  void detectTextAndBadScenes() throws Exception {
    // the rules' text table ("Let me check" is a strong cue for them); the learned detector's text is checked by
    // detectSaysWhatTheMetricsCountAndHowPreciseThatIs
    Files.writeString(dir.resolve("s.yaml"), "id: s\nprompt: q?\nthought:\n  - kind: observe\n    text: The report says the total is 4,210.\n"
        + "  - kind: verify\n    text: Let me check the sum - added the column again by hand and got 4,210, which matches the report.\n"
        + "  - kind: plan\n    text: Send the report to the client today.\nanswer: a\n");
    Files.writeString(dir.resolve("bad.yaml"), "id: bad\nprompt: q?\nthought:\n  - kind: verfy\n    text: x\nanswer: a\n");
    assertThat(run("detect", "--scenes", dir.toString(), "--detector", "rules")).isEqualTo(1);
    assertThat(out.toString()).contains("| verification | verify | 1.000 | 1.000 | 1.000 | 1 |");
    assertThat(err.toString()).contains("bad.yaml:4").contains("error");
    assertThat(run("detect", "--scenes", dir.resolve("none").toString())).isEqualTo(1);
    assertThat(run("detect")).isEqualTo(2);
  }

  @Test
  void metricsJsonPerTraceAndPerGroup() throws Exception {
    try (Stream<Path> s = Files.list(FIXTURE.resolve("traces"))) {
      List<String> args = new java.util.ArrayList<>(List.of("metrics", "--json", "--resamples", "500"));
      s.sorted().forEach(p -> args.add(p.toString()));
      assertThat(run(args.toArray(String[]::new))).isEqualTo(0);
    }
    JsonNode j = new ObjectMapper().readTree(out.toString());
    assertThat(j.get("traces")).hasSize(48);
    JsonNode t0 = j.get("traces").get(0);
    assertThat(t0.get("metrics").get("tokens").asDouble()).isPositive();
    assertThat(t0.get("metrics").get("answerEmbeddingDistance").isNull()).isTrue();
    List<String> labels = j.get("groups").findValuesAsText("label");
    assertThat(labels).containsExactly("Qwen3-0.6B", "Qwen3-0.6B+adapter@50", "Qwen3-0.6B+adapter@100",
        "Qwen3-0.6B+adapter@200", "Qwen3-0.6B+adapter@all");
    JsonNode g200 = j.get("groups").get(3);
    JsonNode d = g200.get("deltaVsBase").get("reflectivePer1k");
    assertThat(d.get("mean").asDouble()).isPositive();
    // At 6 probes the t-interval on paired differences does not call this delta (the percentile bootstrap did).
    assertThat(d.get("includesZero").asBoolean()).isTrue();
    assertThat(d.get("lower").asDouble()).isNegative();
    assertThat(d.get("method").asText()).isEqualTo("t-interval");
    assertThat(d.get("n").asInt()).isEqualTo(6);
    assertThat(j.get("groups").get(0).get("deltaVsBase").size()).isZero();
  }

  @Test
  void metricsErrorsNameFileAndLine() throws Exception {
    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(bad, Files.readAllLines(FIXTURE.resolve("traces/base.jsonl")).get(0) + "\n{\"probeId\": \"p\"}\n");
    assertThat(run("metrics", bad.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("error: " + bad + ":2:").contains("runId");
    assertThat(run("metrics", dir.resolve("missing.jsonl").toString())).isEqualTo(1);
    assertThat(err.toString()).contains("no such trace file");
  }

  @Test
  void reportWritesHtmlChartsAndEvents() throws Exception {
    Path run = dir.resolve("run");
    Files.createDirectories(run.resolve("traces"));
    Files.copy(FIXTURE.resolve("metrics.jsonl"), run.resolve("metrics.jsonl"));
    Files.copy(FIXTURE.resolve("traces/base.jsonl"), run.resolve("traces/base.jsonl"));
    Files.copy(FIXTURE.resolve("traces/checkpoint-200.jsonl"), run.resolve("traces/checkpoint-200.jsonl"));
    assertThat(run("report", run.toString())).isEqualTo(0);
    assertThat(run.resolve("report.html")).exists();
    assertThat(run.resolve("charts/loss.png")).exists();
    assertThat(out.toString()).contains("report.html", "events.out.tfevents.");
    assertThat(run("report", dir.resolve("nope").toString())).isEqualTo(1);
    assertThat(err.toString()).contains("error:").contains("not a directory");
  }
}
