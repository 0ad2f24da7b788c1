package io.ltm.lora.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.TensorDType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model whose tokenizer does not know Qwen's chat tokens opens with a warning that says what to expect. */
class ForeignTokenizerTest {
  @TempDir Path tmp;

  /** A word-level tokenizer.json without any special tokens (as a non-Qwen model might ship). */
  private static final String WORD_LEVEL = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],"
      + "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"post_processor\":null,\"decoder\":null,"
      + "\"model\":{\"type\":\"WordLevel\",\"vocab\":{\"[UNK]\":0,\"hello\":1,\"world\":2},\"unk_token\":\"[UNK]\"}}";

  @Test
  void aTokenizerWithoutImStartIsReported() throws IOException {
    Path qwen = TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.F32, 5, 1);
    Path foreign = tmp.resolve("foreign");
    Files.createDirectories(foreign);
    try (var files = Files.list(qwen)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, foreign.resolve(f.getFileName().toString()));
      }
    }
    Files.writeString(foreign.resolve("tokenizer.json"), WORD_LEVEL);
    assertThat(openCapturingStderr(qwen)).doesNotContain("<|im_start|>");
    assertThat(openCapturingStderr(foreign)).contains("foreign: the tokenizer has no <|im_start|> token");
  }

  private static String openCapturingStderr(Path dir) {
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try (LocalModel m = LocalModel.open(dir, LoadOptions.cpu())) {
      assertThat(m.decoder()).isNotNull();
    } finally {
      System.setErr(old);
    }
    return err.toString(StandardCharsets.UTF_8);
  }
}
