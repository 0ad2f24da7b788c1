package io.ltm.dataset.token;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.ltm.core.generate.ChatMessage;
import io.ltm.dataset.chat.Qwen3ChatTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
  static final Path QWEN3 = Paths.get("../examples/tokenizer/qwen3");
  static HfTokenizer tok;

  @BeforeAll
  static void load() throws IOException {
    tok = HfTokenizer.load(QWEN3);
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  @Test
  void knowsQwen3SpecialIds() {
    SpecialTokens s = tok.specialTokens();
    assertThat(s.imStart()).isEqualTo(151644);
    assertThat(s.imEnd()).isEqualTo(151645);
    assertThat(s.think()).isEqualTo(151667);
    assertThat(s.thinkEnd()).isEqualTo(151668);
    assertThat(s.eos()).isEqualTo(151645);
    assertThat(s.pad()).isEqualTo(151643);
    assertThat(s.endOfText()).isEqualTo(151643);
    assertThat(s.bos()).isEmpty();
  }

  @Test
  void matchesTransformersIdsForAMultiTurnChat() {
    // input_ids that transformers' apply_chat_template(tokenize=True) gives for this conversation with
    // the Qwen3 template and tokenizer (published in HarryMayne/qwen_3_chat_templates, README).
    List<ChatMessage> ms = List.of(
        ChatMessage.user("Hello assistant"), ChatMessage.assistant("Hello user", ""),
        ChatMessage.user("How are you?"), ChatMessage.assistant("I'm good", ""));
    String text = Qwen3ChatTemplate.get().renderForTraining(ms).text();
    assertThat(tok.encode(text).ids()).containsExactly(
        151644, 872, 198, 9707, 17847, 151645, 198, 151644, 77091, 198, 9707, 1196, 151645, 198, 151644, 872,
        198, 4340, 525, 498, 30, 151645, 198, 151644, 77091, 198, 151667, 271, 151668, 271, 40, 2776, 1661,
        151645, 198);
  }

  @Test
  void specialTokensInTextAreSingleIdsAndNoBosIsAdded() throws IOException {
    String text = "<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n<think>\nt\n</think>\n\na<|im_end|>\n";
    int[] ids = tok.encode(text).ids();
    assertThat(ids[0]).isEqualTo(151644);
    assertThat(ids).containsSubsequence(151667, 198, 83, 198, 151668, 271, 64, 151645, 198);
    // The raw DJL tokenizer with add_special_tokens=true adds nothing for Qwen3 (no BOS, no EOS).
    try (HuggingFaceTokenizer raw = HuggingFaceTokenizer.builder().optTokenizerPath(QWEN3.resolve("tokenizer.json"))
        .optAddSpecialTokens(true).optTruncation(false).optPadding(false).build()) {
      long[] withSpecial = raw.encode(text, true, false).getIds();
      assertThat(withSpecial).hasSize(ids.length);
      for (int i = 0; i < ids.length; i++) {
        assertThat(withSpecial[i]).isEqualTo(ids[i]);
      }
    }
  }

  @Test
  void noTruncationOfLongTexts() {
    String longText = "word ".repeat(5000);
    assertThat(tok.encode(longText).length()).isGreaterThan(4000);
    assertThat(tok.encodeBatch(List.of(longText, "a")).get(0).length()).isGreaterThan(4000);
  }

  @Test
  void offsetsAreUtf16EvenWithEmojiAndCyrillic() {
    String text = "Привет 😀 мир<|im_end|>🚀x";
    Encoded e = tok.encode(text);
    boolean sawImEnd = false;
    for (int i = 0; i < e.length(); i++) {
      assertThat(e.start(i)).isBetween(0, text.length());
      assertThat(e.end(i)).isBetween(e.start(i), text.length());
      if (e.id(i) == 151645) {
        assertThat(text.substring(e.start(i), e.end(i))).isEqualTo("<|im_end|>");
        sawImEnd = true;
      }
    }
    assertThat(sawImEnd).isTrue();
    assertThat(text.substring(e.start(e.length() - 1), e.end(e.length() - 1))).isEqualTo("x");
    // the batch path gives the same as the single path
    Encoded b = tok.encodeBatch(List.of("a", text)).get(1);
    assertThat(b.ids()).containsExactly(e.ids());
    for (int i = 0; i < e.length(); i++) {
      assertThat(b.start(i)).isEqualTo(e.start(i));
      assertThat(b.end(i)).isEqualTo(e.end(i));
    }
    assertThat(tok.encodeIdsBatch(List.of("a", text)).get(1)).containsExactly(e.ids());
  }

  @Test
  void batchOffsetsFromByteLengthsEqualTheNativeOffsets() {
    java.util.Random r = new java.util.Random(3);
    String[] pieces = {"the", " run", "Привет", " мир", "😀", "🫠🪿", "中文", "𝔘𝔫𝔦", "é", "e\u0301", "\n", "\n\n", "  ",
        "<|im_start|>", "<|im_end|>", "<think>", "</think>", "ǅ", "\t", "ﬁ", "ÿ", "\u00a0", "٣", "x"};
    List<String> texts = new java.util.ArrayList<>();
    for (int k = 0; k < 300; k++) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0, n = r.nextInt(40); i < n; i++) {
        sb.append(pieces[r.nextInt(pieces.length)]);
      }
      texts.add(sb.toString());
    }
    texts.add("");
    List<Encoded> batch = tok.encodeBatch(texts);
    for (int k = 0; k < texts.size(); k++) {
      Encoded a = batch.get(k);
      Encoded b = tok.encode(texts.get(k));
      assertThat(a.ids()).as(texts.get(k)).containsExactly(b.ids());
      for (int i = 0; i < a.length(); i++) {
        assertThat(a.start(i)).as("start of token %d in %s", i, texts.get(k)).isEqualTo(b.start(i));
        assertThat(a.end(i)).as("end of token %d in %s", i, texts.get(k)).isEqualTo(b.end(i));
      }
    }
  }

  @Test
  void decodeRoundTrips() {
    String text = "<|im_start|>user\nЗачем думать вслух? 🤔<|im_end|>\n";
    assertThat(tok.decode(tok.encode(text).ids())).isEqualTo(text);
  }

  @Test
  void missingTokenizerNamesTheDirectory(@TempDir Path dir) {
    assertThatThrownBy(() -> HfTokenizer.load(dir)).isInstanceOf(IOException.class)
        .hasMessageContaining("no tokenizer.json in " + dir);
  }

  @Test
  void brokenConfigNamesTheFile(@TempDir Path dir) throws IOException {
    Files.copy(QWEN3.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    Files.writeString(dir.resolve("tokenizer_config.json"), "{ not json");
    assertThatThrownBy(() -> HfTokenizer.load(dir)).isInstanceOf(IOException.class)
        .hasMessageContaining("tokenizer_config.json").hasMessageContaining("not valid JSON");
  }

  @Test
  void brokenTokenizerJsonIsAnIOException(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer.json"), "{\"version\": \"1.0\"}");
    assertThatThrownBy(() -> HfTokenizer.load(dir)).isInstanceOf(IOException.class)
        .hasMessageContaining("tokenizer.json");
  }
}
