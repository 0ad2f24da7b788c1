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
 *
 * <p>Patterns run on the text with short quotations blanked ({@link QuotedText}): a cue that is quoted
 * is mentioned, not performed. Each pattern is strong or weak; {@link #strength} says which kind
 * matched, so a step classifier can let a decisive cue of one behaviour outweigh a merely suggestive
 * cue of another ({@link BehaviourDetectors#classify}).
 */
public final class PatternDetector implements BehaviourDetector {
  /** Flags every pattern is compiled with: case-insensitive, Unicode case and character classes. */
  public static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS;

  private final Behaviour behaviour;
  private final List<Pattern> patterns;
  private final List<List<String>> prefixes; // per pattern, null = scan everywhere
  private final BitSet weak; // pattern indices whose cue is only suggestive

  /** A detector for {@code behaviour} matching any of {@code patterns}, all strong. */
  public PatternDetector(Behaviour behaviour, List<Pattern> patterns) {
    this(behaviour, patterns, new BitSet());
  }

  /**
   * A detector for {@code behaviour} matching any of {@code patterns}; the patterns whose index is set
   * in {@code weak} are weak cues (see {@link #strength}).
   */
  public PatternDetector(Behaviour behaviour, List<Pattern> patterns, BitSet weak) {
    this.behaviour = Objects.requireNonNull(behaviour, "behaviour");
    this.patterns = List.copyOf(patterns);
    if (this.patterns.isEmpty()) {
      throw new IllegalArgumentException("detector for " + behaviour.label() + " needs at least one pattern");
    }
    this.weak = (BitSet) Objects.requireNonNull(weak, "weak").clone();
    if (this.weak.length() > this.patterns.size()) {
      throw new IllegalArgumentException("weak pattern index " + (this.weak.length() - 1) + " out of range");
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

  /** True when pattern {@code index} is a weak cue. */
  public boolean isWeak(int index) {
    return weak.get(index);
  }

  @Override
  public int strength(String text) {
    Objects.requireNonNull(text, "text");
    String masked = QuotedText.mask(text);
    int best = 0;
    for (int k = 0; k < patterns.size() && best < STRONG; k++) {
      int s = weak.get(k) ? WEAK : STRONG;
      if (s > best && patterns.get(k).matcher(masked).find()) {
        best = s;
      }
    }
    return best;
  }

  @Override
  public List<Span> detect(String text) {
    Objects.requireNonNull(text, "text");
    int n = text.length();
    if (n == 0) {
      return List.of();
    }
    text = QuotedText.mask(text);
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

  /**
   * The {@link #strength} of each of {@code ranges} of {@code text} (sorted, not overlapping), found in
   * one pass over the whole text: a range gets the strongest cue whose match starts inside it.
   * Look-behinds see the text before a range, as they do in {@link #detect}. Equals calling {@link
   * #strength} on each range's text, except for a cue whose look-behind or match crosses a range
   * boundary.
   */
  public int[] strengths(String text, List<Sentences.Range> ranges) {
    Objects.requireNonNull(text, "text");
    int[] out = new int[ranges.size()];
    int n = text.length();
    if (n == 0 || ranges.isEmpty()) {
      return out;
    }
    int[] starts = new int[ranges.size()];
    for (int i = 0; i < starts.length; i++) {
      starts[i] = ranges.get(i).start();
    }
    text = QuotedText.mask(text);
    String lower = text.toLowerCase(Locale.ROOT);
    boolean indexable = lower.length() == n;
    for (int k = 0; k < patterns.size(); k++) {
      int s = weak.get(k) ? WEAK : STRONG;
      Matcher m = patterns.get(k).matcher(text);
      List<String> px = prefixes.get(k);
      if (px == null || !indexable) {
        while (m.find()) {
          mark(m.start(), m.end(), s, starts, ranges, out);
        }
        continue;
      }
      m.useTransparentBounds(true).useAnchoringBounds(false);
      for (String p : px) {
        int from = 0;
        int at;
        while ((at = lower.indexOf(p, from)) >= 0) {
          m.region(at, n);
          if (m.lookingAt()) {
            mark(m.start(), m.end(), s, starts, ranges, out);
          }
          from = at + 1;
        }
      }
    }
    return out;
  }

  private static void mark(int start, int end, int s, int[] starts, List<Sentences.Range> ranges, int[] out) {
    if (end <= start) {
      return;
    }
    int i = java.util.Arrays.binarySearch(starts, start);
    if (i < 0) {
      i = -i - 2;
    }
    if (i >= 0 && start < ranges.get(i).end() && s > out[i]) {
      out[i] = s;
    }
  }

  private static void record(int s, int e, int[] endAt, BitSet starts) {
    if (e > s) {
      starts.set(s);
      endAt[s] = Math.max(endAt[s], e);
    }
  }
}
