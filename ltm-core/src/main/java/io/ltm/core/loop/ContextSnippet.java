package io.ltm.core.loop;

import java.util.Objects;

/**
 * One piece of retrieved text with where it comes from, as a {@link ContextProvider} hands it to the
 * thinking loop. The loop numbers snippets {@code [1]}, {@code [2]}, ... in the prompt, each headed by
 * its citation, so the model can cite them and a reader can open them.
 *
 * @param text the snippet text, never blank
 * @param citation where it comes from, human-readable, e.g. {@code notes/LTM_2.md > Plan, lines 9-14};
 *     never blank
 * @param uri a link that opens the source (e.g. an {@code obsidian://open?...} URI); empty when none
 */
public record ContextSnippet(String text, String citation, String uri) {
  public ContextSnippet {
    Objects.requireNonNull(text, "text");
    if (text.isBlank()) {
      throw new IllegalArgumentException("snippet text must not be blank");
    }
    Objects.requireNonNull(citation, "citation");
    if (citation.isBlank()) {
      throw new IllegalArgumentException("snippet citation must not be blank");
    }
    uri = uri == null ? "" : uri.strip();
  }
}
