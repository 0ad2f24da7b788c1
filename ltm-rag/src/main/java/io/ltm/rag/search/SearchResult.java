package io.ltm.rag.search;

import java.util.List;
import java.util.Objects;

/**
 * One retrieved chunk with its score and citation. Immutable.
 *
 * @param citation where it comes from
 * @param title the note's title
 * @param headingPath enclosing headings, outermost first
 * @param text the chunk text (display text: no frontmatter, no embeds, links as their text)
 * @param tags the note's tags
 * @param score higher is better; BM25 score, cosine similarity or RRF score depending on the mode;
 *     with link expansion, relative to the best candidate (1.0) plus the link score
 *     {@code hitScore * decay^hops} of the best top hit linking to it
 * @param source how the chunk was found
 * @param linkedFrom with link expansion, the top hit whose links raised this score (or brought the
 *     note in, for {@link Source#LINK}); empty otherwise
 * @param hops links followed from {@code linkedFrom}; 0 when it is empty
 */
public record SearchResult(
    Citation citation, String title, List<String> headingPath, String text, List<String> tags,
    double score, Source source, String linkedFrom, int hops) {

  /** How a result was found. */
  public enum Source {
    BM25, VECTOR, HYBRID,
    /** Reached by following links from a hit (graph expansion). */
    LINK
  }

  public SearchResult {
    Objects.requireNonNull(citation, "citation");
    Objects.requireNonNull(title, "title");
    headingPath = List.copyOf(headingPath);
    Objects.requireNonNull(text, "text");
    tags = List.copyOf(tags);
    if (!Double.isFinite(score)) {
      throw new IllegalArgumentException(citation.path() + ": score must be finite but got " + score);
    }
    Objects.requireNonNull(source, "source");
    linkedFrom = linkedFrom == null ? "" : linkedFrom;
  }

  /** The note path (shortcut for {@code citation().path()}). */
  public String path() {
    return citation.path();
  }

  /** A copy with another score and provenance. */
  SearchResult with(double newScore, Source newSource, String from, int newHops) {
    return new SearchResult(citation, title, headingPath, text, tags, newScore, newSource, from, newHops);
  }
}
