package io.ltm.core.vault;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Blanks out code in Markdown lines so that nothing inside it counts as a heading, tag or link:
 * fenced code blocks (CommonMark: a line of three or more backticks or tildes, indented at most three
 * spaces, closed by a line of at least as many of the same character; an unclosed fence runs to the
 * end of the note) and inline code spans (a run of n backticks up to the next run of exactly n on the
 * same line). Masked characters become spaces, so columns keep their meaning.
 */
final class CodeMask {
  private static final Pattern FENCE_OPEN = Pattern.compile("^ {0,3}(`{3,}|~{3,})(.*)$");

  private CodeMask() {}

  /**
   * Masks {@code lines[from..]}: returns the masked lines (same length as {@code lines}, entries before
   * {@code from} null) and marks in {@code fenced} the lines that belong to a fenced block.
   */
  static String[] mask(List<String> lines, int from, boolean[] fenced) {
    String[] out = new String[lines.size()];
    char fenceChar = 0;
    int fenceLen = 0;
    for (int i = from; i < lines.size(); i++) {
      String line = lines.get(i);
      if (fenceChar != 0) {
        fenced[i] = true;
        out[i] = " ".repeat(line.length());
        if (closesFence(line, fenceChar, fenceLen)) {
          fenceChar = 0;
        }
        continue;
      }
      Matcher m = FENCE_OPEN.matcher(line);
      if (m.matches() && !(m.group(1).charAt(0) == '`' && m.group(2).indexOf('`') >= 0)) {
        fenceChar = m.group(1).charAt(0);
        fenceLen = m.group(1).length();
        fenced[i] = true;
        out[i] = " ".repeat(line.length());
        continue;
      }
      out[i] = maskInlineCode(line);
    }
    return out;
  }

  private static boolean closesFence(String line, char c, int minLen) {
    int i = 0;
    while (i < line.length() && i < 3 && line.charAt(i) == ' ') {
      i++;
    }
    int n = 0;
    while (i < line.length() && line.charAt(i) == c) {
      i++;
      n++;
    }
    return n >= minLen && line.substring(i).isBlank();
  }

  /** Replaces each inline code span (backticks included) with spaces. */
  static String maskInlineCode(String line) {
    if (line.indexOf('`') < 0) {
      return line;
    }
    char[] chars = line.toCharArray();
    int i = 0;
    while (i < chars.length) {
      if (chars[i] == '\\' && i + 1 < chars.length) {
        i += 2; // an escaped character, e.g. \` , never opens a span
        continue;
      }
      if (chars[i] != '`') {
        i++;
        continue;
      }
      int runStart = i;
      while (i < chars.length && chars[i] == '`') {
        i++;
      }
      int runLen = i - runStart;
      int close = findRun(chars, i, runLen);
      if (close < 0) {
        continue; // no closing run: the backticks are literal
      }
      for (int k = runStart; k < close + runLen; k++) {
        chars[k] = ' ';
      }
      i = close + runLen;
    }
    return new String(chars);
  }

  private static int findRun(char[] chars, int from, int len) {
    int i = from;
    while (i < chars.length) {
      if (chars[i] != '`') {
        i++;
        continue;
      }
      int start = i;
      while (i < chars.length && chars[i] == '`') {
        i++;
      }
      if (i - start == len) {
        return start;
      }
    }
    return -1;
  }
}
