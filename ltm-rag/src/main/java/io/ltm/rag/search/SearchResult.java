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
 * @param score higher is better; BM25 score, cosine similarity or RRF score depending on the mode,
 *     and relative to the best hit (1.0) when links were expanded
 * @param source how the chunk was found
 * @param linkedFrom for {@link Source#LINK}, the hit whose links led here; empty otherwise
 * @param hops for {@link Source#LINK}, links followed from that hit; 0 otherwise
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
