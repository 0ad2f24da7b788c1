package io.ltm.core.scene;

import java.util.Objects;

/**
 * A scene cut into the pieces a model is scored on by teacher forcing: the reasoning is scored given
 * {@code prefix}, the answer given {@code prefix + reasoning + between}. How a scene becomes these
 * pieces is the caller's choice: in the format an adapter was trained on (ltm-dataset's {@code
 * SceneChatFormat#scoringText}, Qwen3 ChatML with {@code <think>}) or {@link #raw} for a model with no
 * chat format. Immutable.
 *
 * @param prefix everything before the reasoning (e.g. the ChatML prompt and {@code <think>\n})
 * @param reasoning the reasoning text
 * @param between what separates reasoning and answer (e.g. {@code \n</think>\n\n})
 * @param answer the answer text
 */
public record ScoringText(String prefix, String reasoning, String between, String answer) {
  public ScoringText {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(reasoning, "reasoning");
    Objects.requireNonNull(between, "between");
    Objects.requireNonNull(answer, "answer");
  }

  /**
   * The scene as raw text, no chat format: prefix {@code context + "\n" + prompt} (the prompt alone
   * without context), the steps' texts joined by newlines, {@code "\n"}, the answer. Not the format an
   * ltm adapter was trained on: use it only for models without a chat template.
   */
  public static ScoringText raw(Scene s) {
    String prefix = s.context().isBlank() ? s.prompt() : s.context() + "\n" + s.prompt();
    StringBuilder r = new StringBuilder();
    for (Step step : s.thought()) {
      if (r.length() > 0) {
        r.append('\n');
      }
      r.append(step.text());
    }
    return new ScoringText(prefix, r.toString(), "\n", s.answer());
  }
}
