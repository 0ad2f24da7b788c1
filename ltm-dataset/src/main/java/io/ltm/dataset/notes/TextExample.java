package io.ltm.dataset.notes;

import java.util.Objects;

/**
 * A plain-text example for continued-pretraining style training (every token counts in the loss).
 *
 * @param id the note's vault-relative path, with {@code #Heading} for a section
 * @param text the text, frontmatter stripped, never blank
 */
public record TextExample(String id, String text) {
  public TextExample {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(text, "text");
    if (text.isBlank()) {
      throw new IllegalArgumentException("text example '" + id + "' is blank");
    }
  }
}
