package io.ltm.dataset.token;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.generate.ChatMessage;
import io.ltm.dataset.chat.AssistantTurn;
import io.ltm.dataset.chat.Qwen3ChatTemplate;
import io.ltm.dataset.chat.RenderedChat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Label masks: exactly which tokens count, checked by decoding the counted tokens. */
class LabelsTest {
  static HfTokenizer tok;

  @BeforeAll
  static void load() throws IOException {
    tok = HfTokenizer.load(HfTokenizerTest.QWEN3);
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  static final List<ChatMessage> SINGLE = List.of(
      ChatMessage.system("Думай вслух."),
      ChatMessage.user("Контекст 😀.\n\nПочему я откладываю запуск?"),
      ChatMessage.assistant("Запустить сегодня. 🚀", "Замечаю: причины меняются.\n\nНапряжение: хочу идеал."));

  /** The runs of consecutive counted tokens, each decoded. */
  static List<String> countedRuns(int[] ids, int[] labels) {
    List<String> runs = new ArrayList<>();
    List<Integer> cur = new ArrayList<>();
    for (int i = 0; i <= ids.length; i++) {
      if (i < ids.length && labels[i] != Labels.IGNORE) {
        assertThat(labels[i]).isEqualTo(ids[i]);
        cur.add(ids[i]);
      } else if (!cur.isEmpty()) {
        runs.add(tok.decode(cur.stream().mapToInt(Integer::intValue).toArray()));
        cur.clear();
      }
    }
    return runs;
  }

  int[] labels(RenderedChat chat, LossTarget target, boolean newline) {
    return Labels.fromSpans(tok.encode(chat.text()), Labels.spans(chat, target, newline));
  }

  @Test
  void assistantTargetCountsThinkAnswerAndImEndOnly() {
    RenderedChat chat = Qwen3ChatTemplate.get().renderForTraining(SINGLE);
    Encoded e = tok.encode(chat.text());
    int[] labels = labels(chat, LossTarget.ASSISTANT, false);
    assertThat(countedRuns(e.ids(), labels)).containsExactly(
        "<think>\nЗамечаю: причины меняются.\n\nНапряжение: хочу идеал.\n</think>\n\nЗапустить сегодня. 🚀<|im_end|>");
    // exact boundaries: the token before the first counted one is the header's "\n" (198) after
    // "assistant" (77091); the first counted is <think>; the last counted is <|im_end|>, then "\n" does not count.
    int first = firstCounted(labels);
    assertThat(e.id(first)).isEqualTo(151667);
    assertThat(e.id(first - 1)).isEqualTo(198);
    assertThat(e.id(first - 2)).isEqualTo(77091);
    assertThat(labels[first - 1]).isEqualTo(Labels.IGNORE);
    int last = lastCounted(labels);
    assertThat(e.id(last)).isEqualTo(151645);
    assertThat(last).isEqualTo(e.length() - 2);
    assertThat(e.id(last + 1)).isEqualTo(198);
    assertThat(labels[last + 1]).isEqualTo(Labels.IGNORE);
  }

  @Test
  void newlineAfterImEndCountsWhenAsked() {
    RenderedChat chat = Qwen3ChatTemplate.get().renderForTraining(SINGLE);
    int[] labels = labels(chat, LossTarget.ASSISTANT, true);
    List<String> runs = countedRuns(tok.encode(chat.text()).ids(), labels);
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0)).startsWith("<think>\n").endsWith("🚀<|im_end|>\n");
  }

  @Test
  void trlStyleMaskCoversTheWholeTurn() {
    // TRL's qwen3_training.jinja wraps '<|im_start|>assistant\n' ... '<|im_end|>\n' in {% generation %}
    RenderedChat chat = Qwen3ChatTemplate.get().renderForTraining(SINGLE);
    int[] labels = Labels.fromSpans(tok.encode(chat.text()), Labels.spans(chat, LossTarget.ASSISTANT, true, true));
    List<String> runs = countedRuns(tok.encode(chat.text()).ids(), labels);
    assertThat(runs).hasSize(1);
    assertThat(runs.get(0)).isEqualTo(chat.text().substring(chat.assistantTurns().get(0).start()));
  }

  @Test
  void answerOnlyAndThinkOnly() {
    RenderedChat chat = Qwen3ChatTemplate.get().renderForTraining(SINGLE);
    int[] ids = tok.encode(chat.text()).ids();
    assertThat(countedRuns(ids, labels(chat, LossTarget.ANSWER, false)))
        .containsExactly("Запустить сегодня. 🚀<|im_end|>");
    assertThat(countedRuns(ids, labels(chat, LossTarget.THINK, false)))
        .containsExactly("<think>\nЗамечаю: причины меняются.\n\nНапряжение: хочу идеал.\n</think>\n\n");
  }

  @Test
  void allTargetCountsEverythingButTheFirstToken() {
    RenderedChat chat = Qwen3ChatTemplate.get().renderForTraining(SINGLE);
    int[] ids = tok.encode(chat.text()).ids();
    int[] labels = labels(chat, LossTarget.ALL, false);
    assertThat(labels[0]).isEqualTo(Labels.IGNORE);
    for (int i = 1; i < ids.length; i++) {
      assertThat(labels[i]).isEqualTo(ids[i]);
    }
  }

  @Test
  void multiTurnCountsEveryAssistantTurnAndPastTurnsHaveNoThink() {
    List<ChatMessage> ms = List.of(
        ChatMessage.user("q1"), ChatMessage.assistant("a1 first", "dropped thought"),
        ChatMessage.user("q2"), ChatMessage.assistant("a2 second", "kept thought"));
    RenderedChat chat = Qwen3ChatTemplate.get().renderForTraining(ms);
    int[] ids = tok.encode(chat.text()).ids();
    assertThat(countedRuns(ids, labels(chat, LossTarget.ASSISTANT, false)))
        .containsExactly("a1 first<|im_end|>", "<think>\nkept thought\n</think>\n\na2 second<|im_end|>");
    assertThat(countedRuns(ids, labels(chat, LossTarget.THINK, false)))
        .containsExactly("<think>\nkept thought\n</think>\n\n");
    assertThat(countedRuns(ids, labels(chat, LossTarget.ANSWER, false)))
        .containsExactly("a1 first<|im_end|>", "a2 second<|im_end|>");
  }

  @Test
  void tokenBoundariesFallOnSpanBoundaries() {
    // Every span boundary is also a token boundary, so no token straddles a span.
    RenderedChat chat = Qwen3ChatTemplate.get().renderForTraining(SINGLE);
    Encoded e = tok.encode(chat.text());
    AssistantTurn t = chat.assistantTurns().get(0);
    for (int boundary : new int[] {t.bodyStart(), t.thinkEnd(), t.contentEnd(), t.imEndEnd(), t.end()}) {
      boolean found = false;
      for (int i = 0; i < e.length(); i++) {
        assertThat(e.start(i) < boundary && e.end(i) > boundary)
            .as("token %d [%d,%d) straddles %d", i, e.start(i), e.end(i), boundary).isFalse();
        found |= e.start(i) == boundary || e.end(i) == boundary;
      }
      assertThat(found).isTrue();
    }
  }

  static int firstCounted(int[] labels) {
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] != Labels.IGNORE) {
        return i;
      }
    }
    return -1;
  }

  static int lastCounted(int[] labels) {
    for (int i = labels.length - 1; i >= 0; i--) {
      if (labels[i] != Labels.IGNORE) {
        return i;
      }
    }
    return -1;
  }
}
