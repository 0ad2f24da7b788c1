package io.ltm.metrics.detect;

import io.ltm.core.scene.StepKind;
import java.util.Locale;
import java.util.Optional;

/**
 * A cognitive behaviour that can be read off reasoning text. Four come from Gandhi et al. 2025
 * ("Cognitive behaviors that enable self-improving reasoners, or, four habits of highly effective
 * STaRs"): verification, backtracking, subgoal setting, backward chaining; three from the scene
 * schema: tension, rewrite, reflection.
 *
 * <p>Gold labels: a scene step of kind {@link #goldKind()} is a positive example of the behaviour and
 * every other step a negative one. The mapping is one to one: VERIFY -> verification, BACKTRACK ->
 * backtracking, SUBGOAL -> subgoal setting, TENSION -> tension, REWRITE -> rewrite, REFLECT ->
 * reflection. OBSERVE, HYPOTHESIS and PLAN label no behaviour (they are negatives for all; PLAN is
 * deliberately not folded into subgoal setting: a plan lists actions, a subgoal names an intermediate
 * result to reach). Backward chaining has no step kind; it is evaluated only on sets that label it
 * {@code backward} (the held-out set in the tests does).
 */
public enum Behaviour {
  /** Checking an intermediate result or a claim against something (a case, the question, units). */
  VERIFICATION("verification", StepKind.VERIFY),
  /** Abandoning a line of thought and returning to an earlier point or another approach. */
  BACKTRACKING("backtracking", StepKind.BACKTRACK),
  /** Setting an intermediate goal on the way to the answer. */
  SUBGOAL_SETTING("subgoal", StepKind.SUBGOAL),
  /** Working backward from the goal or the answer to what it requires. */
  BACKWARD_CHAINING("backward", null),
  /** A conflict or concession held open: two things pull in different directions. */
  TENSION("tension", StepKind.TENSION),
  /** An explicit self-correction of something said earlier. */
  REWRITE("rewrite", StepKind.REWRITE),
  /** A statement about one's own thinking. */
  REFLECTION("reflection", StepKind.REFLECT);

  private final String patternName;
  private final StepKind goldKind;

  Behaviour(String patternName, StepKind goldKind) {
    this.patternName = patternName;
    this.goldKind = goldKind;
  }

  /** The name used in pattern files, e.g. {@code verification}. */
  public String patternName() {
    return patternName;
  }

  /** The scene step kind whose steps are gold positives, empty for backward chaining. */
  public Optional<StepKind> goldKind() {
    return Optional.ofNullable(goldKind);
  }

  /**
   * The key of this behaviour in evaluation reports: the gold step kind's YAML name ({@code verify},
   * {@code backtrack}, {@code subgoal}, {@code tension}, {@code rewrite}, {@code reflect}), or
   * {@code backward} for backward chaining.
   */
  public String key() {
    return goldKind == null ? patternName : goldKind.yamlName();
  }

  /** A human label such as {@code subgoal setting}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', ' ');
  }

  /** The behaviour a pattern-file name or report key names (case-insensitive). */
  public static Optional<Behaviour> fromName(String name) {
    if (name == null) {
      return Optional.empty();
    }
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (Behaviour b : values()) {
      if (b.patternName.equals(n) || b.key().equals(n) || b.name().toLowerCase(Locale.ROOT).equals(n)) {
        return Optional.of(b);
      }
    }
    return Optional.empty();
  }

  /** The behaviour a gold label (a step kind's YAML name or {@code backward}) marks, if any. */
  public static Optional<Behaviour> forLabel(String label) {
    if (label == null) {
      return Optional.empty();
    }
    String n = label.trim().toLowerCase(Locale.ROOT);
    for (Behaviour b : values()) {
      if (b.key().equals(n)) {
        return Optional.of(b);
      }
    }
    return Optional.empty();
  }
}
