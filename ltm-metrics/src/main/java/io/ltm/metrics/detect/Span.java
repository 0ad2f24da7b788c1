package io.ltm.metrics.detect;

import java.util.Objects;

/**
 * A stretch of text where a detector saw a behaviour: char offsets into the text it was given,
 * {@code [start, end)}, in UTF-16 units as {@link String#substring(int, int)} takes them.
 *
 * @param behaviour what was seen
 * @param start first char, inclusive
 * @param end last char, exclusive, greater than start
 */
public record Span(Behaviour behaviour, int start, int end) implements Comparable<Span> {
  public Span {
    Objects.requireNonNull(behaviour, "behaviour");
    if (start < 0 || end <= start) {
      throw new IllegalArgumentException("span needs 0 <= start < end but got [" + start + ", " + end + ")");
    }
  }

  /** The spanned text of {@code text}. */
  public String in(String text) {
    return text.substring(start, end);
  }

  @Override
  public int compareTo(Span o) {
    int c = Integer.compare(start, o.start);
    if (c != 0) {
      return c;
    }
    c = Integer.compare(end, o.end);
    return c != 0 ? c : behaviour.compareTo(o.behaviour);
  }
}
