package io.ltm.core.loop;

import io.ltm.core.problem.Problem;
import java.util.Objects;

/**
 * A probe file that cannot be read as probes. The message reads {@code file:line:col: message},
 * naming the field at fault; {@link #problem()} has the parts.
 */
public final class ProbeFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final transient Problem problem;

  public ProbeFormatException(Problem problem) {
    super(Objects.requireNonNull(problem, "problem").file() + ":" + problem.line() + ":" + problem.column() + ": "
        + problem.message());
    this.problem = problem;
  }

  /** Where and what. */
  public Problem problem() {
    return problem;
  }
}
