package io.ltm.core.vault;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One Markdown note of an Obsidian vault, parsed. Immutable.
 *
 * @param path vault-relative path with {@code /} separators, e.g. {@code ideas/LTM_2.md}
 * @param title frontmatter {@code title}, else the file name without {@code .md}
 * @param frontmatter the parsed YAML frontmatter (empty when absent or malformed); values are plain
 *     Java values as Jackson reads YAML (String, Number, Boolean, List, Map)
 * @param tags tags without {@code #}, from the body and the frontmatter, in order of first appearance
 * @param headings headings in file order
 * @param links links in file order; {@link NoteLink#target()} set once the vault resolved them
 * @param body the note text without the frontmatter block
 * @param bodyStartLine 1-based line number in the file of the first line of {@code body}
 */
public record Note(
    String path,
    String title,
    Map<String, Object> frontmatter,
    List<String> tags,
    List<Heading> headings,
    List<NoteLink> links,
    String body,
    int bodyStartLine) {
  public Note {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(title, "title");
    frontmatter = frontmatter == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(frontmatter));
    tags = List.copyOf(tags == null ? List.of() : tags);
    headings = List.copyOf(headings == null ? List.of() : headings);
    links = List.copyOf(links == null ? List.of() : links);
    Objects.requireNonNull(body, "body");
    if (bodyStartLine < 1) {
      throw new IllegalArgumentException("bodyStartLine must be >= 1 but got " + bodyStartLine);
    }
  }
}
