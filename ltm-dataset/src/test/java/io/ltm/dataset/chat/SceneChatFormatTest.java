package io.ltm.dataset.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.generate.ChatMessage;
import io.ltm.core.scene.Step;
import io.ltm.core.scene.StepKind;
import io.ltm.dataset.TestScenes;
import java.util.List;
import org.junit.jupiter.api.Test;

class SceneChatFormatTest {
  static final List<Step> STEPS = List.of(
      Step.of(StepKind.OBSERVE, "The reasons change.\n"),
      Step.of(StepKind.TENSION, "  I want it perfect,\nbut only a run shows what is wrong. "),
      new Step(StepKind.REWRITE, "Not perfect: runnable.", 1));

  @Test
  void userIsContextBlankLinePromptAndAssistantCarriesSteps() {
    var scene = TestScenes.scene("s", "Three weeks of postponing.\n", "Why do I postpone?\n", STEPS, "Run it today.\n");
    ChatExample ex = new SceneChatFormat("  Think aloud.\n", StepStyle.PLAIN).toExample(scene);
    assertThat(ex.messages()).containsExactly(
        ChatMessage.system("Think aloud."),
        ChatMessage.user("Three weeks of postponing.\n\nWhy do I postpone?"),
        ChatMessage.assistant("Run it today.",
            "The reasons change.\n\nI want it perfect,\nbut only a run shows what is wrong.\n\nNot perfect: runnable."));
    assertThat(ex.stepKinds()).containsExactly(StepKind.OBSERVE, StepKind.TENSION, StepKind.REWRITE);
    String reasoning = ex.messages().get(2).reasoning();
    assertThat(ex.stepOffsets()).hasSize(3);
    assertThat(reasoning.substring(ex.stepOffsets().get(1))).startsWith("I want it perfect");
    assertThat(reasoning.substring(ex.stepOffsets().get(2))).isEqualTo("Not perfect: runnable.");
  }

  @Test
  void emptyContextGivesPromptOnlyAndNoSystemWhenBlank() {
    var scene = TestScenes.scene("s", "  \n", "Why?", STEPS, "Because.");
    ChatExample ex = SceneChatFormat.plain().toExample(scene);
    assertThat(ex.messages()).hasSize(2);
    assertThat(ex.messages().get(0)).isEqualTo(ChatMessage.user("Why?"));
  }

  @Test
  void kindTagsNameTheKindAndTheRevisedStep() {
    var scene = TestScenes.scene("s", "", "Why?", STEPS, "Because.");
    String reasoning = new SceneChatFormat(null, StepStyle.KIND_TAGS).toExample(scene).messages().get(1).reasoning();
    assertThat(reasoning).isEqualTo("[observe] The reasons change.\n\n"
        + "[tension] I want it perfect,\nbut only a run shows what is wrong.\n\n[rewrite of 1] Not perfect: runnable.");
  }

  @Test
  void renderedSceneHasTheThinkBlockAndPromptRenderEndsWithGenerationPrompt() {
    var scene = TestScenes.scene("s", "", "Why?", STEPS, "Because.");
    SceneChatFormat f = SceneChatFormat.plain();
    String text = Qwen3ChatTemplate.get().renderForTraining(f.toExample(scene).messages()).text();
    assertThat(text).isEqualTo("<|im_start|>user\nWhy?<|im_end|>\n<|im_start|>assistant\n<think>\n"
        + "The reasons change.\n\nI want it perfect,\nbut only a run shows what is wrong.\n\nNot perfect: runnable."
        + "\n</think>\n\nBecause.<|im_end|>\n");
    assertThat(Qwen3ChatTemplate.get().renderPrompt(f.promptMessages(scene), false).text())
        .isEqualTo("<|im_start|>user\nWhy?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  }

  @Test
  void scoringTextCutsTheTrainingRenderIntoPromptReasoningAndAnswer() {
    var scene = TestScenes.scene("s", "Three weeks of postponing.\n", "Why do I postpone?\n", STEPS, "Run it today.\n");
    SceneChatFormat f = new SceneChatFormat("Think aloud.", StepStyle.PLAIN);
    io.ltm.core.scene.ScoringText t = f.scoringText(scene);
    String training = Qwen3ChatTemplate.get().renderForTraining(f.toExample(scene).messages()).text();
    assertThat(t.prefix() + t.reasoning() + t.between() + t.answer() + "<|im_end|>\n").isEqualTo(training);
    assertThat(t.prefix()).startsWith("<|im_start|>system\nThink aloud.<|im_end|>\n").endsWith("<|im_start|>assistant\n<think>\n");
    assertThat(t.reasoning()).startsWith("The reasons change.").endsWith("Not perfect: runnable.");
    assertThat(t.between()).isEqualTo("\n</think>\n\n");
    assertThat(t.answer()).isEqualTo("Run it today.");
  }
}
