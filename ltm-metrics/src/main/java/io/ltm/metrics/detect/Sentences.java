package io.ltm.metrics.detect;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits reasoning text into sentences, as char ranges {@code [start, end)} of the text (leading and
 * trailing white space excluded). A sentence ends after a run of {@code . ! ? …} followed by white
 * space, at a line break, or at the end of the text; a full stop between digits ({@code 1.5}) does not
 * end one. Covers English and Russian prose and the line-per-thought style of model reasoning; it does
 * not know abbreviations ({@code e.g. this} splits after {@code e.g.}). Stateless and thread-safe.
 */
public final class Sentences {
  private Sentences() {}

  /** One sentence's range in the text it was split from. */
  public record Range(int start, int end) {
    public Range {
      if (start < 0 || end <= start) {
        throw new IllegalArgumentException("range needs 0 <= start < end but got [" + start + ", " + end + ")");
      }
    }

    /** The sentence's text. */
    public String in(String text) {
      return text.substring(start, end);
    }
  }

  /** The sentences of {@code text} in order; empty for blank text. */
  public static List<Range> split(String text) {
    List<Range> out = new ArrayList<>();
    int n = text.length();
    int start = 0;
    int i = 0;
    while (i < n) {
      char c = text.charAt(i);
      if (c == '\n') {
        add(text, start, i, out);
        start = i + 1;
      } else if (c == '.' || c == '!' || c == '?' || c == '…') {
        int j = i + 1;
        while (j < n && isTerminal(text.charAt(j))) {
          j++;
        }
        // closing quotes and brackets stay with the sentence
        while (j < n && isCloser(text.charAt(j))) {
          j++;
        }
        if (j >= n || Character.isWhitespace(text.charAt(j))) {
          add(text, start, j, out);
          start = j;
        }
        i = j;
        continue;
      }
      i++;
    }
    add(text, start, n, out);
    return out;
  }

  private static boolean isTerminal(char c) {
    return c == '.' || c == '!' || c == '?' || c == '…';
  }

  private static boolean isCloser(char c) {
    return c == '"' || c == '\'' || c == '»' || c == '”' || c == ')' || c == ']';
  }

  private static void add(String text, int start, int end, List<Range> out) {
    while (start < end && Character.isWhitespace(text.charAt(start))) {
      start++;
    }
    while (end > start && Character.isWhitespace(text.charAt(end - 1))) {
      end--;
    }
    if (end > start) {
      out.add(new Range(start, end));
    }
  }
}
