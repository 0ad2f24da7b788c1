package io.ltm.lora.train;

import io.ltm.core.scene.Scene;
import io.ltm.core.scene.SceneReader;
import io.ltm.dataset.Dataset;
import io.ltm.dataset.DatasetBuilder;
import io.ltm.dataset.token.HfTokenizer;
import io.ltm.dataset.token.TruncationPolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** The example scenes as a packed dataset, built once per max length. */
public final class TrainingFixtures {
  private static final ConcurrentHashMap<Integer, Dataset> CACHE = new ConcurrentHashMap<>();

  private TrainingFixtures() {}

  private static Path scaledBase;

  /**
   * The tiny random Qwen3 (seed 5) with its final RMSNorm weight set to 8 instead of 1: the tied random
   * embedding (std 0.02) then gives logits large enough for confident predictions, so a short LoRA run
   * can show the loss falling far, not only from 13 to 11. Same HF layout; written once under target/.
   *
   * @return the model folder
   */
  public static synchronized Path base() {
    if (scaledBase == null) {
      try {
        Path src = io.ltm.lora.TestCheckpoints.get(io.ltm.lora.io.CheckpointPreset.TINY_QWEN3,
            io.ltm.lora.io.TensorDType.F32, 5);
        Path dst = Path.of("target", "test-checkpoints", "tiny-qwen3-norm8");
        if (!java.nio.file.Files.exists(dst.resolve("model.safetensors"))) {
          java.nio.file.Files.createDirectories(dst);
          try (var files = java.nio.file.Files.list(src)) {
            for (Path f : files.toList()) {
              if (!f.getFileName().toString().equals("model.safetensors")) {
                java.nio.file.Files.copy(f, dst.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
              }
            }
          }
          var st = io.ltm.lora.io.SafetensorsFile.open(src.resolve("model.safetensors"));
          var w = new io.ltm.lora.io.SafetensorsWriter(io.ltm.lora.io.TensorDType.F32);
          for (var e : st.tensors().entrySet()) {
            float[] v = io.ltm.lora.io.SafetensorsWriter.readFloats(e.getValue());
            if (e.getKey().equals("model.norm.weight")) {
              java.util.Arrays.fill(v, 8f);
            }
            w.add(e.getKey(), e.getValue().shape(), v);
          }
          w.write(dst.resolve("model.safetensors"));
        }
        scaledBase = dst;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return scaledBase;
  }

  /** @param maxLength sequence length @return the example scenes, tokenized with the real Qwen3 tokenizer and packed */
  public static Dataset exampleScenes(int maxLength) {
    return CACHE.computeIfAbsent(maxLength, n -> {
      try {
        List<Scene> scenes = SceneReader.readStrict(List.of(Path.of("../examples/scenes")));
        try (HfTokenizer tok = HfTokenizer.load(Path.of("../examples/tokenizer/qwen3"))) {
          return DatasetBuilder.builder().setTokenizer(tok).optMaxLength(n).optPack(true)
              .optTruncation(TruncationPolicy.TRUNCATE).optValidationFraction(0.2).build().build(scenes);
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }
}
