package io.ltm.metrics.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Word tokens of a text, used where model tokens are not available: a word is a maximal run of letters,
 * digits, combining marks, apostrophes and hyphens inside a word (Unicode-aware, so Cyrillic and Latin
 * count alike), and every other non-space character is a token on its own (punctuation). Whitespace
 * separates. "Wait, I'm wrong." gives {@code [Wait, ",", I'm, wrong, "."]}.
 */
public final class Words {
  private Words() {}

  /** The word tokens of {@code text}. */
  public static List<String> split(String text) {
    Objects.requireNonNull(text, "text");
    List<String> out = new ArrayList<>();
    int n = text.length();
    int i = 0;
    while (i < n) {
      int cp = text.codePointAt(i);
      if (Character.isWhitespace(cp)) {
        i += Character.charCount(cp);
        continue;
      }
      int end = tokenEnd(text, i);
      out.add(text.substring(i, end));
      i = end;
    }
    return out;
  }

  /** The number of word tokens of {@code text} ({@code split(text).size()} without the list). */
  public static int count(String text) {
    Objects.requireNonNull(text, "text");
    int n = text.length();
    int i = 0;
    int count = 0;
    while (i < n) {
      int cp = text.codePointAt(i);
      if (Character.isWhitespace(cp)) {
        i += Character.charCount(cp);
        continue;
      }
      count++;
      i = tokenEnd(text, i);
    }
    return count;
  }

  /**
   * The end (exclusive) of the token that starts at {@code start}, a non-space character: a whole word
   * (with inner apostrophes and hyphens), or the one character when it is not a word character.
   */
  private static int tokenEnd(String text, int start) {
    int n = text.length();
    int cp = text.codePointAt(start);
    int i = start + Character.charCount(cp);
    if (!isWordChar(cp)) {
      return i;
    }
    while (i < n) {
      int c = text.codePointAt(i);
      if (isWordChar(c)) {
        i += Character.charCount(c);
      } else if ((c == '\'' || c == '’' || c == '-') && i + 1 < n && isWordChar(text.codePointAt(i + 1))) {
        i += 1;
      } else {
        break;
      }
    }
    return i;
  }

  private static boolean isWordChar(int cp) {
    return Character.isLetterOrDigit(cp) || Character.getType(cp) == Character.NON_SPACING_MARK;
  }
}
