package io.ltm.rag.index;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reduces one line of Obsidian Markdown to the text a reader sees and a model should embed: embeds
 * ({@code ![[...]]}, {@code ![alt](file)}) disappear, wikilinks become their display text
 * ({@code [[Note|alias]]} -> {@code alias}, {@code [[folder/Note#Part]]} -> {@code Note Part}),
 * Markdown links become their text, and inline comments ({@code %%...%%}, {@code <!-- ... -->})
 * disappear. Stateless and thread-safe.
 */
public final class MarkdownText {
  private static final Pattern EMBED = Pattern.compile("!\\[\\[[^\\]\\n]*\\]\\]|!\\[[^\\]\\n]*\\]\\([^)\\n]*\\)");
  private static final Pattern WIKILINK = Pattern.compile("\\[\\[([^\\]|#\\n]*)(#[^\\]|\\n]*)?(?:\\|([^\\]\\n]*))?\\]\\]");
  private static final Pattern MD_LINK = Pattern.compile("\\[([^\\]\\n]*)\\]\\(([^)\\n]*)\\)");
  private static final Pattern COMMENT = Pattern.compile("%%.*?%%|<!--.*?-->");

  private MarkdownText() {}

  /** The display text of {@code line}; see the class comment. */
  public static String displayText(String line) {
    if (line.indexOf('[') < 0 && line.indexOf('%') < 0 && line.indexOf('<') < 0) {
      return line;
    }
    String s = COMMENT.matcher(line).replaceAll("");
    s = EMBED.matcher(s).replaceAll("");
    Matcher m = WIKILINK.matcher(s);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String alias = m.group(3);
      String shown;
      if (alias != null && !alias.isBlank()) {
        shown = alias.trim();
      } else {
        String target = m.group(1).trim();
        int slash = target.lastIndexOf('/');
        shown = slash >= 0 ? target.substring(slash + 1) : target;
        if (shown.endsWith(".md")) {
          shown = shown.substring(0, shown.length() - 3);
        }
        String sub = m.group(2);
        if (sub != null) {
          String part = sub.substring(1).replace("#", " ").trim();
          if (!part.startsWith("^") && !part.isEmpty()) {
            shown = shown.isEmpty() ? part : shown + " " + part;
          }
        }
      }
      m.appendReplacement(sb, Matcher.quoteReplacement(shown));
    }
    m.appendTail(sb);
    return MD_LINK.matcher(sb).replaceAll(r -> Matcher.quoteReplacement(r.group(1)));
  }
}
