package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.core.loop.TraceReader;
import io.ltm.core.loop.TraceRecord;
import io.ltm.lora.io.PeftAdapterIo;
import io.ltm.lora.io.SafetensorsFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Qwen3-MoE base through the CLI with the same flags as a dense one: {@code random-model --preset
 * tiny-qwen3-moe} (bf16), {@code score}, {@code generate}, {@code train --targets all-linear} (the
 * router and every expert adapted, PEFT keys), {@code score --adapter}, {@code loop} with the adapter,
 * and {@code seed --base}.
 */
class MoeCommandsTest {
  @TempDir static Path tmp;
  static Path model;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void writeModel() {
    model = tmp.resolve("tiny-moe");
    CliRun r = CliRun.of("random-model", "--preset", "tiny-qwen3-moe", "--dtype", "bf16", "--seed", "4",
        "--out", model.toString(), "--tokenizer", Path.of("..", "examples", "tokenizer", "qwen3").toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(model.resolve("model.safetensors")).exists();
  }

  @Test
  void randomModelListsEveryPresetAndTakesALayerCount() throws Exception {
    CliRun help = CliRun.of("random-model", "--help");
    assertThat(help.out()).contains("tiny-qwen3-moe", "qwen3-30b-a3b-2l", "qwen3-0.6b");

    Path three = tmp.resolve("moe-5-layers");
    CliRun r = CliRun.of("random-model", "--preset", "tiny-qwen3-moe", "--layers", "5", "--seed", "1",
        "--out", three.toString(), "--tokenizer", Path.of("..", "examples", "tokenizer", "qwen3").toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("5 layers");
    JsonNode cfg = JSON.readTree(three.resolve("config.json").toFile());
    assertThat(cfg.get("num_hidden_layers").asInt()).isEqualTo(5);
    assertThat(SafetensorsFile.open(three.resolve("model.safetensors")).tensors().keySet())
        .contains("model.layers.4.mlp.experts.7.down_proj.weight").doesNotContain("model.layers.5.input_layernorm.weight");

    CliRun bad = CliRun.of("random-model", "--preset", "tiny-qwen3", "--layers", "0", "--out", tmp.resolve("x").toString());
    assertThat(bad.code()).isNotZero();
    assertThat(bad.err()).contains("--layers must be >= 1");
  }

  @Test
  void scoreGenerateTrainAndLoopRunOnAMoeBase() throws Exception {
    String ids = "151644,872,198,3838,374,264";
    CliRun score = CliRun.of("score", "--base", model.toString(), "--ids", ids, "--json");
    assertThat(score.code()).as(score.err()).isZero();
    JsonNode base = JSON.readTree(score.out());
    assertThat(base.get("logprobs")).hasSize(5);

    CliRun gen = CliRun.of("generate", "--base", model.toString(), "--prompt", "Why?", "--max-new-tokens", "5",
        "--no-think", "--json");
    assertThat(gen.code()).as(gen.err()).isZero();
    JsonNode g = JSON.readTree(gen.out());
    assertThat(g.get("ids")).hasSize(5);
    assertThat(g.get("entropies").get(0).asDouble()).isGreaterThan(0);

    Path run = tmp.resolve("run");
    CliRun train = CliRun.of("train", "--base", model.toString(), "--scenes", "../examples/scenes", "--out",
        run.toString(), "--steps", "2", "--max-len", "96", "--truncate", "--r", "2", "--alpha", "4",
        "--targets", "all-linear", "--lr", "1e-2", "--seed", "5");
    assertThat(train.code()).as(train.err()).isZero();
    JsonNode cfg = JSON.readTree(run.resolve("adapter/adapter_config.json").toFile());
    assertThat(cfg.get("target_modules").toString()).contains("\"gate\"", "\"gate_proj\"", "\"down_proj\"", "\"q_proj\"");
    SafetensorsFile adapter = SafetensorsFile.open(run.resolve("adapter").resolve(PeftAdapterIo.WEIGHTS_FILE));
    assertThat(adapter.tensors()).containsKeys(
        "base_model.model.model.layers.0.mlp.experts.7.down_proj.lora_A.weight",
        "base_model.model.model.layers.2.mlp.gate.lora_B.weight",
        "base_model.model.model.layers.1.mlp.up_proj.lora_A.weight");
    List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
    assertThat(lines.stream().filter(l -> l.contains("\"loss\"")).count()).isEqualTo(2);

    CliRun tuned = CliRun.of("score", "--base", model.toString(), "--ids", ids, "--json", "--adapter",
        run.resolve("adapter").toString());
    assertThat(tuned.code()).as(tuned.err()).isZero();
    assertThat(JSON.readTree(tuned.out()).get("logprobs").toString()).isNotEqualTo(base.get("logprobs").toString());

    Path probes = tmp.resolve("probes.yaml");
    Files.writeString(probes, "- id: en\n  prompt: What does LoRA train?\n", StandardCharsets.UTF_8);
    Path traces = tmp.resolve("loop/traces.jsonl");
    CliRun loop = CliRun.of("loop", "--base", model.toString(), "--adapter", run.resolve("adapter").toString(),
        "--probes", probes.toString(), "--out", traces.toString(), "--iterations", "1", "--max-new-tokens", "3");
    assertThat(loop.code()).as(loop.err()).isZero();
    List<TraceRecord> t = TraceReader.read(traces).records();
    assertThat(t).hasSize(2); // base and adapter
    assertThat(t).allSatisfy(x -> assertThat(x.tokens()).hasSizeBetween(1, 3));
  }

  @Test
  void seedRunsOnAMoeBase() throws Exception {
    Path scenes = Files.createDirectories(tmp.resolve("scenes"));
    SeedCommandTest.scene(scenes, "first-run", "en", "Why does the first LoRA run keep being postponed?", "Run it small.");
    SeedCommandTest.scene(scenes, "rag-or-lora", "en", "RAG or LoRA first?", "RAG first, then LoRA.");
    SeedCommandTest.scene(scenes, "notes-as-memory", "en", "Are notes memory?", "Only when read again.");
    SeedCommandTest.scene(scenes, "plan-steps", "en", "What is the plan?", "Dataset, adapter, loop, metrics.");
    Path runDir = tmp.resolve("seed-run");
    CliRun r = CliRun.of("seed", "--base", model.toString(), "--scenes", scenes.toString(), "--out", runDir.toString(),
        "--steps", "2", "--max-len", "128", "--validation", "0.5", "--iterations", "1", "--max-new-tokens", "3",
        "--probes", "1", "--r", "2", "--alpha", "4");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(runDir.resolve("adapter/adapter_model.safetensors")).isRegularFile();
    assertThat(runDir.resolve("report.html")).isRegularFile();
    assertThat(TraceReader.read(runDir.resolve("traces/loop.jsonl")).records()).isNotEmpty();
  }
}
