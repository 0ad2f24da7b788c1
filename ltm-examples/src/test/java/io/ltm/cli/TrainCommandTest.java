package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ltm train}, then {@code score}/{@code generate} with {@code --adapter}, on a tiny random model. */
class TrainCommandTest {
  @TempDir static Path tmp;
  static Path model;

  @BeforeAll
  static void writeModel() {
    model = tmp.resolve("tiny");
    EngineCommandsTest.Run r = EngineCommandsTest.run("random-model", "--preset", "tiny-qwen3", "--seed", "4", "--out",
        model.toString(), "--tokenizer", Path.of("..", "examples", "tokenizer", "qwen3").toString());
    assertThat(r.code()).as(r.err()).isZero();
  }

  @Test
  void trainsResumesAndTheAdapterChangesScores() throws Exception {
    Path run = tmp.resolve("run");
    String[] args = {"train", "--base", model.toString(), "--scenes", "../examples/scenes", "--out", run.toString(),
        "--steps", "4", "--max-len", "128", "--r", "4", "--alpha", "8", "--targets", "q_proj,v_proj", "--lr", "1e-2",
        "--save-every", "2", "--eval-every", "2", "--seed", "5"};
    EngineCommandsTest.Run r = EngineCommandsTest.run(args);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("adapter: " + run.resolve("adapter"));
    assertThat(r.err()).contains("trainable params:");
    assertThat(run.resolve("adapter/adapter_config.json")).exists();
    assertThat(run.resolve("adapter/adapter_model.safetensors")).exists();
    assertThat(run.resolve("checkpoint-4/optimizer.safetensors")).exists();
    List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
    assertThat(lines.stream().filter(l -> l.contains("\"loss\"")).count()).isEqualTo(4);
    JsonNode cfg = new ObjectMapper().readTree(run.resolve("config.json").toFile());
    assertThat(cfg.get("training").get("maxSteps").asInt()).isEqualTo(4);
    assertThat(cfg.get("lora").get("target_modules").toString()).isEqualTo("[\"q_proj\",\"v_proj\"]");

    // A second run into the same folder without --resume is refused; with --resume it has nothing left to do.
    EngineCommandsTest.Run again = EngineCommandsTest.run(args);
    assertThat(again.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(again.err()).contains("--resume");
    String[] resume = java.util.Arrays.copyOf(args, args.length + 1);
    resume[args.length] = "--resume";
    EngineCommandsTest.Run resumed = EngineCommandsTest.run(resume);
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(Files.readAllLines(run.resolve("metrics.jsonl"))).isEqualTo(lines);

    // The adapter changes the scores; the base stays the base.
    String ids = "151644,872,198,3838,374,264";
    JsonNode base = new ObjectMapper().readTree(EngineCommandsTest.run("score", "--base", model.toString(), "--ids", ids, "--json").out());
    EngineCommandsTest.Run withAdapter = EngineCommandsTest.run("score", "--base", model.toString(), "--ids", ids, "--json",
        "--adapter", run.resolve("adapter").toString());
    assertThat(withAdapter.code()).as(withAdapter.err()).isZero();
    JsonNode tuned = new ObjectMapper().readTree(withAdapter.out());
    assertThat(tuned.get("logprobs").toString()).isNotEqualTo(base.get("logprobs").toString());

    EngineCommandsTest.Run gen = EngineCommandsTest.run("generate", "--base", model.toString(), "--prompt", "Why?",
        "--max-new-tokens", "3", "--no-think", "--json", "--with-base", "--adapter", run.resolve("adapter").toString(),
        "--adapter", run.resolve("checkpoint-2/adapter").toString());
    assertThat(gen.code()).as(gen.err()).isZero();
    List<String> objects = gen.out().lines().filter(l -> l.startsWith("{")).toList();
    assertThat(objects).hasSize(3);
    assertThat(new ObjectMapper().readTree(objects.get(1)).get("adapter").asText()).isEqualTo(run.resolve("adapter").toString());
  }

  @Test
  void badInputIsAClearError() {
    EngineCommandsTest.Run r = EngineCommandsTest.run("train", "--base", model.toString(), "--scenes", "../examples/scenes",
        "--out", tmp.resolve("bad").toString(), "--steps", "2", "--targets", "nope_proj", "--max-len", "128");
    assertThat(r.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(r.err()).contains("nope_proj").contains("q_proj");
    EngineCommandsTest.Run r2 = EngineCommandsTest.run("score", "--base", model.toString(), "--ids", "1,2",
        "--adapter", tmp.resolve("missing").toString());
    assertThat(r2.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(r2.err()).contains("adapter_config.json");
  }
}
