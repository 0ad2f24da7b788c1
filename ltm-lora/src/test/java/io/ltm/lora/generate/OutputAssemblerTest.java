package io.ltm.lora.generate;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.generate.ChatMessage;
import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.lora.TestCheckpoints;
import java.util.ArrayList;
import io.ltm.dataset.chat.Qwen3ChatTemplate;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Text pieces, reasoning/answer split and stop handling with the real Qwen3 tokenizer. */
class OutputAssemblerTest {
  private static ModelTokenizer tok;
  private static int think;
  private static int endThink;
  private static int imEnd;

  @BeforeAll
  static void load() {
    tok = ModelTokenizer.load(TestCheckpoints.tokenizerDir());
    think = tok.tokenId("<think>");
    endThink = tok.tokenId("</think>");
    imEnd = tok.tokenId("<|im_end|>");
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  private OutputAssembler assembler(List<String> stops, int max) {
    return new OutputAssembler(tok, Set.of(imEnd, 151643), think, endThink, stops, max, false);
  }

  @Test
  void specialTokenIdsAreQwen3s() {
    assertThat(think).isEqualTo(151667);
    assertThat(endThink).isEqualTo(151668);
    assertThat(imEnd).isEqualTo(151645);
  }

  @Test
  void splitsReasoningFromAnswerAndStreamsWholeCharacters() {
    String text = "<think>\nLet me think: 日本語 and 🙂🙃 too.\n</think>\n\nThe answer is «42» — ✓ 🚀.";
    int[] ids = tok.encode(text);
    OutputAssembler a = assembler(List.of(), 1000);
    List<GeneratedToken> streamed = new ArrayList<>();
    for (int id : ids) {
      streamed.add(a.accept(id, -1.0, 2.0));
    }
    streamed.add(a.accept(imEnd, -0.5, 1.0));
    StringBuilder concat = new StringBuilder();
    for (GeneratedToken t : streamed) {
      assertThat(t.text()).doesNotContain("\uFFFD");
      concat.append(t.text());
    }
    assertThat(concat.toString()).isEqualTo(text);
    // some token of the emoji carried no text (an incomplete UTF-8 character was held back)
    assertThat(streamed).anyMatch(t -> t.text().isEmpty() && t.id() != imEnd);
    Generation g = a.result("m");
    assertThat(g.reasoning()).isEqualTo("Let me think: 日本語 and 🙂🙃 too.");
    assertThat(g.answer()).isEqualTo("The answer is «42» — ✓ 🚀.");
    assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.EOS);
    assertThat(streamed.get(0).reasoning()).isTrue();
    assertThat(streamed.get(streamed.size() - 2).reasoning()).isFalse();
  }

  @Test
  void stopStringCutsTheAnswer() {
    OutputAssembler a = assembler(List.of("STOP"), 1000);
    int n = 0;
    for (int id : tok.encode("Hello there, world. STOP and more text")) {
      a.accept(id, 0, 0);
      n++;
      if (a.done()) {
        break;
      }
    }
    Generation g = a.result("m");
    assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.STOP_STRING);
    assertThat(g.answer()).isEqualTo("Hello there, world. ");
    assertThat(n).isLessThan(tok.encode("Hello there, world. STOP and more text").length);
  }

  @Test
  void budgetEndsWithLength() {
    OutputAssembler a = assembler(List.of(), 3);
    for (int id : tok.encode("one two three four five")) {
      a.accept(id, 0, 0);
      if (a.done()) {
        break;
      }
    }
    Generation g = a.result("m");
    assertThat(g.tokens()).hasSize(3);
    assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
    assertThat(g.answer()).isEqualTo("one two three");
  }

  @Test
  void chatPromptMatchesQwen3Template() {
    Qwen3ChatTemplate template = Qwen3ChatTemplate.get();
    List<ChatMessage> chat = List.of(ChatMessage.system("Be brief."), ChatMessage.user("Why?"));
    assertThat(template.renderPrompt(chat, true).text())
        .isEqualTo("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhy?<|im_end|>\n<|im_start|>assistant\n");
    assertThat(template.renderPrompt(chat, false).text()).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
    int[] ids = tok.encode(template.renderPrompt(chat, false).text());
    assertThat(ids[0]).isEqualTo(151644); // <|im_start|> is one special token
    assertThat(ids).contains(think, endThink);
  }

  @Test
  void longTextIsNotTruncated() {
    String text = "word ".repeat(3000);
    assertThat(tok.encode(text).length).isGreaterThan(2000);
  }
}
