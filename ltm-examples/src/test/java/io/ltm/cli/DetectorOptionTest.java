package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ltm detect --train} and {@code --detector} in detect, metrics and report. Trains once on the example scenes (a few seconds). */
class DetectorOptionTest {
  static final Path FIXTURE = Path.of("../ltm-metrics/src/test/resources/fixture-run");

  @TempDir Path dir;

  StringWriter out = new StringWriter();
  StringWriter err = new StringWriter();

  int run(String... args) {
    out = new StringWriter();
    err = new StringWriter();
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
  void trainedDetectorIsUsedByDetectMetricsAndReport() throws Exception {
    Path det = dir.resolve("det");
    assertThat(run("detect", "--train", "../examples/scenes", "--out", det.toString(), "--mode", "combined")).isEqualTo(0);
    assertThat(out.toString()).contains("wrote the combined detector to " + det);
    assertThat(err.toString()).contains("28 scenes, 215 labelled steps");
    JsonNode prov = new ObjectMapper().readTree(det.resolve("provenance.json").toFile());
    assertThat(prov.get("data").get(0).get("path").asText()).isEqualTo("../examples/scenes");
    assertThat(prov.get("data").get(0).get("steps").asInt()).isEqualTo(215);

    assertThat(run("detect", "--scenes", "../ltm-metrics/src/test/resources/fresh-scenes", "--detector", det.toString(), "--json")).isEqualTo(0);
    JsonNode j = new ObjectMapper().readTree(out.toString());
    assertThat(j.get("behaviours").fieldNames()).toIterable().contains("verify", "tension", "reflect");
    assertThat(err.toString()).contains("with the " + det + " detector").doesNotContain("in-sample");
    assertThat(run("detect", "--scenes", "../examples/scenes", "--detector", det.toString())).isEqualTo(0);
    assertThat(err.toString()).contains("was trained on these scenes").contains("in-sample");

    for (String d : new String[] {"rules", "learned", "combined", det.toString()}) {
      assertThat(run("metrics", "--json", "--resamples", "100", "--detector", d, FIXTURE.resolve("traces/base.jsonl").toString()))
          .as(d).isEqualTo(0);
      JsonNode m = new ObjectMapper().readTree(out.toString()).get("traces").get(0).get("metrics");
      assertThat(m.get("tensionPer1k").isNumber()).as(d).isTrue();
      // backward chaining has no step kind: only the rules (and the combined detector, which borrows them) count it
      assertThat(m.get("backwardPer1k").isNull()).as(d).isEqualTo(d.equals("learned"));
    }
  }

  @Test
  void leaveOneSetOutScoresEachSetWithADetectorTrainedOnTheOthers() throws Exception {
    Path det = dir.resolve("det-loso");
    assertThat(run("detect", "--train", "../examples/scenes", "../ltm-metrics/src/test/resources/fresh-scenes", "--out",
        det.toString(), "--loso")).as(err.toString()).isEqualTo(0);
    assertThat(out.toString()).contains("leave-one-set-out (2 sets)", "| ../examples/scenes | 215 |",
        "| ../ltm-metrics/src/test/resources/fresh-scenes | 54 |", "| all steps, each scored once | 269 |");
    assertThat(run("detect", "--train", "../examples/scenes", "--out", det.toString(), "--loso")).isEqualTo(2);
    assertThat(err.toString()).contains("--loso needs at least two labelled sets");
  }

  @Test
  void unknownDetectorIsAUsageErrorNamingTheOption() throws Exception {
    assertThat(run("metrics", "--detector", "nope", FIXTURE.resolve("traces/base.jsonl").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("--detector nope").contains("rules, learned, combined");
    assertThat(run("detect", "--train", "../examples/scenes")).isEqualTo(2);
    assertThat(err.toString()).contains("--out");
    Path runDir = dir.resolve("run");
    Files.createDirectories(runDir);
    assertThat(run("report", runDir.toString(), "--detector", "nope")).isEqualTo(2);
  }

  @Test
  void judgeOnTheRandomModelIsSkippedSayingSoAndLoopChecksTheDetectorFirst() throws Exception {
    Path model = dir.resolve("tiny");
    CliRun r = CliRun.of("random-model", "--preset", "tiny-qwen3", "--seed", "3", "--out", model.toString(),
        "--tokenizer", Path.of("..", "examples", "tokenizer", "qwen3").toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(run("detect", "--scenes", "../ltm-metrics/src/test/resources/fresh-scenes", "--judge", model.toString())).isEqualTo(0);
    assertThat(out.toString()).contains("judge skipped").contains("answered none of 18 probe judgements");
    Path probes = dir.resolve("probes.yaml");
    Files.writeString(probes, "- id: en\n  prompt: What does LoRA train?\n");
    Path traces = dir.resolve("t.jsonl");
    assertThat(run("loop", "--base", model.toString(), "--probes", probes.toString(), "--out", traces.toString(),
        "--detector", "nope")).isEqualTo(2);
    assertThat(err.toString()).contains("--detector nope");
    assertThat(Files.exists(traces)).isFalse();
  }
}
