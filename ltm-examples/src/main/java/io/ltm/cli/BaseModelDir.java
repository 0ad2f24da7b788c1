package io.ltm.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The first check on a {@code --base} folder, before anything slow runs: it exists and holds
 * {@code config.json}. The loader checks the rest (tensors, shapes, tokenizer) and names what is wrong.
 */
final class BaseModelDir {
  private BaseModelDir() {}

  /**
   * @throws IllegalArgumentException (an input error, exit 1) naming the folder and what a model folder holds
   */
  static void require(Path dir) {
    if (!Files.exists(dir)) {
      throw new IllegalArgumentException(dir + ": no such model folder; --base takes a folder in the Hugging Face layout"
          + " (config.json, model.safetensors, tokenizer.json), e.g. one written by `ltm random-model`");
    }
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + ": not a folder; --base takes a model folder in the Hugging Face layout"
          + " (config.json, model.safetensors, tokenizer.json), not a file in it");
    }
    if (!Files.isRegularFile(dir.resolve("config.json"))) {
      throw new IllegalArgumentException(dir.resolve("config.json") + ": file not found: a model directory needs config.json");
    }
  }
}
