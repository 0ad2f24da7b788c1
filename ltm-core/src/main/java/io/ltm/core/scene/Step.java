package io.ltm.core.scene;

import java.util.Objects;

/**
 * One step of thinking inside a scene's {@code thought}.
 *
 * @param kind what the step does
 * @param text the step's text, never blank
 * @param revises for a {@link StepKind#REWRITE}, the index of the earlier step it revises; null otherwise
 */
public record Step(StepKind kind, String text, Integer revises) {
  public Step {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(text, "text");
    if (text.isBlank()) {
      throw new IllegalArgumentException("step text must not be blank");
    }
    if (revises != null && revises < 0) {
      throw new IllegalArgumentException("revises must be >= 0 but got " + revises);
    }
  }

  /** A step that revises nothing. */
  public static Step of(StepKind kind, String text) {
    return new Step(kind, text, null);
  }
}
