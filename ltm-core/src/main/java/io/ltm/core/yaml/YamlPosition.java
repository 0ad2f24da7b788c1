package io.ltm.core.yaml;

/**
 * Where a YAML node starts in its source text.
 *
 * @param line 1-based line
 * @param column 1-based column, counted in characters
 */
public record YamlPosition(int line, int column) {

  /** The position for a problem that concerns the whole file. */
  public static final YamlPosition NONE = new YamlPosition(0, 0);

  public YamlPosition {
    if (line < 0 || column < 0) {
      throw new IllegalArgumentException("line and column must be >= 0 but got " + line + ":" + column);
    }
  }

  @Override
  public String toString() {
    return line + ":" + column;
  }
}
