package io.ltm.core.scene;

import java.util.Locale;
import java.util.Optional;

/**
 * The kind of one step of thinking in a {@link Scene}. The kinds double as gold labels for the
 * behaviour detectors in {@code ltm-metrics}.
 */
public enum StepKind {
  /** Noticing a fact about the situation. */
  OBSERVE,
  /** Proposing an explanation or a guess to be tested. */
  HYPOTHESIS,
  /** A conflict or concession held open: two things pull in different directions. */
  TENSION,
  /** An explicit self-correction of an earlier step (see {@link Step#revises()}). */
  REWRITE,
  /** A statement about one's own thinking. */
  REFLECT,
  /** Laying out what to do next. */
  PLAN,
  /** Checking a claim or a result. */
  VERIFY,
  /** Abandoning a line of thought and returning to an earlier point. */
  BACKTRACK,
  /** Setting an intermediate goal on the way to the answer. */
  SUBGOAL;

  /** The lower-case name used in YAML, e.g. {@code "observe"}. */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a YAML name (case-insensitive); empty when it names no kind. */
  public static Optional<StepKind> fromYaml(String name) {
    if (name == null) {
      return Optional.empty();
    }
    for (StepKind k : values()) {
      if (k.yamlName().equalsIgnoreCase(name.trim())) {
        return Optional.of(k);
      }
    }
    return Optional.empty();
  }
}
