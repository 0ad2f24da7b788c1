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
      int start = i;
      if (isWordChar(cp)) {
        i += Character.charCount(cp);
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
      } else {
        i += Character.charCount(cp);
      }
      out.add(text.substring(start, i));
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
      if (isWordChar(cp)) {
        i += Character.charCount(cp);
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
      } else {
        i += Character.charCount(cp);
      }
    }
    return count;
  }

  private static boolean isWordChar(int cp) {
    return Character.isLetterOrDigit(cp) || Character.getType(cp) == Character.NON_SPACING_MARK;
  }
}
