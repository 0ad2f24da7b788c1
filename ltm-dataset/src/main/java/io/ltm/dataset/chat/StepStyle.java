package io.ltm.dataset.chat;

import io.ltm.core.scene.Step;

/**
 * How the steps of a scene's thought become the assistant's reasoning text. Steps are joined by a
 * blank line ({@code "\n\n"}); each step's text is stripped of surrounding white space first.
 */
public enum StepStyle {
  /** The step text only (the default): reasoning reads as plain prose. */
  PLAIN,
  /**
   * The step text prefixed with its kind in brackets, e.g. {@code [tension] I want it perfect...};
   * a rewrite names the step it revises, e.g. {@code [rewrite of 1] ...} (0-based, as in the YAML).
   */
  KIND_TAGS;

  /** Renders one step. */
  public String render(Step step) {
    String text = step.text().strip();
    if (this == PLAIN) {
      return text;
    }
    String tag = step.revises() == null
        ? step.kind().yamlName()
        : step.kind().yamlName() + " of " + step.revises();
    return "[" + tag + "] " + text;
  }
}
