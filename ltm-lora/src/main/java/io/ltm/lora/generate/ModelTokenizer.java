package io.ltm.lora.generate;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.ltm.lora.io.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model directory's {@code tokenizer.json}, loaded with DJL's Hugging Face tokenizer (offline):
 * text to ids without adding special tokens (special tokens written in the text, such as
 * {@code <|im_start|>}, become their ids), ids to text with special tokens kept. A thin loader: the
 * dataset module has the full chat-aware tokenizer. Thread-safe; close it to free the native tokenizer.
 */
public final class ModelTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;

  private ModelTokenizer(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /**
   * Loads {@code modelDir/tokenizer.json}.
   *
   * @throws CheckpointException when the file is missing or not a tokenizer
   */
  public static ModelTokenizer load(Path modelDir) {
    Path file = modelDir.resolve("tokenizer.json");
    if (!Files.isRegularFile(file)) {
      throw new CheckpointException(file, "file not found: the model directory needs its tokenizer.json");
    }
    try {
      return new ModelTokenizer(HuggingFaceTokenizer.newInstance(file, Map.of(
          "addSpecialTokens", "false", "truncation", "false", "padding", "false", "modelMaxLength", "10000000")));
    } catch (IOException | RuntimeException e) {
      throw new CheckpointException(file, "not a valid Hugging Face tokenizer: " + e.getMessage(), e);
    }
  }

  /** Token ids of {@code text}; no special tokens are added. */
  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i];
    }
    return out;
  }

  /** The text of {@code ids}, special tokens included. */
  public String decode(int[] ids) {
    return decode(ids, 0, ids.length);
  }

  /** The text of {@code ids[from, to)}, special tokens included. */
  public String decode(int[] ids, int from, int to) {
    long[] l = new long[to - from];
    for (int i = from; i < to; i++) {
      l[i - from] = ids[i];
    }
    return tokenizer.decode(l, false);
  }

  /** The id of a token that encodes to exactly one id (e.g. {@code <|im_end|>}), or -1. */
  public int tokenId(String token) {
    int[] ids = encode(token);
    return ids.length == 1 ? ids[0] : -1;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
