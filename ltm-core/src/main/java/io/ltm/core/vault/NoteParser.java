package io.ltm.core.vault;

import io.ltm.core.problem.Problem;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one Obsidian note from its text: frontmatter, title, headings, tags and links. A pure
 * function of the path and the text: no file access, no link resolution (every link's target is null;
 * {@link Vault} resolves them). Never throws on any text.
 *
 * <p>What counts, as in Obsidian:
 *
 * <ul>
 *   <li>frontmatter: YAML between a first line {@code ---} and the next {@code ---} line; malformed
 *       YAML is a warning (with its file line) and the note is read with empty frontmatter;
 *   <li>title: frontmatter {@code title}, else the file name without {@code .md};
 *   <li>headings: ATX headings {@code #} to {@code ######} followed by a space (or nothing);
 *   <li>tags: {@code #tag} and {@code #nested/tag} at the start of a line or after whitespace, made of
 *       letters, digits, emoji, {@code _}, {@code -} and {@code /}, not purely numeric ({@code #2025} is not a
 *       tag); frontmatter {@code tags} / {@code tag} as a YAML list or a comma/space separated string;
 *       deduplicated ignoring case, first spelling kept, frontmatter tags first;
 *   <li>links in the body: {@code [[Note]]}, {@code [[Note|alias]]}, {@code [[Note#Heading]]},
 *       {@code [[Note#^block]]}, {@code [[folder/Note]]}, {@code [[Note.md]]}, embeds
 *       {@code ![[...]]}, Markdown links {@code [text](Some%20Note.md)} and images
 *       {@code ![alt](img.png)} to local files (URL-decoded; {@code http:}, {@code mailto:} and other
 *       URLs with a scheme are not links to vault files); and in the frontmatter, a property value
 *       (or list item) that is exactly one wikilink, as Obsidian's properties track them.
 * </ul>
 *
 * Nothing inside fenced code blocks ({@code ```} and {@code ~~~}) or inline code counts. Line numbers
 * are file lines, counting the frontmatter. Not handled: setext headings, indented code blocks,
 * inline code spanning several lines, reference-style Markdown links.
 *
 * <p>Thread-safe (stateless).
 */
public final class NoteParser {
  private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})(?:[ \\t](.*))?$");
  private static final Pattern URL = Pattern.compile("(?<![A-Za-z0-9+.\\-])[A-Za-z][A-Za-z0-9+.\\-]*://\\S+");
  private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.\\-]*:");
  private static final Pattern TAG_BODY = Pattern.compile("[\\p{L}\\p{N}\\p{M}\\p{So}_\\-/]+");
  private static final Pattern TAG_SEPARATORS = Pattern.compile("[,\\s]+");

  private NoteParser() {}

  /**
   * Parses one note.
   *
   * @param vaultRelativePath the note's path inside the vault, {@code /} or {@code \} separated
   *     (stored with {@code /}); it names the note in problems and gives the fallback title
   * @param text the file's text (a leading byte-order mark is ignored; LF, CRLF or CR line ends)
   * @return the note with unresolved links, and its problems (warnings)
   */
  public static ParsedNote parse(String vaultRelativePath, String text) {
    String path = java.util.Objects.requireNonNull(vaultRelativePath, "vaultRelativePath").replace('\\', '/');
    String src = text == null ? "" : text;
    if (src.startsWith("\uFEFF")) {
      src = src.substring(1);
    }
    List<String> lines = new ArrayList<>();
    List<Integer> starts = new ArrayList<>();
    splitLines(src, lines, starts);

    Frontmatter fm = Frontmatter.read(path, lines);
    List<Problem> problems = new ArrayList<>(fm.problems());
    int bodyIndex = fm.bodyStartIndex();
    String body = bodyIndex >= lines.size() ? "" : src.substring(starts.get(bodyIndex));

    Map<String, String> tags = new LinkedHashMap<>();
    frontmatterTags(path, fm, "tags", tags, problems);
    frontmatterTags(path, fm, "tag", tags, problems);

    boolean[] fenced = new boolean[lines.size()];
    String[] masked = CodeMask.mask(lines, bodyIndex, fenced);
    List<Heading> headings = new ArrayList<>();
    List<NoteLink> links = new ArrayList<>();
    frontmatterLinks(fm, lines, links);
    for (int i = bodyIndex; i < lines.size(); i++) {
      if (fenced[i]) {
        continue;
      }
      scanLine(lines.get(i), masked[i], i + 1, headings, links, tags);
    }
    String title = title(path, fm, problems);
    Note note = new Note(path, title, fm.values(), new ArrayList<>(tags.values()), headings, links, body,
        bodyIndex + 1);
    problems.sort(java.util.Comparator.comparingInt(Problem::line).thenComparingInt(Problem::column));
    return new ParsedNote(note, problems);
  }

  private static void scanLine(String line, String maskedLine, int lineNo, List<Heading> headings,
      List<NoteLink> links, Map<String, String> tags) {
    if (maskedLine.indexOf('#') < 0 && maskedLine.indexOf('[') < 0) {
      return; // plain text: nothing to find (most lines)
    }
    char[] scan = maskedLine.toCharArray();
    if (maskedLine.stripLeading().startsWith("#")) {
      Matcher h = HEADING.matcher(maskedLine);
      if (h.matches()) {
        int level = h.group(1).length();
        String text = h.group(2) == null ? "" : headingText(line.substring(h.start(2), h.end(2)));
        headings.add(new Heading(level, text, lineNo));
        blank(scan, 0, h.end(1)); // the heading's own hashes are not tags
      }
    }
    List<NoteLink> found = new ArrayList<>();
    int from = 0;
    int open;
    while ((open = maskedLine.indexOf("[[", from)) >= 0) {
      int k = open + 2;
      while (k < maskedLine.length() && maskedLine.charAt(k) != '[' && maskedLine.charAt(k) != ']') {
        k++;
      }
      if (k > open + 2 && maskedLine.startsWith("]]", k)) {
        boolean embed = open > 0 && maskedLine.charAt(open - 1) == '!';
        int start = embed ? open - 1 : open;
        NoteLink link = wikilink(line.substring(start, k + 2), embed, line.substring(open + 2, k), lineNo,
            column(line, start));
        if (link != null) {
          found.add(link);
          blank(scan, start, k + 2);
        }
        from = k + 2;
      } else {
        from = open + 1;
      }
    }
    if (maskedLine.indexOf("](") >= 0) {
      for (MarkdownLinkScanner.Match md : MarkdownLinkScanner.scan(new String(scan))) {
        blank(scan, md.start(), md.end());
        NoteLink link = markdownLink(line.substring(md.start(), md.end()), md.embed(),
            line.substring(md.textStart(), md.textEnd()), md.destination(), lineNo, column(line, md.start()));
        if (link != null) {
          found.add(link);
        }
      }
      found.sort(java.util.Comparator.comparingInt(NoteLink::column));
    }
    links.addAll(found);
    if (maskedLine.indexOf("://") >= 0) {
      Matcher u = URL.matcher(new String(scan));
      while (u.find()) {
        blank(scan, u.start(), u.end());
      }
    }
    inlineTags(scan, tags);
  }

  /** Tags {@code #tag} at the start of the line or after whitespace (Obsidian's rule). */
  private static void inlineTags(char[] scan, Map<String, String> tags) {
    for (int i = 0; i < scan.length; i++) {
      if (scan[i] != '#' || (i > 0 && !Character.isWhitespace(scan[i - 1]))) {
        continue;
      }
      int j = i + 1;
      while (j < scan.length) {
        int cp = Character.codePointAt(scan, j);
        if (!isTagChar(cp)) {
          break;
        }
        j += Character.charCount(cp);
      }
      if (j > i + 1) {
        addTag(new String(scan, i + 1, j - i - 1), tags);
      }
      i = j - 1;
    }
  }

  /** Letters, digits and other numbers, marks, emoji (other symbols), {@code _}, {@code -} and {@code /}. */
  private static boolean isTagChar(int cp) {
    if (cp == '_' || cp == '-' || cp == '/') {
      return true;
    }
    switch (Character.getType(cp)) {
      case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
          Character.MODIFIER_LETTER, Character.OTHER_LETTER, Character.DECIMAL_DIGIT_NUMBER,
          Character.LETTER_NUMBER, Character.OTHER_NUMBER, Character.NON_SPACING_MARK,
          Character.ENCLOSING_MARK, Character.COMBINING_SPACING_MARK, Character.OTHER_SYMBOL:
        return true;
      default:
        return false;
    }
  }

  /**
   * Links in frontmatter properties, as Obsidian tracks them: a top-level value, or an item of a
   * top-level list, that is exactly one wikilink, e.g. {@code related: "[[LoRA basics]]"}. The line
   * and column are where the link text appears in the frontmatter.
   */
  private static void frontmatterLinks(Frontmatter fm, List<String> lines, List<NoteLink> links) {
    int end = fm.bodyStartIndex() - 1; // the closing '---' line
    for (Map.Entry<String, Object> e : fm.values().entrySet()) {
      List<Object> items = new ArrayList<>();
      if (e.getValue() instanceof Collection<?> c) {
        items.addAll(c);
      } else {
        items.add(e.getValue());
      }
      int searchFrom = fm.lineOf(e.getKey(), 2) - 1;
      for (Object item : items) {
        if (!(item instanceof String str)) {
          continue;
        }
        String raw = str.strip();
        boolean embed = raw.startsWith("!");
        String body = embed ? raw.substring(1) : raw;
        if (!body.startsWith("[[") || !body.endsWith("]]") || body.length() < 5) {
          continue;
        }
        String inner = body.substring(2, body.length() - 2);
        if (inner.indexOf('[') >= 0 || inner.indexOf(']') >= 0 || inner.indexOf('\n') >= 0) {
          continue;
        }
        int line = searchFrom;
        int col = -1;
        for (int i = searchFrom; i >= 0 && i < end; i++) {
          col = lines.get(i).indexOf(raw);
          if (col >= 0) {
            line = i;
            break;
          }
        }
        NoteLink link = wikilink(raw, embed, inner, line + 1,
            col < 0 ? 0 : column(lines.get(line), col));
        if (link != null) {
          links.add(link);
          if (col >= 0) {
            searchFrom = line;
          }
        }
      }
    }
  }

  /** Heading text without surrounding blanks and without a closing {@code ###} sequence. */
  private static String headingText(String s) {
    String t = s.strip();
    int end = t.length();
    while (end > 0 && t.charAt(end - 1) == '#') {
      end--;
    }
    if (end == t.length()) {
      return t;
    }
    if (end == 0) {
      return "";
    }
    char before = t.charAt(end - 1);
    return before == ' ' || before == '\t' ? t.substring(0, end).strip() : t;
  }

  private static NoteLink wikilink(String raw, boolean embed, String inner, int line, int column) {
    String target = inner;
    String alias = "";
    int bar = inner.indexOf('|');
    if (bar >= 0) {
      alias = inner.substring(bar + 1).strip();
      target = inner.substring(0, bar);
      if (target.endsWith("\\")) {
        target = target.substring(0, target.length() - 1); // [[Note\|alias]] inside a table
      }
    }
    String linkpath = target;
    String subpath = "";
    int hash = target.indexOf('#');
    if (hash >= 0) {
      linkpath = target.substring(0, hash);
      subpath = target.substring(hash + 1).strip();
    }
    linkpath = linkpath.strip();
    if (linkpath.isEmpty() && subpath.isEmpty()) {
      return null;
    }
    return new NoteLink(raw, linkpath, subpath, alias, null, line, embed, column);
  }

  private static NoteLink markdownLink(String raw, boolean embed, String text, String dest, int line,
      int column) {
    String d = dest.strip();
    if (d.isEmpty() || d.startsWith("//") || SCHEME.matcher(d).find()) {
      return null; // http:, https:, mailto:, obsidian: ... are not files of the vault
    }
    String linkpath = d;
    String subpath = "";
    int hash = d.indexOf('#');
    if (hash >= 0) {
      linkpath = d.substring(0, hash);
      subpath = percentDecode(d.substring(hash + 1)).strip();
    }
    int query = linkpath.indexOf('?');
    if (query >= 0) {
      linkpath = linkpath.substring(0, query);
    }
    linkpath = percentDecode(linkpath).strip();
    if (linkpath.isEmpty() && subpath.isEmpty()) {
      return null;
    }
    return new NoteLink(raw, linkpath, subpath, text.strip(), null, line, embed, column);
  }

  /** Decodes {@code %XX} escapes as UTF-8; a malformed escape stays as written ({@code +} is kept). */
  static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
        bytes.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
        i += 3;
        continue;
      }
      flush(bytes, out);
      out.append(c);
      i++;
    }
    flush(bytes, out);
    return out.toString();
  }

  private static void flush(ByteArrayOutputStream bytes, StringBuilder out) {
    if (bytes.size() > 0) {
      out.append(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
      bytes.reset();
    }
  }

  private static int hex(char c) {
    return Character.digit(c, 16);
  }

  private static void frontmatterTags(String path, Frontmatter fm, String key, Map<String, String> tags,
      List<Problem> problems) {
    if (!fm.values().containsKey(key)) {
      return;
    }
    Object v = fm.values().get(key);
    int line = fm.lineOf(key, 2);
    List<Object> items = new ArrayList<>();
    if (v instanceof Collection<?> c) {
      items.addAll(c);
    } else if (v != null) {
      items.add(v);
    }
    for (Object item : items) {
      if (item == null) {
        continue;
      }
      if (item instanceof Map<?, ?> || item instanceof Collection<?>) {
        problems.add(Problem.warning(path, line, 1, key,
            "frontmatter '" + key + "' holds a nested " + (item instanceof Map ? "mapping" : "list")
                + "; write tags as a list of words or a comma separated string"));
        continue;
      }
      for (String word : TAG_SEPARATORS.split(item.toString().strip())) {
        String tag = word.startsWith("#") ? word.substring(1) : word;
        if (tag.isEmpty()) {
          continue;
        }
        if (!TAG_BODY.matcher(tag).matches()) {
          problems.add(Problem.warning(path, line, 1, key,
              "frontmatter tag '" + tag + "' is not a valid tag (letters, digits, _, - and / only); rename it"));
        } else if (isNumeric(tag)) {
          problems.add(Problem.warning(path, line, 1, key,
              "frontmatter tag '" + tag + "' is purely numeric, which Obsidian does not accept as a tag;"
                  + " add a letter, e.g. 'y" + tag + "'"));
        } else {
          addTag(tag, tags);
        }
      }
    }
  }

  private static void addTag(String tag, Map<String, String> tags) {
    String t = tag;
    while (t.endsWith("/")) {
      t = t.substring(0, t.length() - 1);
    }
    if (t.isEmpty() || isNumeric(t)) {
      return;
    }
    tags.putIfAbsent(t.toLowerCase(Locale.ROOT), t);
  }

  private static boolean isNumeric(String tag) {
    return tag.chars().allMatch(Character::isDigit);
  }

  private static String title(String path, Frontmatter fm, List<Problem> problems) {
    Object t = fm.values().get("title");
    if (t instanceof String || t instanceof Number || t instanceof Boolean) {
      String s = t.toString().strip();
      if (!s.isEmpty()) {
        return s;
      }
    } else if (t != null) {
      problems.add(Problem.warning(path, fm.lineOf("title", 2), 1, "title",
          "frontmatter 'title' must be a single line of text; using the file name instead"));
    }
    return fileTitle(path);
  }

  /** The file name of {@code path} without its {@code .md} extension. */
  static String fileTitle(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    return name.toLowerCase(Locale.ROOT).endsWith(".md") ? name.substring(0, name.length() - 3) : name;
  }

  private static void splitLines(String s, List<String> lines, List<Integer> starts) {
    int start = 0;
    int i = 0;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (c == '\n' || c == '\r') {
        lines.add(s.substring(start, i));
        starts.add(start);
        if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
          i++;
        }
        start = i + 1;
      }
      i++;
    }
    if (start < s.length() || lines.isEmpty()) {
      lines.add(s.substring(start));
      starts.add(start);
    }
  }

  private static int column(String line, int index) {
    return line.codePointCount(0, index) + 1;
  }

  private static void blank(char[] chars, int from, int to) {
    for (int k = from; k < to && k < chars.length; k++) {
      chars[k] = ' ';
    }
  }
}
