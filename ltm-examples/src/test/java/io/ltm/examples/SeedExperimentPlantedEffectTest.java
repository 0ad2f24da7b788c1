package io.ltm.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.dataset.control.Control;
import io.ltm.metrics.experiment.ExperimentResult;
import io.ltm.metrics.experiment.MetricResult;
import io.ltm.metrics.experiment.Verdict;
import io.ltm.metrics.trace.Metric;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed experiment finds an effect that is planted, and only that one. On the random demo model,
 * scenes whose reasoning is a marker behaviour ("wait" again and again) train an adapter, and the
 * same scenes without their reasoning train the control, with two training seeds each; the
 * pre-registered primary metric is the "wait" rate. The verdict must find the marker vs base and vs
 * control. The same experiment with neutral reasoning (the marker removed) must not report a specific
 * effect. SLOW for a unit test: 8 short trainings (16 steps of 192 tokens) and 10-token loops over 6
 * probes; 136 s measured on 2 cores at load ~5 (1,122 s at load ~25).
 */
class SeedExperimentPlantedEffectTest {
  @TempDir Path tmp;

  static final String[] PROMPTS = {"Why postpone the run?", "RAG or LoRA first?", "Are notes memory?", "What is the plan?",
      "Which metric matters?", "How much data is enough?", "Is the loss falling?", "What does the probe show?",
      "Where do scenes come from?", "Why a control adapter?", "How many seeds?", "What is a verdict?",
      "Who reads the report?", "When is a run done?"};

  static Path scenes(Path dir, String reasoning) throws Exception {
    Files.createDirectories(dir);
    for (int i = 0; i < PROMPTS.length; i++) {
      Files.writeString(dir.resolve("s" + i + ".yaml"), String.join("\n",
          "id: scene-" + i,
          "title: scene " + i,
          "lang: en",
          "prompt: " + PROMPTS[i],
          "thought:",
          "  - kind: reflect",
          "    text: " + reasoning,
          "  - kind: reflect",
          "    text: " + reasoning,
          "answer: Run it small today.",
          ""), StandardCharsets.UTF_8);
    }
    return dir;
  }

  static ExperimentResult run(Path scenes, Path out) throws Exception {
    SeedSettings s = SeedSettings.builder().scenes(scenes).out(out).steps(16).lr(1e-2).maxLen(192).validationFraction(0.5)
        .iterations(1).maxNewTokens(10).probes(6).probeCheckpoint(false).seeds(2).control(Control.NO_REASONING)
        .primary(List.of(Metric.WAIT_PER_1K)).build();
    StringWriter log = new StringWriter();
    SeedModel.Result r = new SeedModel(s, new PrintWriter(log, true), new io.ltm.lora.train.TrainingListener() {}, null).run();
    assertThat(log.toString()).contains("VERDICT (");
    return r.experiment();
  }

  /** What each variant generated, for failure messages. */
  static String traces(Path out) throws Exception {
    StringBuilder sb = new StringBuilder();
    for (var t : io.ltm.core.loop.TraceReader.read(out.resolve(SeedModel.TRACES)).records()) {
      sb.append(t.variant()).append(' ').append(t.probeId()).append(": ").append(t.reasoning().replace('\n', ' '))
          .append(" | ").append(t.answer().replace('\n', ' ')).append('\n');
    }
    return sb.toString();
  }

  @Test
  void thePlantedMarkerIsFoundVsBaseAndVsControlAndItsAbsenceIsNot() throws Exception {
    ExperimentResult marked = run(scenes(tmp.resolve("marked"), "Wait wait wait wait wait wait wait wait."), tmp.resolve("run-marked"));
    String why = marked.verdict() + "\n" + traces(tmp.resolve("run-marked"));
    MetricResult wait = marked.metrics().get(0);
    assertThat(wait.metric()).isEqualTo(Metric.WAIT_PER_1K);
    assertThat(marked.probes()).as(why).hasSizeGreaterThanOrEqualTo(5);
    assertThat(wait.vsBase().significant()).as(why).isTrue();
    assertThat(wait.vsControl().significant()).as(why).isTrue();
    assertThat(wait.vsBase().interval().lower()).isPositive();
    assertThat(marked.verdict().kind()).as(why).isEqualTo(Verdict.Kind.SPECIFIC_EFFECT);
    assertThat(marked.verdict().headline()).contains("an effect of the thinking in the scenes");

    ExperimentResult neutral = run(scenes(tmp.resolve("neutral"), "I look at the plan and the notes again today."),
        tmp.resolve("run-neutral"));
    assertThat(neutral.verdict().kind()).as(neutral.verdict() + "\n" + traces(tmp.resolve("run-neutral")))
        .isNotEqualTo(Verdict.Kind.SPECIFIC_EFFECT);
    assertThat(neutral.metrics().get(0).vsControl().significant()).isFalse();
  }
}
