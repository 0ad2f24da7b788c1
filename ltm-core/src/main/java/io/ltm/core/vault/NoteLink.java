package io.ltm.core.vault;

import java.util.Objects;
import java.util.Optional;

/**
 * One link found in a note: a wikilink ({@code [[Note]]}, {@code [[Note|alias]]},
 * {@code [[Note#Heading]]}, {@code [[Note#^block]]}, {@code [[folder/Note]]}), an embed
 * ({@code ![[...]]}) or a Markdown link or image to a local file ({@code [text](Some%20Note.md)},
 * {@code ![alt](img.png)}).
 *
 * @param raw the link exactly as written, e.g. {@code [[Note#Heading|alias]]}
 * @param linkpath the part naming the note or file, e.g. {@code Note} or {@code folder/Note.md}
 *     (URL-decoded for Markdown links); empty for a link into the same note ({@code [[#Heading]]})
 * @param subpath heading or block part after {@code #}, empty when absent (block ids keep their {@code ^})
 * @param alias the display text after {@code |} (or a Markdown link's text), empty when absent
 * @param target vault-relative path of the resolved file ({@code /} separators), or null when unresolved
 * @param line 1-based line number in the note file (frontmatter lines count)
 * @param embed true for {@code ![[...]]} embeds and {@code ![alt](file)} images
 * @param column 1-based column (in code points) of the link's first character ({@code !} or
 *     {@code [}) on its line, or 0 when unknown
 */
public record NoteLink(
    String raw,
    String linkpath,
    String subpath,
    String alias,
    String target,
    int line,
    boolean embed,
    int column) {
  public NoteLink {
    Objects.requireNonNull(raw, "raw");
    Objects.requireNonNull(linkpath, "linkpath");
    subpath = subpath == null ? "" : subpath;
    alias = alias == null ? "" : alias;
    if (line < 1) {
      throw new IllegalArgumentException("line must be >= 1 but got " + line);
    }
    if (column < 0) {
      throw new IllegalArgumentException("column must be >= 0 but got " + column);
    }
  }

  /** A link whose column is unknown (0). */
  public NoteLink(
      String raw, String linkpath, String subpath, String alias, String target, int line, boolean embed) {
    this(raw, linkpath, subpath, alias, target, line, embed, 0);
  }

  /** The resolved vault-relative path, if the link resolved. */
  public Optional<String> resolved() {
    return Optional.ofNullable(target);
  }

  /** A copy of this link resolved to {@code path} (null for unresolved). */
  public NoteLink withTarget(String path) {
    return new NoteLink(raw, linkpath, subpath, alias, path, line, embed, column);
  }
}
