package io.ltm.studio;

import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.TraceRecord;
import io.ltm.core.loop.TraceWriter;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.PeftAdapterIo;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.LoraModule;
import io.ltm.lora.model.Decoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Folders for studio tests: a scene folder with two scenes, a run folder with a training log and a
 * trace (including text that would be markup if it were not escaped), and a LoRA adapter for the
 * built-in random model whose B matrices are random (so it answers differently from the base).
 */
final class StudioFixture {
  static final String HOSTILE = "<img src=x onerror=\"document.body.dataset.pwned=1\"><script>document.body.dataset.pwned=2</script>";

  final Path root;
  final Path scenes;
  final Path runs;
  final Path adapter;

  StudioFixture(Path root) throws IOException {
    this.root = root;
    this.scenes = Files.createDirectories(root.resolve("scenes"));
    this.runs = Files.createDirectories(root.resolve("runs"));
    Files.writeString(scenes.resolve("first.yaml"), SceneFiles.template("first"), StandardCharsets.UTF_8);
    Files.writeString(scenes.resolve("second.yaml"), SceneFiles.template("second").replace("A short title", "The second scene"),
        StandardCharsets.UTF_8);
    writeRun(runs.resolve("demo-run"));
    this.adapter = writeAdapter(root.resolve("demo-run-adapter/adapter"));
  }

  /** A training log of 20 steps with evals, and traces of the base and an adapter at two checkpoints. */
  static void writeRun(Path run) throws IOException {
    Files.createDirectories(run.resolve("traces"));
    StringBuilder log = new StringBuilder();
    for (int s = 1; s <= 20; s++) {
      log.append(String.format(java.util.Locale.ROOT,
          "{\"step\":%d,\"loss\":%.4f,\"lr\":0.001,\"grad_norm\":%.3f,\"tokens_per_s\":900.0,\"elapsed_s\":%.1f}%n",
          s, 3.0 / Math.sqrt(s), 1.0 + 0.1 * s, 0.5 * s));
      if (s % 5 == 0) {
        log.append(String.format(java.util.Locale.ROOT, "{\"step\":%d,\"eval_loss\":%.4f,\"eval_ppl\":%.3f}%n", s,
            3.2 / Math.sqrt(s), Math.exp(3.2 / Math.sqrt(s))));
      }
    }
    Files.writeString(run.resolve("metrics.jsonl"), log.toString(), StandardCharsets.UTF_8);
    GenerationSettings gs = new GenerationSettings(64, 0.0, 1.0, 0, 1.0, 0, true);
    Random rnd = new Random(7);
    try (TraceWriter w = TraceWriter.open(run.resolve("traces/loop.jsonl"))) {
      for (String probe : List.of("p1", "p2", "p3")) {
        for (Integer ckpt : new Integer[] {null, 10, 20}) {
          String adapter = ckpt == null ? null : "demo-run";
          // a check and (adapter only) a reflection that the default (learned) detector marks, whole sentences
          String reasoning = "The total should be 42. Let me check the numbers again: 6 times 7 is 42, which matches. "
              + (ckpt == null ? "" : "I notice I trusted the first number because I wrote it myself. ")
              + (probe.equals("p1") ? HOSTILE : "");
          String answer = "Answer for " + probe + (ckpt == null ? "." : " after step " + ckpt + ".");
          List<GeneratedToken> tokens = new ArrayList<>();
          for (int i = 0; i < 30; i++) {
            tokens.add(new GeneratedToken(i, "x", -rnd.nextDouble(), rnd.nextDouble() * (ckpt == null ? 3 : 2), i < 20));
          }
          w.append(new TraceRecord("demo-run", probe, "Question " + probe + "?", 0, "random-qwen3", adapter, ckpt, reasoning,
              answer, tokens, Instant.parse("2026-01-01T00:00:00Z"), gs));
        }
      }
    }
  }

  /** A rank-4 adapter on q_proj and v_proj of the random model with random A and B. */
  static Path writeAdapter(Path dir) throws IOException {
    Path base = randomBase(dir.getParent().resolve("base"));
    try (Decoder decoder = DecoderLoader.load(base); LoraModel model = new LoraModel(decoder)) {
      LoraAdapter a = model.create("a", LoraConfig.builder().optR(4).optLoraAlpha(8).optTargetModules("q_proj", "v_proj")
          .build(), 3);
      Random rnd = new Random(11);
      for (LoraModule m : a.modules().values()) {
        float[] b = new float[(int) m.loraB().size()];
        for (int i = 0; i < b.length; i++) {
          b[i] = (float) (rnd.nextGaussian() * 0.5);
        }
        m.loraB().set(b);
      }
      PeftAdapterIo.save(a, dir, TensorDType.F32);
    }
    return dir;
  }

  static Path randomBase(Path dir) throws IOException {
    return RandomCheckpointWriter.builder(CheckpointPreset.TINY_QWEN3).seed(42).build().write(dir);
  }

  /** A studio on the built-in random model over these folders, on a free port. */
  Studio.Builder studio() {
    return Studio.builder().port(0).runs(runs).scenes(scenes).adapter(new StudioAdapter(adapter, "demo-run", null));
  }
}
