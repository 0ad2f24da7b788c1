package io.ltm.core.vault;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Finds inline Markdown links {@code [text](destination "title")} and images {@code ![alt](dest)} in
 * one line, in linear time (a regular expression with nested brackets overflows the stack on long
 * lines). Brackets in the text nest; the destination is {@code <...>} or a run without spaces with
 * balanced parentheses, at most {@value #MAX_DESTINATION} characters.
 */
final class MarkdownLinkScanner {
  /** Longer destinations are not links (and scanning stays linear). */
  static final int MAX_DESTINATION = 2048;

  /**
   * One link: {@code [start, end)} in the line, {@code [textStart, textEnd)} the text between the
   * brackets, and the destination without title and angle brackets.
   */
  record Match(int start, int end, boolean embed, int textStart, int textEnd, String destination) {}

  private MarkdownLinkScanner() {}

  static List<Match> scan(String line) {
    if (line.indexOf("](") < 0) {
      return List.of();
    }
    int[] closing = matchBrackets(line);
    List<Match> found = new ArrayList<>();
    int i = 0;
    while (i < line.length()) {
      int close = line.charAt(i) == '[' ? closing[i] : -1;
      if (close < 0 || close + 1 >= line.length() || line.charAt(close + 1) != '(') {
        i++;
        continue;
      }
      int end = destinationEnd(line, close + 2);
      if (end < 0) {
        i++;
        continue;
      }
      boolean embed = i > 0 && line.charAt(i - 1) == '!' && (i < 2 || line.charAt(i - 2) != '\\');
      String dest = line.substring(close + 2, end - 1).strip();
      dest = stripTitle(dest);
      found.add(new Match(embed ? i - 1 : i, end, embed, i + 1, close, dest));
      i = end;
    }
    return found;
  }

  /** For each {@code [}, the index of its matching {@code ]} (or -1); backslash escapes are skipped. */
  private static int[] matchBrackets(String line) {
    int[] closing = new int[line.length()];
    Arrays.fill(closing, -1);
    Deque<Integer> open = new ArrayDeque<>();
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\') {
        i++;
      } else if (c == '[') {
        open.push(i);
      } else if (c == ']' && !open.isEmpty()) {
        closing[open.pop()] = i;
      }
    }
    return closing;
  }

  /** Index just past the {@code )} that closes a destination starting at {@code from}, or -1. */
  private static int destinationEnd(String line, int from) {
    int limit = Math.min(line.length(), from + MAX_DESTINATION);
    int i = from;
    while (i < limit && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
      i++;
    }
    if (i < limit && line.charAt(i) == '<') {
      int gt = line.indexOf('>', i);
      if (gt < 0 || gt >= limit) {
        return -1;
      }
      i = gt + 1;
    } else {
      int depth = 0;
      while (i < limit) {
        char c = line.charAt(i);
        if (c == '\\' && i + 1 < limit) {
          i += 2;
          continue;
        }
        if (c == ' ' || c == '\t' || c == '<' || c == '>') {
          break;
        }
        if (c == '(') {
          depth++;
        } else if (c == ')') {
          if (depth == 0) {
            return i + 1;
          }
          depth--;
        }
        i++;
      }
    }
    while (i < limit && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
      i++;
    }
    if (i < limit && (line.charAt(i) == '"' || line.charAt(i) == '\'')) {
      int q = line.indexOf(line.charAt(i), i + 1);
      if (q < 0 || q >= limit) {
        return -1;
      }
      i = q + 1;
      while (i < limit && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
        i++;
      }
    }
    return i < limit && line.charAt(i) == ')' ? i + 1 : -1;
  }

  /** The destination without a trailing {@code "title"} and without {@code <>}. */
  private static String stripTitle(String dest) {
    String d = dest;
    if (d.startsWith("<")) {
      int gt = d.indexOf('>');
      return gt < 0 ? d : d.substring(1, gt).strip();
    }
    int sp = indexOfBlank(d);
    return sp < 0 ? d : d.substring(0, sp);
  }

  private static int indexOfBlank(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == ' ' || s.charAt(i) == '\t') {
        return i;
      }
    }
    return -1;
  }
}
