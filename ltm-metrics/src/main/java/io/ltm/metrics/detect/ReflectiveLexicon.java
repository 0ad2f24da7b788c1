package io.ltm.metrics.detect;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A lexicon of reflective words and phrases ("wait", "actually", "let me reconsider", "подожди", "на
 * самом деле", ...) and the counter of its hits in a text. Immutable and thread-safe.
 *
 * <p>Counting: case-insensitive, whole words only (a phrase must not be preceded or followed by a
 * letter or digit); phrases are tried longest first at each position and matches do not overlap, so
 * "let me check" counts once, not also as "check". Inner whitespace in a phrase matches any run of
 * whitespace. A phrase of class {@code wait} counts both as a hit and as a wait hit.
 *
 * <p>File format (UTF-8): one phrase per line, optionally {@code <TAB>wait}; {@code #} comments and
 * blank lines skipped. Shipped: {@code reflective-en.txt} and {@code reflective-ru.txt} beside this
 * class.
 */
public final class ReflectiveLexicon {
  /** The shipped English lexicon resource. */
  public static final String ENGLISH_RESOURCE = "/io/ltm/metrics/detect/reflective-en.txt";
  /** The shipped Russian lexicon resource. */
  public static final String RUSSIAN_RESOURCE = "/io/ltm/metrics/detect/reflective-ru.txt";

  private static volatile ReflectiveLexicon defaults;

  private final Map<String, Boolean> phrases; // lower-case phrase -> is a wait word
  private final Pattern pattern;

  /**
   * A lexicon of the given phrases.
   *
   * @param phrases phrase -> true when it is a "wait" word; at least one
   */
  public ReflectiveLexicon(Map<String, Boolean> phrases) {
    Map<String, Boolean> m = new LinkedHashMap<>();
    phrases.forEach((k, v) -> {
      String p = k.trim().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
      if (p.isEmpty()) {
        throw new IllegalArgumentException("lexicon phrase must not be blank");
      }
      m.merge(p, Boolean.TRUE.equals(v), (a, b) -> a || b);
    });
    if (m.isEmpty()) {
      throw new IllegalArgumentException("lexicon needs at least one phrase");
    }
    this.phrases = java.util.Collections.unmodifiableMap(m);
    List<String> sorted = new ArrayList<>(m.keySet());
    sorted.sort(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
    StringBuilder sb = new StringBuilder("(?<![\\p{L}\\p{N}])(?:");
    for (int i = 0; i < sorted.size(); i++) {
      if (i > 0) {
        sb.append('|');
      }
      String[] words = sorted.get(i).split("\\s+");
      for (int w = 0; w < words.length; w++) {
        if (w > 0) {
          sb.append("\\s+");
        }
        sb.append(Pattern.quote(words[w]));
      }
    }
    sb.append(")(?![\\p{L}\\p{N}])");
    this.pattern = Pattern.compile(sb.toString(), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }

  /** The shipped English and Russian lexicons together (loaded once). */
  public static ReflectiveLexicon defaults() {
    ReflectiveLexicon d = defaults;
    if (d == null) {
      synchronized (ReflectiveLexicon.class) {
        d = defaults;
        if (d == null) {
          Map<String, Boolean> m = new LinkedHashMap<>();
          for (String res : List.of(ENGLISH_RESOURCE, RUSSIAN_RESOURCE)) {
            try (InputStream in = ReflectiveLexicon.class.getResourceAsStream(res)) {
              if (in == null) {
                throw new IllegalStateException("resource " + res + " missing from the class path");
              }
              m.putAll(parse(new InputStreamReader(in, StandardCharsets.UTF_8), res));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
          d = new ReflectiveLexicon(m);
          defaults = d;
        }
      }
    }
    return d;
  }

  /** A lexicon from one or more files in the format above. */
  public static ReflectiveLexicon load(List<Path> files) throws IOException {
    Map<String, Boolean> m = new LinkedHashMap<>();
    for (Path f : files) {
      try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
        m.putAll(parse(r, f.toString()));
      }
    }
    return new ReflectiveLexicon(m);
  }

  /**
   * Parses a lexicon file.
   *
   * @throws IllegalArgumentException naming {@code source:line} for an unknown class
   */
  public static Map<String, Boolean> parse(Reader reader, String source) throws IOException {
    Map<String, Boolean> m = new LinkedHashMap<>();
    BufferedReader br = new BufferedReader(reader);
    String line;
    int no = 0;
    while ((line = br.readLine()) != null) {
      no++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] cols = line.split("\t");
      boolean wait = false;
      if (cols.length > 1 && !cols[1].isBlank()) {
        if (!cols[1].trim().equals("wait")) {
          throw new IllegalArgumentException(source + ":" + no + ": unknown class '" + cols[1].trim()
              + "'; the only class is 'wait' (leave it out for an ordinary reflective phrase)");
        }
        wait = true;
      }
      m.put(cols[0].trim(), wait);
    }
    return m;
  }

  /** The phrases (lower case) and whether each is a wait word. */
  public Map<String, Boolean> phrases() {
    return phrases;
  }

  /**
   * Counts hits in {@code text}. Works on the lower-cased text with whitespace runs collapsed to one
   * space, finding each phrase with {@link String#indexOf}, then keeps the leftmost, longest,
   * non-overlapping whole-word matches: the same count as {@link #countByRegex}, several times faster.
   */
  public Count count(String text) {
    Objects.requireNonNull(text, "text");
    String norm = normalize(text);
    if (norm == null) {
      return countByRegex(text);
    }
    List<long[]> found = new ArrayList<>();
    for (Map.Entry<String, Boolean> e : phrases.entrySet()) {
      String p = e.getKey();
      int from = 0;
      int at;
      while ((at = norm.indexOf(p, from)) >= 0) {
        int end = at + p.length();
        if ((at == 0 || !isWordChar(norm.charAt(at - 1))) && (end == norm.length() || !isWordChar(norm.charAt(end)))) {
          found.add(new long[] {at, end, e.getValue() ? 1 : 0});
        }
        from = at + 1;
      }
    }
    found.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(b[1], a[1]));
    int hits = 0;
    int waits = 0;
    long covered = -1;
    for (long[] f : found) {
      if (f[0] < covered) {
        continue;
      }
      hits++;
      waits += (int) f[2];
      covered = f[1];
    }
    return new Count(hits, waits);
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c);
  }

  /** Lower case with whitespace runs as one space; null when lower-casing changes the length of a char. */
  private static String normalize(String text) {
    StringBuilder sb = new StringBuilder(text.length());
    boolean space = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        if (!space) {
          sb.append(' ');
        }
        space = true;
        continue;
      }
      space = false;
      if (Character.isSurrogate(c)) {
        sb.append(c);
        continue;
      }
      String l = String.valueOf(c).toLowerCase(Locale.ROOT);
      if (l.length() != 1) {
        return null;
      }
      sb.append(l.charAt(0));
    }
    return sb.toString();
  }

  /** The reference count by one regular expression (longest phrase first at each position). */
  public Count countByRegex(String text) {
    Objects.requireNonNull(text, "text");
    Matcher m = pattern.matcher(text);
    int hits = 0;
    int waits = 0;
    while (m.find()) {
      hits++;
      String found = m.group().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
      if (Boolean.TRUE.equals(phrases.get(found))) {
        waits++;
      }
    }
    return new Count(hits, waits);
  }

  /**
   * Hits of a lexicon in one text.
   *
   * @param hits all lexicon hits, wait words included
   * @param waitHits hits of wait-class phrases alone
   */
  public record Count(int hits, int waitHits) {
    public Count {
      if (hits < 0 || waitHits < 0 || waitHits > hits) {
        throw new IllegalArgumentException("need 0 <= waitHits <= hits but got " + waitHits + ", " + hits);
      }
    }
  }
}
