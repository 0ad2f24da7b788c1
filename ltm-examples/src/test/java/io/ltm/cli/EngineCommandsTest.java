package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ltm random-model}, {@code ltm score} and {@code ltm generate} end to end on a tiny random model. */
class EngineCommandsTest {
  @TempDir static Path tmp;
  static Path model;

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @BeforeAll
  static void writeModel() {
    model = tmp.resolve("tiny");
    CliRun r = run("random-model", "--preset", "tiny-qwen3", "--dtype", "bf16", "--seed", "4", "--out", model.toString(),
        "--tokenizer", Path.of("..", "examples", "tokenizer", "qwen3").toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(model.resolve("model.safetensors")).exists();
    assertThat(model.resolve("tokenizer.json")).exists();
  }

  @Test
  void scoreJsonMatchesTheScorer() throws Exception {
    CliRun r = run("score", "--base", model.toString(), "--ids", "151644,872,198,3838,374", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("ids")).hasSize(5);
    assertThat(j.get("logprobs")).hasSize(4);
    try (LocalModel m = LocalModel.open(model)) {
      double[] lp = m.scorer().logprobs(List.of(151644, 872, 198, 3838, 374));
      for (int i = 0; i < lp.length; i++) {
        assertThat(j.get("logprobs").get(i).asDouble()).isCloseTo(lp[i], within(1e-9));
      }
    }
    CliRun text = run("score", "--base", model.toString(), "--text", "Hello world", "--json");
    assertThat(new ObjectMapper().readTree(text.out()).get("ids").get(0).asInt()).isEqualTo(9707); // "Hello"
  }

  @Test
  void generateJsonHasTheContractFields() throws Exception {
    CliRun r = run("generate", "--base", model.toString(), "--prompt", "Why?", "--max-new-tokens", "6", "--no-think", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    for (String f : List.of("reasoning", "answer", "ids", "logprobs", "entropies", "finish_reason")) {
      assertThat(j.has(f)).as(f).isTrue();
    }
    assertThat(j.get("ids")).hasSize(6);
    assertThat(j.get("entropies").get(0).asDouble()).isGreaterThan(0);
    CliRun stream = run("generate", "--base", model.toString(), "--prompt", "Why?", "--max-new-tokens", "6", "--no-think");
    assertThat(stream.code()).isZero();
    assertThat(stream.out().strip()).isEqualTo(j.get("answer").asText().strip());
    // an f16 KV cache: the same contract, logprobs within the stated tolerance of the f32 cache's
    CliRun half = run("generate", "--base", model.toString(), "--prompt", "Why?", "--max-new-tokens", "6", "--no-think", "--json",
        "--kv-cache", "f16");
    assertThat(half.code()).as(half.err()).isZero();
    JsonNode h = new ObjectMapper().readTree(half.out());
    assertThat(h.get("ids")).hasSize(6);
    for (int i = 0; i < 6 && h.get("ids").get(i).asInt() == j.get("ids").get(i).asInt(); i++) {
      assertThat(Math.abs(h.get("logprobs").get(i).asDouble() - j.get("logprobs").get(i).asDouble())).isLessThan(5e-3);
    }
  }

  @Test
  void bf16MatmulScoresWithinItsToleranceAndRefusesF32Weights() throws Exception {
    String ids = "151644,872,198,3838,374,264,11198,30,1207,42";
    JsonNode f32 = new ObjectMapper().readTree(run("score", "--base", model.toString(), "--ids", ids, "--json").out());
    CliRun r = run("score", "--base", model.toString(), "--ids", ids, "--json", "--bf16-matmul");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode bf16 = new ObjectMapper().readTree(r.out());
    assertThat(bf16.get("logprobs")).hasSize(f32.get("logprobs").size());
    double max = 0;
    for (int i = 0; i < f32.get("logprobs").size(); i++) {
      max = Math.max(max, Math.abs(bf16.get("logprobs").get(i).asDouble() - f32.get("logprobs").get(i).asDouble()));
    }
    // bf16 products move logprobs by about bf16's precision (docs/engine.md): different, within the bound
    assertThat(max).isGreaterThan(1e-6).isLessThan(0.15);
    CliRun both = run("generate", "--base", model.toString(), "--prompt", "x", "--bf16-matmul", "--f32-weights");
    assertThat(both.code()).isEqualTo(LtmCli.USAGE_ERROR);
    assertThat(both.err()).contains("--bf16-matmul").contains("--f32-weights");
  }

  @Test
  void malformedModelDirectoryIsExitOneWithAClearError() throws Exception {
    Path bad = tmp.resolve("bad");
    Files.createDirectories(bad);
    Files.copy(model.resolve("tokenizer.json"), bad.resolve("tokenizer.json"));
    Files.writeString(bad.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
    CliRun r = run("score", "--base", bad.toString(), "--ids", "1,2,3");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("config.json").contains("unsupported model_type \"gpt2\"; supported: qwen3, qwen3_moe, llama, qwen2")
        .doesNotContain("Exception");
    CliRun noDir = run("generate", "--base", tmp.resolve("nope").toString(), "--prompt", "x");
    assertThat(noDir.code()).isEqualTo(1);
    assertThat(noDir.err()).contains(tmp.resolve("nope") + ": no such model folder");
  }

  @Test
  void badFlagValuesAreUsageErrorsNamingTheFlag() {
    String[][] cases = {
        {"--max-new-tokens", "-1", "--max-new-tokens must be at least 1 but got -1"},
        {"--max-new-tokens", "0", "--max-new-tokens must be at least 1 but got 0"},
        {"--temperature", "-0.5", "--temperature must be 0 (greedy) or more but got -0.5"},
        {"--top-p", "2", "--top-p must be in (0, 1] but got 2.0"},
        {"--top-k", "-1", "--top-k must be 0 (off) or more but got -1"},
        {"--repetition-penalty", "0", "--repetition-penalty must be more than 0 (1 = off) but got 0.0"},
        {"--kv-cache", "bf16", "--kv-cache must be f32 or f16 but got bf16"}};
    for (String[] c : cases) {
      CliRun r = run("generate", "--base", model.toString(), "--prompt", "x", c[0], c[1]);
      assertThat(r.code()).as(c[0] + " " + c[1]).isEqualTo(LtmCli.USAGE_ERROR);
      assertThat(r.err().lines().findFirst()).as(r.err()).contains(c[2]);
    }
  }
}
