package io.ltm.dataset.chat;

import io.ltm.core.generate.ChatMessage;
import io.ltm.core.scene.StepKind;
import java.util.List;
import java.util.Objects;

/**
 * One chat training example made from a scene: the messages as a chat template sees them plus the
 * metadata that travels next to it. Immutable.
 *
 * @param id the scene id
 * @param lang the scene's language tag
 * @param messages system (optional), user, assistant (content = answer, reasoning = rendered steps)
 * @param stepKinds the kind of every step, in order (gold labels for the metric detectors)
 * @param stepOffsets for every step, the UTF-16 offset of its first character inside the assistant
 *     message's reasoning
 */
public record ChatExample(
    String id, String lang, List<ChatMessage> messages, List<StepKind> stepKinds, List<Integer> stepOffsets) {
  public ChatExample {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(lang, "lang");
    messages = List.copyOf(messages);
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("example '" + id + "' has no messages");
    }
    stepKinds = List.copyOf(stepKinds);
    stepOffsets = List.copyOf(stepOffsets);
    if (stepKinds.size() != stepOffsets.size()) {
      throw new IllegalArgumentException("example '" + id + "': " + stepKinds.size() + " step kinds but "
          + stepOffsets.size() + " step offsets");
    }
  }
}
