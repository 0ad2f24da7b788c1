package io.ltm.rag.search;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where a retrieved chunk comes from, precise enough to open: note path, heading path, file lines
 * and an Obsidian URI a user can click.
 *
 * @param path vault-relative note path
 * @param heading heading path as {@code Plan > Data}; empty before the first heading
 * @param lineFrom first file line (1-based)
 * @param lineTo last file line (inclusive)
 * @param uri {@code obsidian://open?vault=<name>&file=<path without .md>}, URL-encoded
 */
public record Citation(String path, String heading, int lineFrom, int lineTo, String uri) {
  public Citation {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(heading, "heading");
    Objects.requireNonNull(uri, "uri");
    if (lineFrom < 1 || lineTo < lineFrom) {
      throw new IllegalArgumentException(path + ": citation lines must satisfy 1 <= from <= to but got " + lineFrom + ".." + lineTo);
    }
  }

  /** The Obsidian URI opening {@code path} in the vault named {@code vault}. */
  public static String obsidianUri(String vault, String path) {
    String file = path.endsWith(".md") ? path.substring(0, path.length() - 3) : path;
    return "obsidian://open?vault=" + encode(vault) + "&file=" + encode(file);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** {@code path > heading, lines a-b}. */
  public String label() {
    return path + (heading.isEmpty() ? "" : " > " + heading) + ", lines " + lineFrom + "-" + lineTo;
  }
}
