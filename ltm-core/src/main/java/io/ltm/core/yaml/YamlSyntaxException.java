package io.ltm.core.yaml;

import java.util.Objects;

/**
 * The YAML text is not well-formed (or breaks a parser limit); carries the parser's position.
 */
public final class YamlSyntaxException extends Exception {
  private static final long serialVersionUID = 1L;

  private final YamlPosition position;
  private final String problem;

  /**
   * @param position where the parser stopped
   * @param problem what the parser says is wrong, one line
   */
  public YamlSyntaxException(YamlPosition position, String problem) {
    super(position + ": " + problem);
    this.position = Objects.requireNonNull(position, "position");
    this.problem = Objects.requireNonNull(problem, "problem");
  }

  /** Where the parser stopped. */
  public YamlPosition position() {
    return position;
  }

  /** What the parser says is wrong, without the position. */
  public String problem() {
    return problem;
  }
}
