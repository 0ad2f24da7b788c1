package io.ltm.dataset.chat;

import java.util.List;
import java.util.Objects;

/**
 * A conversation rendered to ChatML text, with the offsets of every assistant turn so that loss
 * masks can be computed from character spans. Immutable.
 *
 * @param text the ChatML text, exactly what the model's chat template renders
 * @param assistantTurns the assistant turns in order, offsets into {@code text}
 * @param promptEnd for a prompt rendered with a generation prompt, the length of the text (where
 *     the model continues); for a training render, the offset of the first assistant turn's
 *     {@code bodyStart}, or the text length when there is none
 */
public record RenderedChat(String text, List<AssistantTurn> assistantTurns, int promptEnd) {
  public RenderedChat {
    Objects.requireNonNull(text, "text");
    assistantTurns = List.copyOf(assistantTurns);
    for (AssistantTurn t : assistantTurns) {
      if (t.end() > text.length()) {
        throw new IllegalArgumentException("assistant turn ends at " + t.end() + " beyond text length " + text.length());
      }
    }
    if (promptEnd < 0 || promptEnd > text.length()) {
      throw new IllegalArgumentException("promptEnd " + promptEnd + " outside 0.." + text.length());
    }
  }
}
