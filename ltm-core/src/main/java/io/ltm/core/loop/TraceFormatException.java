package io.ltm.core.loop;

import io.ltm.core.problem.Problem;
import java.util.Objects;

/**
 * A trace file line that is not a valid {@link TraceRecord}. The message reads
 * {@code file:line:col: message}, naming the field at fault; {@link #problem()} has the parts.
 */
public final class TraceFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final transient Problem problem;

  public TraceFormatException(Problem problem, Throwable cause) {
    super(Objects.requireNonNull(problem, "problem").file() + ":" + problem.line() + ":" + problem.column() + ": "
        + problem.message());
    if (cause != null) {
      setStackTrace(cause.getStackTrace());
    }
    this.problem = problem;
  }

  /** Where and what. */
  public Problem problem() {
    return problem;
  }
}
