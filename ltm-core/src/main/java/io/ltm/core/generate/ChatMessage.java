package io.ltm.core.generate;

import java.util.Objects;

/**
 * One message of a chat conversation, as a chat template sees it.
 *
 * @param role who speaks
 * @param content the visible text (for an assistant: the answer)
 * @param reasoning an assistant's reasoning (the text inside {@code <think>}), empty when none
 */
public record ChatMessage(Role role, String content, String reasoning) {
  /** Who speaks a message. */
  public enum Role {
    SYSTEM,
    USER,
    ASSISTANT;

    /** The lower-case name chat templates use, e.g. {@code "user"}. */
    public String templateName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public ChatMessage {
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(content, "content");
    reasoning = reasoning == null ? "" : reasoning;
    if (!reasoning.isEmpty() && role != Role.ASSISTANT) {
      throw new IllegalArgumentException("only assistant messages carry reasoning, not " + role);
    }
  }

  public static ChatMessage system(String content) {
    return new ChatMessage(Role.SYSTEM, content, "");
  }

  public static ChatMessage user(String content) {
    return new ChatMessage(Role.USER, content, "");
  }

  public static ChatMessage assistant(String content, String reasoning) {
    return new ChatMessage(Role.ASSISTANT, content, reasoning);
  }
}
