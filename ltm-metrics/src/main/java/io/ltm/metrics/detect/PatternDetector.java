package io.ltm.metrics.detect;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rule-based {@link BehaviourDetector}: a list of regular expressions, each match a span; spans that
 * overlap or touch are merged. Immutable and thread-safe.
 */
public final class PatternDetector implements BehaviourDetector {
  /** Flags every pattern is compiled with: case-insensitive, Unicode case and character classes. */
  public static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS;

  private final Behaviour behaviour;
  private final List<Pattern> patterns;
  private final Pattern combined;

  /** A detector for {@code behaviour} matching any of {@code patterns}. */
  public PatternDetector(Behaviour behaviour, List<Pattern> patterns) {
    this.behaviour = Objects.requireNonNull(behaviour, "behaviour");
    this.patterns = List.copyOf(patterns);
    if (this.patterns.isEmpty()) {
      throw new IllegalArgumentException("detector for " + behaviour.label() + " needs at least one pattern");
    }
    StringBuilder sb = new StringBuilder();
    for (Pattern p : this.patterns) {
      if (sb.length() > 0) {
        sb.append('|');
      }
      sb.append("(?:").append(p.pattern()).append(')');
    }
    this.combined = Pattern.compile(sb.toString(), FLAGS);
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
    List<Span> out = new ArrayList<>(2);
    Matcher m = combined.matcher(text);
    int lastStart = -1;
    int lastEnd = -1;
    while (m.find()) {
      int s = m.start();
      int e = m.end();
      if (e == s) {
        continue;
      }
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

  @Override
  public boolean fires(String text) {
    return combined.matcher(text).find();
  }
}
