package io.ltm.metrics.detect;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rule-based {@link BehaviourDetector}: a list of regular expressions, each match a span; spans that
 * overlap or touch are merged. Immutable and thread-safe.
 *
 * <p>Speed: where a pattern's syntax shows the literal strings its matches start with ({@link
 * LiteralPrefixes}), the detector finds those strings in the lower-cased text with {@link
 * String#indexOf} and tries the pattern only there ({@link Matcher#lookingAt} with transparent bounds,
 * so look-behinds still see the text before); other patterns scan the whole text with {@link
 * Matcher#find}. Both give a match wherever the pattern matches; at one start the longest of the
 * patterns' matches counts.
 */
public final class PatternDetector implements BehaviourDetector {
  /** Flags every pattern is compiled with: case-insensitive, Unicode case and character classes. */
  public static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS;

  private final Behaviour behaviour;
  private final List<Pattern> patterns;
  private final List<List<String>> prefixes; // per pattern, null = scan everywhere

  /** A detector for {@code behaviour} matching any of {@code patterns}. */
  public PatternDetector(Behaviour behaviour, List<Pattern> patterns) {
    this.behaviour = Objects.requireNonNull(behaviour, "behaviour");
    this.patterns = List.copyOf(patterns);
    if (this.patterns.isEmpty()) {
      throw new IllegalArgumentException("detector for " + behaviour.label() + " needs at least one pattern");
    }
    List<List<String>> px = new ArrayList<>();
    for (Pattern p : this.patterns) {
      List<String> l = LiteralPrefixes.of(p.pattern());
      px.add(l == null ? null : List.copyOf(l));
    }
    this.prefixes = Collections.unmodifiableList(px);
  }

  @Override
  public Behaviour behaviour() {
    return behaviour;
  }

  /** The patterns, in file order. */
  public List<Pattern> patterns() {
    return patterns;
  }

  @Override
  public List<Span> detect(String text) {
    Objects.requireNonNull(text, "text");
    int n = text.length();
    if (n == 0) {
      return List.of();
    }
    String lower = text.toLowerCase(Locale.ROOT);
    boolean indexable = lower.length() == n;
    int[] endAt = new int[n]; // longest match end per start, 0 = none
    BitSet starts = new BitSet(n);
    for (int k = 0; k < patterns.size(); k++) {
      Matcher m = patterns.get(k).matcher(text);
      List<String> px = prefixes.get(k);
      if (px == null || !indexable) {
        while (m.find()) {
          record(m.start(), m.end(), endAt, starts);
        }
        continue;
      }
      m.useTransparentBounds(true).useAnchoringBounds(false);
      for (String s : px) {
        int from = 0;
        int at;
        while ((at = lower.indexOf(s, from)) >= 0) {
          m.region(at, n);
          if (m.lookingAt()) {
            record(m.start(), m.end(), endAt, starts);
          }
          from = at + 1;
        }
      }
    }
    List<Span> out = new ArrayList<>(2);
    int lastStart = -1;
    int lastEnd = -1;
    for (int s = starts.nextSetBit(0); s >= 0; s = starts.nextSetBit(s + 1)) {
      int e = endAt[s];
      if (lastEnd >= 0 && s <= lastEnd) {
        lastEnd = Math.max(lastEnd, e);
      } else {
        if (lastEnd >= 0) {
          out.add(new Span(behaviour, lastStart, lastEnd));
        }
        lastStart = s;
        lastEnd = e;
      }
    }
    if (lastEnd >= 0) {
      out.add(new Span(behaviour, lastStart, lastEnd));
    }
    return out;
  }

  private static void record(int s, int e, int[] endAt, BitSet starts) {
    if (e > s) {
      starts.set(s);
      endAt[s] = Math.max(endAt[s], e);
    }
  }
}
