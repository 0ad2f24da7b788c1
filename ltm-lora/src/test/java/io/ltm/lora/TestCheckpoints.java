package io.ltm.lora;

import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Random checkpoints shared by the tests of one run, written once under target/test-checkpoints
 * (deterministic from preset, dtype, seed and sharding, so reuse is safe).
 */
public final class TestCheckpoints {
  private static final Path ROOT = Path.of("target", "test-checkpoints");
  private static final ConcurrentHashMap<String, Path> WRITTEN = new ConcurrentHashMap<>();

  private TestCheckpoints() {}

  /** The real Qwen3 tokenizer directory, seen from the module folder. */
  public static Path tokenizerDir() {
    return Path.of("..", "examples", "tokenizer", "qwen3");
  }

  /** A checkpoint of {@code preset} in {@code dtype} with {@code seed}, in {@code shards} files. */
  public static synchronized Path get(CheckpointPreset preset, TensorDType dtype, long seed, int shards) {
    String name = preset.cliName() + "-" + dtype + "-" + seed + "-" + shards;
    return WRITTEN.computeIfAbsent(name, n -> {
      Path dir = ROOT.resolve(n);
      try {
        if (Files.exists(dir)) {
          deleteTree(dir);
        }
        return RandomCheckpointWriter.builder(preset).dtype(dtype).seed(seed).shards(shards)
            .tokenizerDir(tokenizerDir()).build().write(dir);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** Single-file checkpoint. */
  public static Path get(CheckpointPreset preset, TensorDType dtype, long seed) {
    return get(preset, dtype, seed, 1);
  }

  /** Deletes a directory tree. */
  public static void deleteTree(Path dir) throws IOException {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
