package io.ltm.core.problem;

import java.util.Objects;

/**
 * One problem found in an input file (a scene, a note, a config), precise enough to jump to: file,
 * 1-based line and column, the field it concerns, and a message that says what to do.
 *
 * @param file the file as the user named it (the path given on the command line joined with the
 *     relative path below it)
 * @param line 1-based line, or 0 when the problem concerns the whole file
 * @param column 1-based column, or 0 when unknown
 * @param severity error or warning
 * @param field the field path it concerns, e.g. {@code thought[2].revises}; empty when none
 * @param message what is wrong and what to do
 */
public record Problem(String file, int line, int column, Severity severity, String field, String message) {

  /** How bad a problem is: errors make a load fail (exit code 1), warnings do not. */
  public enum Severity {
    ERROR,
    WARNING;

    /** {@code error} or {@code warning}, as printed. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public Problem {
    Objects.requireNonNull(file, "file");
    if (line < 0 || column < 0) {
      throw new IllegalArgumentException("line and column must be >= 0 but got " + line + ":" + column);
    }
    Objects.requireNonNull(severity, "severity");
    field = field == null ? "" : field;
    Objects.requireNonNull(message, "message");
  }

  public static Problem error(String file, int line, int column, String field, String message) {
    return new Problem(file, line, column, Severity.ERROR, field, message);
  }

  public static Problem warning(String file, int line, int column, String field, String message) {
    return new Problem(file, line, column, Severity.WARNING, field, message);
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** The compiler-style line {@code file:line:col: error: message}. */
  public String format() {
    return file + ":" + line + ":" + column + ": " + severity.label() + ": " + message;
  }
}
