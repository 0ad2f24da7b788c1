package io.ltm.core.scene;

import io.ltm.core.problem.Problem;
import java.util.Objects;

/** Thrown by {@link SceneReader#readStrict} for the first error found; carries that problem. */
public final class SceneValidationException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient Problem problem;

  /** @param problem the error; its {@link Problem#format()} becomes the message */
  public SceneValidationException(Problem problem) {
    super(Objects.requireNonNull(problem, "problem").format());
    this.problem = problem;
  }

  /** The error: file, line, column, field and message. */
  public Problem problem() {
    return problem;
  }
}
