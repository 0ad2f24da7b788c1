package io.ltm.rag.index;

import io.ltm.core.vault.Heading;
import io.ltm.core.vault.Note;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Splits a note into {@link Chunk}s along its headings: a chunk never crosses a heading boundary, and
 * a section longer than {@link #maxTokens()} is split into windows of at most that many tokens that
 * overlap by about {@link #overlapTokens()}. Line ranges are file lines (frontmatter included in the
 * numbering). Sections with no text (a heading directly followed by a sub-heading) give no chunk.
 * Immutable and thread-safe; build one with {@link #builder()}.
 */
public final class Chunker {
  /** Default token budget of one chunk (all-MiniLM-L6-v2 reads 256 word pieces). */
  public static final int DEFAULT_MAX_TOKENS = 200;
  /** Default overlap between consecutive windows of a long section. */
  public static final int DEFAULT_OVERLAP_TOKENS = 32;

  private final int maxTokens;
  private final int overlapTokens;
  private final TokenCounter counter;

  private Chunker(Builder b) {
    this.maxTokens = b.maxTokens;
    this.overlapTokens = b.overlapTokens;
    this.counter = b.counter;
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A chunker with the defaults. */
  public static Chunker defaults() {
    return builder().build();
  }

  public int maxTokens() {
    return maxTokens;
  }

  public int overlapTokens() {
    return overlapTokens;
  }

  /** The chunks of {@code note} in file order. */
  public List<Chunk> chunk(Note note) {
    Objects.requireNonNull(note, "note");
    Map<String, List<String>> fields = flatten(note.frontmatter());
    Language lang = null;
    Object langField = note.frontmatter().get("lang");
    if (langField != null) {
      lang = Language.fromTag(langField.toString());
    }
    if (lang == null) {
      lang = Language.detect(note.body());
    }
    Map<Integer, Heading> headingAt = new HashMap<>();
    for (Heading h : note.headings()) {
      headingAt.put(h.line(), h);
    }
    String[] lines = note.body().split("\r?\n", -1);
    List<Chunk> out = new ArrayList<>();
    Deque<Heading> stack = new ArrayDeque<>();
    Section section = new Section(List.of(), 0);
    for (int i = 0; i < lines.length; i++) {
      int fileLine = note.bodyStartLine() + i;
      Heading h = headingAt.get(fileLine);
      if (h != null) {
        emit(note, section, fields, lang, out);
        while (!stack.isEmpty() && stack.peekLast().level() >= h.level()) {
          stack.removeLast();
        }
        stack.addLast(h);
        List<String> path = new ArrayList<>();
        for (Heading s : stack) {
          path.add(MarkdownText.displayText(s.text()).trim());
        }
        section = new Section(path, fileLine);
      } else {
        section.lines.add(new Line(MarkdownText.displayText(lines[i]), fileLine));
      }
    }
    emit(note, section, fields, lang, out);
    return out;
  }

  private record Line(String text, int line) {}

  private record Unit(String text, int line, int tokens, boolean sameLine) {}

  private static final class Section {
    final List<String> headingPath;
    final int headingLine; // 0 for the text before the first heading
    final List<Line> lines = new ArrayList<>();

    Section(List<String> headingPath, int headingLine) {
      this.headingPath = headingPath;
      this.headingLine = headingLine;
    }
  }

  private void emit(Note note, Section s, Map<String, List<String>> fields, Language lang, List<Chunk> out) {
    List<Unit> units = new ArrayList<>();
    for (Line l : s.lines) {
      int t = counter.count(l.text);
      if (t <= maxTokens) {
        units.add(new Unit(l.text, l.line, t, false));
      } else {
        boolean first = true;
        for (String w : l.text.trim().split("\\s+")) {
          units.add(new Unit(w, l.line, counter.count(w), !first));
          first = false;
        }
      }
    }
    int start = 0;
    boolean firstWindow = true;
    while (start < units.size()) {
      int end = start;
      int sum = 0;
      while (end < units.size() && (end == start || sum + units.get(end).tokens <= maxTokens)) {
        sum += units.get(end).tokens;
        end++;
      }
      addChunk(note, s, units.subList(start, end), firstWindow, fields, lang, out);
      firstWindow = false;
      if (end >= units.size()) {
        break;
      }
      int next = end;
      int overlap = 0;
      while (next > start + 1 && overlap + units.get(next - 1).tokens <= overlapTokens) {
        next--;
        overlap += units.get(next).tokens;
      }
      start = next;
    }
  }

  private void addChunk(Note note, Section s, List<Unit> window, boolean firstWindow,
      Map<String, List<String>> fields, Language lang, List<Chunk> out) {
    StringBuilder sb = new StringBuilder();
    int from = -1;
    int to = -1;
    for (Unit u : window) {
      if (sb.length() > 0) {
        sb.append(u.sameLine ? ' ' : '\n');
      }
      sb.append(u.text);
      if (!u.text.isBlank()) {
        if (from < 0) {
          from = u.line;
        }
        to = u.line;
      }
    }
    String text = sb.toString().strip();
    if (text.isEmpty()) {
      return;
    }
    if (firstWindow && s.headingLine > 0) {
      from = s.headingLine;
    }
    out.add(new Chunk(note.path(), out.size(), note.title(), s.headingPath, from, to, text, note.tags(), fields, lang));
  }

  /** Frontmatter as strings: scalars give one value, lists one per element, maps are left out. */
  static Map<String, List<String>> flatten(Map<String, Object> frontmatter) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    frontmatter.forEach((k, v) -> {
      if (v == null || v instanceof Map) {
        return;
      }
      List<String> vals = new ArrayList<>();
      if (v instanceof List<?> list) {
        for (Object o : list) {
          if (o != null && !(o instanceof Map) && !(o instanceof List)) {
            vals.add(o.toString());
          }
        }
      } else {
        vals.add(v.toString());
      }
      out.put(k, vals);
    });
    return out;
  }

  /** Builds a {@link Chunker}; the checks run in {@link #build()}. Not thread-safe. */
  public static final class Builder {
    private int maxTokens = DEFAULT_MAX_TOKENS;
    private int overlapTokens = DEFAULT_OVERLAP_TOKENS;
    private TokenCounter counter = TokenCounter.approximate();

    private Builder() {}

    /** Token budget of one chunk; default {@value Chunker#DEFAULT_MAX_TOKENS}. */
    public Builder maxTokens(int maxTokens) {
      this.maxTokens = maxTokens;
      return this;
    }

    /** Overlap between windows of a long section; default {@value Chunker#DEFAULT_OVERLAP_TOKENS}. */
    public Builder overlapTokens(int overlapTokens) {
      this.overlapTokens = overlapTokens;
      return this;
    }

    /** How tokens are counted; default {@link TokenCounter#approximate()}. */
    public Builder tokenCounter(TokenCounter counter) {
      this.counter = counter;
      return this;
    }

    /** The chunker; throws when the budget is not positive or the overlap not below it. */
    public Chunker build() {
      if (maxTokens < 8) {
        throw new IllegalArgumentException("maxTokens must be >= 8 but got " + maxTokens);
      }
      if (overlapTokens < 0 || overlapTokens >= maxTokens) {
        throw new IllegalArgumentException(
            "overlapTokens must be in [0, maxTokens=" + maxTokens + ") but got " + overlapTokens);
      }
      Objects.requireNonNull(counter, "tokenCounter");
      return new Chunker(this);
    }
  }
}
