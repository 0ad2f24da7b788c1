package io.ltm.core.vault;

/**
 * A Markdown heading inside a note.
 *
 * @param level 1 for {@code #} up to 6
 * @param text heading text without the leading hashes
 * @param line 1-based line number in the note file
 */
public record Heading(int level, String text, int line) {
  public Heading {
    if (level < 1 || level > 6) {
      throw new IllegalArgumentException("heading level must be 1..6 but got " + level);
    }
    if (line < 1) {
      throw new IllegalArgumentException("line must be >= 1 but got " + line);
    }
  }
}
