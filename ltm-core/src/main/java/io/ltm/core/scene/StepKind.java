package io.ltm.core.scene;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

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

  private static final Map<String, StepKind> BY_YAML_NAME =
      Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(StepKind::yamlName, k -> k));

  private final String yamlName;

  StepKind() {
    this.yamlName = name().toLowerCase(Locale.ROOT);
  }

  /** The lower-case name used in YAML, e.g. {@code "observe"}. */
  public String yamlName() {
    return yamlName;
  }

  /** Parses a YAML name (case-insensitive, surrounding spaces ignored); empty when it names no kind. */
  public static Optional<StepKind> fromYaml(String name) {
    if (name == null) {
      return Optional.empty();
    }
    return Optional.ofNullable(BY_YAML_NAME.get(name.trim().toLowerCase(Locale.ROOT)));
  }
}
