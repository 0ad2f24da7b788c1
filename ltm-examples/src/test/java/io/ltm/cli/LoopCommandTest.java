package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import io.ltm.core.loop.TraceReader;
import io.ltm.core.loop.TraceRecord;
import io.ltm.examples.VaultContext;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.PeftAdapterIo;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.model.Decoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ltm loop} on a tiny random model with an adapter checkpoint, retrieval, and bad input. */
class LoopCommandTest {
  @TempDir static Path tmp;
  static Path model;
  static Path checkpoint;
  static Path probes;

  @BeforeAll
  static void prepare() throws Exception {
    model = tmp.resolve("tiny");
    CliRun r = CliRun.of("random-model", "--preset", "tiny-qwen3", "--seed", "3", "--out", model.toString(),
        "--tokenizer", Path.of("..", "examples", "tokenizer", "qwen3").toString());
    assertThat(r.code()).as(r.err()).isZero();
    // An adapter with nonzero B, saved where a training run keeps its step-3 checkpoint.
    checkpoint = tmp.resolve("my-run/checkpoint-3");
    try (Decoder d = DecoderLoader.load(model, LoadOptions.cpu()); LoraModel lora = new LoraModel(d)) {
      LoraAdapter a = lora.create("a", LoraConfig.builder().optR(4).optLoraAlpha(8)
          .optTargetModules(TargetModules.parseCommaSeparated("q_proj,v_proj")).build(), 1);
      SplittableRandom rnd = new SplittableRandom(9);
      for (Map.Entry<String, NDArray> e : a.parameters().entrySet()) {
        if (e.getKey().endsWith(LoraAdapter.B_SUFFIX)) {
          float[] v = new float[(int) e.getValue().size()];
          for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextDouble() - 0.5);
          }
          e.getValue().set(v);
        }
      }
      PeftAdapterIo.save(a, checkpoint.resolve("adapter"), TensorDType.F32);
    }
    probes = tmp.resolve("probes.yaml");
    Files.writeString(probes, "- id: en\n  prompt: What does LoRA train?\n- id: ru\n  lang: ru\n  prompt: Что тренирует LoRA?\n");
  }

  @Test
  void baseAndAdapterCheckpointRunTheSameProbesIntoOneTraceFileAndResume() throws Exception {
    Path out = tmp.resolve("t1/traces.jsonl");
    String[] args = {"loop", "--base", model.toString(), "--adapter", checkpoint.toString(), "--probes", probes.toString(),
        "--out", out.toString(), "--iterations", "2", "--max-new-tokens", "4", "--all-iterations"};
    CliRun r = CliRun.of(args);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("[tiny] probe 1/2 en", "[tiny+my-run@3] probe 2/2 ru", "iteration 1: 4 tokens");
    assertThat(r.out()).contains("wrote 8 trace records to " + out);
    List<TraceRecord> t = TraceReader.read(out).records();
    assertThat(t).extracting(x -> x.variant() + " " + x.probeId() + "#" + x.iteration()).containsExactly(
        "tiny en#0", "tiny en#1", "tiny ru#0", "tiny ru#1",
        "tiny+my-run@3 en#0", "tiny+my-run@3 en#1", "tiny+my-run@3 ru#0", "tiny+my-run@3 ru#1");
    assertThat(t).allSatisfy(x -> assertThat(x.runId()).isEqualTo("traces"));
    // The adapter changes the model: its first token's distribution differs from the base's.
    assertThat(Math.abs(t.get(0).tokens().get(0).entropy() - t.get(4).tokens().get(0).entropy())).isGreaterThan(1e-4);

    CliRun again = CliRun.of(args);
    assertThat(again.code()).as(again.err()).isZero();
    assertThat(again.out()).contains("wrote 0 trace records", "(8 already there)");
    assertThat(TraceReader.read(out).records()).hasSize(8);
  }

  @Test
  void anIndexGroundsEachProbeWithCitedNotes() throws Exception {
    Path vault = tmp.resolve("vault");
    Files.createDirectories(vault);
    Files.writeString(vault.resolve("LoRA.md"), "# LoRA\nLoRA trains two small matrices per projection; the base stays frozen.\n");
    Files.writeString(vault.resolve("Bread.md"), "# Bread\nSourdough needs flour, water and salt.\n");
    Path index = tmp.resolve("index");
    VaultContext.index(vault, index);
    Path out = tmp.resolve("t2/traces.jsonl");
    CliRun r = CliRun.of("loop", "--base", model.toString(), "--probes", probes.toString(),
        "--out", out.toString(), "--iterations", "1", "--max-new-tokens", "2", "--index", index.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("context: ", "[1] LoRA.md > LoRA, lines 1-2");
    assertThat(TraceReader.read(out).records()).hasSize(2);
  }

  @Test
  void badProbeFilesAndOptionsAreClearErrors() throws Exception {
    Path bad = tmp.resolve("bad.yaml");
    Files.writeString(bad, "- prompt: ok\n- id: x\n  promt: typo\n");
    CliRun r = CliRun.of("loop", "--base", model.toString(), "--probes", bad.toString(),
        "--out", tmp.resolve("t3.jsonl").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(bad + ":3:3: unknown key 'promt'");
    assertThat(tmp.resolve("t3.jsonl")).doesNotExist();

    CliRun none = CliRun.of("loop", "--base", model.toString(), "--out", tmp.resolve("t4.jsonl").toString());
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("--probes", "--scenes");

    CliRun noAdapter = CliRun.of("loop", "--base", model.toString(), "--adapter", tmp.toString(),
        "--probes", probes.toString(), "--out", tmp.resolve("t5.jsonl").toString());
    assertThat(noAdapter.code()).isEqualTo(1);
    assertThat(noAdapter.err()).contains("no adapter_config.json");
  }
}
