package io.ltm.metrics.experiment;

import java.util.List;
import java.util.Objects;

/**
 * The answer of an experiment in one line, with the lines that support it. Immutable.
 *
 * @param kind which answer
 * @param headline the line to read first
 * @param details the supporting lines (per metric, notes on non-finite values, the correction)
 */
public record Verdict(Kind kind, String headline, List<String> details) {
  /** The possible answers. */
  public enum Kind {
    /** A primary metric moved against the base and against the control, the same way. */
    SPECIFIC_EFFECT,
    /** A primary metric moved against the base, but not against the control. */
    NOT_SPECIFIC,
    /** A primary metric moved against the base; no control was trained to tell why. */
    EFFECT_WITHOUT_CONTROL,
    /** Nothing significant, and the probes were too few for an effect of the size seen. */
    TOO_FEW_PROBES,
    /** Nothing moved (or nothing significant with enough probes for the size seen). */
    NO_EFFECT
  }

  public Verdict {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(headline, "headline");
    details = List.copyOf(details);
  }
}
