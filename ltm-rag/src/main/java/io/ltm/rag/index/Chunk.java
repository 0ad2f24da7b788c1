package io.ltm.rag.index;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One retrievable piece of a note: the text under one heading (or a window of it when the section
 * is longer than the chunker's token budget). Immutable and checked at birth: a chunk that names no
 * note, has an inverted line range or no text cannot exist.
 *
 * @param notePath vault-relative path of the note, {@code /} separators, e.g. {@code ideas/LTM_2.md}
 * @param ordinal 0-based position of the chunk in its note
 * @param title the note's title
 * @param headingPath the headings enclosing the chunk, outermost first (empty before the first heading)
 * @param lineFrom first file line (1-based) the chunk covers
 * @param lineTo last file line (1-based, inclusive) the chunk covers
 * @param text the chunk's text with frontmatter and embeds removed and links reduced to their display
 *     text; never blank
 * @param tags the note's tags without {@code #}
 * @param fields the note's frontmatter flattened to strings: a scalar gives one value, a list one per
 *     element; nested maps are left out
 * @param lang the language the chunk is analysed in
 */
public record Chunk(
    String notePath,
    int ordinal,
    String title,
    List<String> headingPath,
    int lineFrom,
    int lineTo,
    String text,
    List<String> tags,
    Map<String, List<String>> fields,
    Language lang) {

  /** The separator in a printed heading path, e.g. {@code Plan > Data}. */
  public static final String HEADING_SEPARATOR = " > ";

  public Chunk {
    Objects.requireNonNull(notePath, "notePath");
    if (notePath.isBlank()) {
      throw new IllegalArgumentException("chunk notePath must not be blank");
    }
    if (ordinal < 0) {
      throw new IllegalArgumentException(notePath + ": chunk ordinal must be >= 0 but got " + ordinal);
    }
    Objects.requireNonNull(title, "title");
    headingPath = List.copyOf(Objects.requireNonNull(headingPath, "headingPath"));
    if (lineFrom < 1 || lineTo < lineFrom) {
      throw new IllegalArgumentException(
          notePath + ": chunk lines must satisfy 1 <= from <= to but got " + lineFrom + ".." + lineTo);
    }
    Objects.requireNonNull(text, "text");
    if (text.isBlank()) {
      throw new IllegalArgumentException(notePath + ":" + lineFrom + ": chunk text must not be blank");
    }
    tags = List.copyOf(Objects.requireNonNull(tags, "tags"));
    Map<String, List<String>> copy = new LinkedHashMap<>();
    Objects.requireNonNull(fields, "fields").forEach((k, v) -> copy.put(Objects.requireNonNull(k, "field name"), List.copyOf(v)));
    fields = java.util.Collections.unmodifiableMap(copy);
    Objects.requireNonNull(lang, "lang");
  }

  /** The heading path printed with {@link #HEADING_SEPARATOR}; empty before the first heading. */
  public String heading() {
    return String.join(HEADING_SEPARATOR, headingPath);
  }

  /** The note's folder path without a trailing slash, empty at the vault root. */
  public String folder() {
    int slash = notePath.lastIndexOf('/');
    return slash < 0 ? "" : notePath.substring(0, slash);
  }

  /** Every folder that contains the note, outermost first: {@code a}, {@code a/b} for {@code a/b/n.md}. */
  public List<String> folders() {
    List<String> out = new ArrayList<>();
    String f = folder();
    int i = 0;
    while (!f.isEmpty()) {
      int slash = f.indexOf('/', i);
      if (slash < 0) {
        out.add(f);
        break;
      }
      out.add(f.substring(0, slash));
      i = slash + 1;
    }
    return out;
  }

  /**
   * The text handed to the embedding model: the title and heading path as a first line (they carry
   * the topic of a short section), then the text. Frontmatter is never part of it.
   */
  public String embeddingText() {
    String head = headingPath.isEmpty() ? title : title + HEADING_SEPARATOR + heading();
    return head + "\n" + text;
  }
}
