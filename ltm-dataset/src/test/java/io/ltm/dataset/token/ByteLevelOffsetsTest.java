package io.ltm.dataset.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ByteLevelOffsetsTest {
  @Test
  void qwen3IsByteLevelAndOffsetsComeFromIds() throws IOException {
    ByteLevelOffsets b = ByteLevelOffsets.read(HfTokenizerTest.QWEN3.resolve("tokenizer.json"));
    assertThat(b).isNotNull();
    try (HfTokenizer tok = HfTokenizer.load(HfTokenizerTest.QWEN3)) {
      String text = "<|im_start|>Привет 😀 мир<|im_end|>\n";
      Encoded e = tok.encode(text);
      int[][] off = b.offsets(text, e.ids());
      assertThat(off).isNotNull();
      for (int i = 0; i < e.length(); i++) {
        assertThat(off[0][i]).isEqualTo(e.start(i));
        assertThat(off[1][i]).isEqualTo(e.end(i));
      }
      // NFC changes "e" + combining acute into one character: the bytes differ, so no offsets from ids
      String nfd = "cafe\u0301";
      assertThat(b.offsets(nfd, tok.encode(nfd).ids())).isNull();
      // ids that do not spell the text are refused
      assertThat(b.offsets("abc", tok.encode("abcd").ids())).isNull();
    }
  }

  @Test
  void notByteLevelGivesNull(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("tokenizer.json");
    Files.writeString(f, "{\"added_tokens\":[],\"pre_tokenizer\":{\"type\":\"Whitespace\"},\"decoder\":null,"
        + "\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"a\":0}}}");
    assertThat(ByteLevelOffsets.read(f)).isNull();
  }
}
