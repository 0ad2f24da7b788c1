package io.ltm.dataset.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.core.scene.Step;
import io.ltm.core.scene.StepKind;
import io.ltm.dataset.TestScenes;
import io.ltm.dataset.chat.ChatExample;
import io.ltm.dataset.chat.Qwen3ChatTemplate;
import io.ltm.dataset.chat.SceneChatFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControlDataTest {
  static final List<Step> STEPS = List.of(Step.of(StepKind.OBSERVE, "One."), Step.of(StepKind.TENSION, "Two, but."),
      Step.of(StepKind.REFLECT, "Three, I see."), Step.of(StepKind.VERIFY, "Four checks."));
  static final ChatExample EX = SceneChatFormat.plain().toExample(TestScenes.scene("s-1", "", "Why?", STEPS, "Because."));

  @Test
  void noReasoningKeepsPromptAndAnswerWithAnEmptyThinkBlock() {
    ChatExample c = new ControlData(Control.NO_REASONING, 1, null).apply(EX);
    assertThat(c.id()).isEqualTo("s-1");
    assertThat(c.messages().get(0)).isEqualTo(EX.messages().get(0));
    assertThat(c.messages().get(1).content()).isEqualTo("Because.");
    assertThat(c.messages().get(1).reasoning()).isEmpty();
    assertThat(Qwen3ChatTemplate.get().renderForTraining(c.messages()).text())
        .endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\nBecause.<|im_end|>\n");
  }

  @Test
  void shuffledStepsKeepEveryStepAndTheirKindsInAnotherSeededOrder() {
    ChatExample a = new ControlData(Control.SHUFFLED_STEPS, 7, null).apply(EX);
    ChatExample b = new ControlData(Control.SHUFFLED_STEPS, 7, null).apply(EX);
    assertThat(a).isEqualTo(b);
    String r = a.messages().get(1).reasoning();
    List<String> steps = List.of(r.split("\n\n"));
    assertThat(steps).containsExactlyInAnyOrder("One.", "Two, but.", "Three, I see.", "Four checks.");
    for (int i = 0; i < steps.size(); i++) {
      assertThat(r.substring(a.stepOffsets().get(i))).startsWith(steps.get(i));
      String text = steps.get(i);
      assertThat(STEPS.stream().filter(s -> s.text().equals(text)).findFirst().orElseThrow().kind())
          .isEqualTo(a.stepKinds().get(i));
    }
    boolean anyOtherOrder = false;
    for (long seed = 0; seed < 5; seed++) {
      anyOtherOrder |= !new ControlData(Control.SHUFFLED_STEPS, seed, null).apply(EX).messages().get(1).reasoning()
          .equals(EX.messages().get(1).reasoning());
    }
    assertThat(anyOtherOrder).isTrue();
  }

  @Test
  void vaultTextHasAboutTheReasoningsLengthAndNoneOfItsWords() {
    String neutral = "The river runs past the old mill and the road bends north toward the hills where sheep graze. ".repeat(3);
    ChatExample c = new ControlData(Control.VAULT_TEXT, 1, neutral).apply(EX);
    String original = EX.messages().get(1).reasoning();
    String r = c.messages().get(1).reasoning();
    assertThat(r.length()).isBetween(original.length() - 20, original.length());
    assertThat(r).doesNotContain("Three").doesNotContain("checks");
    assertThat(c.stepKinds()).isEmpty();
    assertThatThrownBy(() -> new ControlData(Control.VAULT_TEXT, 1, " ")).hasMessageContaining("--vault");
    assertThatThrownBy(() -> Control.parse("nope")).hasMessageContaining("no-reasoning");
    assertThat(Control.parse("Shuffled-Steps")).isEqualTo(Control.SHUFFLED_STEPS);
  }
}
