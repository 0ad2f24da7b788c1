package io.ltm.metrics.detect;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Works out, from a regular expression's syntax, a set of literal strings one of which every match
 * must start with (lower-cased), so a detector can find candidate positions with {@link
 * String#indexOf} and run the pattern only there, instead of at every character. Leading zero-width
 * assertions ({@code \b}, lookarounds) are skipped; literals, escaped punctuation and non-optional
 * groups of alternatives are expanded (at most {@value #MAX} strings). Anything it does not understand
 * gives null: the pattern then runs everywhere. Package-private helper of {@link PatternDetector}.
 */
final class LiteralPrefixes {
  static final int MAX = 64;

  private LiteralPrefixes() {}

  /** Non-empty lower-case prefixes, or null when they cannot be read off the syntax. */
  static List<String> of(String regex) {
    try {
      Set<String> out = new LinkedHashSet<>();
      for (String branch : splitTopLevel(regex)) {
        List<String> p = branch(branch, true);
        if (p == null) {
          return null;
        }
        for (String s : p) {
          if (s.isEmpty()) {
            return null;
          }
          out.add(s.toLowerCase(Locale.ROOT));
        }
      }
      return out.isEmpty() || out.size() > MAX ? null : new ArrayList<>(out);
    } catch (RuntimeException e) {
      return null;
    }
  }

  static List<String> splitTopLevel(String re) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    boolean inClass = false;
    int start = 0;
    for (int i = 0; i < re.length(); i++) {
      char c = re.charAt(i);
      if (c == '\\') {
        i++;
        continue;
      }
      if (inClass) {
        if (c == ']') {
          inClass = false;
        }
        continue;
      }
      if (c == '[') {
        inClass = true;
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == '|' && depth == 0) {
        parts.add(re.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(re.substring(start));
    return parts;
  }

  static int closeParen(String re, int open) {
    int depth = 0;
    boolean inClass = false;
    for (int i = open; i < re.length(); i++) {
      char c = re.charAt(i);
      if (c == '\\') {
        i++;
        continue;
      }
      if (inClass) {
        if (c == ']') {
          inClass = false;
        }
        continue;
      }
      if (c == '[') {
        inClass = true;
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
        if (depth == 0) {
          return i;
        }
      }
    }
    throw new IllegalArgumentException("unbalanced parentheses");
  }

  /** 0 none, 1 optional (?, *, {0,...}), 2 repeated at least once (+, {n...}). */
  private static int quantifier(String re, int i) {
    if (i >= re.length()) {
      return 0;
    }
    char q = re.charAt(i);
    if (q == '?' || q == '*' || re.startsWith("{0", i)) {
      return 1;
    }
    if (q == '+' || q == '{') {
      return 2;
    }
    return 0;
  }

  /**
   * The literal prefixes of one branch; {@code skipZeroWidth} only at the branch start. Returns the
   * strings collected up to the first construct that is not a plain literal.
   */
  private static List<String> branch(String re, boolean skipZeroWidth) {
    int i = 0;
    while (skipZeroWidth) {
      if (re.startsWith("\\b", i)) {
        i += 2;
      } else if (re.startsWith("(?<!", i) || re.startsWith("(?<=", i) || re.startsWith("(?!", i) || re.startsWith("(?=", i)) {
        i = closeParen(re, i) + 1;
      } else {
        break;
      }
    }
    List<String> acc = new ArrayList<>(List.of(""));
    while (i < re.length()) {
      char c = re.charAt(i);
      if (c == '(') {
        int close = closeParen(re, i);
        int gq = quantifier(re, close + 1);
        if (gq == 2) {
          return acc;
        }
        String inner = re.substring(i + 1, close);
        if (inner.startsWith("?:")) {
          inner = inner.substring(2);
        } else if (inner.startsWith("?")) {
          return acc;
        }
        List<String> alts = new ArrayList<>();
        boolean allComplete = true;
        for (String b : splitTopLevel(inner)) {
          List<String> p = branch(b, false);
          if (p == null) {
            return acc;
          }
          alts.addAll(p);
          if (!isPlainLiteral(b)) {
            allComplete = false;
          }
        }
        List<String> next = new ArrayList<>();
        for (String a : acc) {
          for (String b : alts) {
            next.add(a + b);
          }
        }
        if (gq == 1) {
          // optional group: its strings or nothing, then stop
          next.addAll(acc);
          return next.size() > MAX ? null : next;
        }
        if (next.size() > MAX) {
          return acc;
        }
        acc = next;
        if (!allComplete) {
          return acc;
        }
        i = close + 1;
        continue;
      }
      String lit;
      int len;
      if (c == '\\' && re.charAt(i + 1) == 'd' && quantifier(re, i + 2) != 1) {
        List<String> next = new ArrayList<>();
        for (String a : acc) {
          for (char d = '0'; d <= '9'; d++) {
            next.add(a + d);
          }
        }
        return next.size() > MAX ? null : next;
      }
      if (c == '\\') {
        char e = re.charAt(i + 1);
        if (Character.isLetterOrDigit(e)) {
          return acc;
        }
        lit = String.valueOf(e);
        len = 2;
      } else if ("[.^$|)*+?{".indexOf(c) >= 0) {
        return acc;
      } else {
        lit = String.valueOf(c);
        len = 1;
      }
      int q = quantifier(re, i + len);
      if (q == 1) {
        // optional literal: with it or without it, then stop
        List<String> next = new ArrayList<>(acc);
        for (String a : acc) {
          next.add(a + lit);
        }
        return next;
      }
      for (int k = 0; k < acc.size(); k++) {
        acc.set(k, acc.get(k) + lit);
      }
      if (q == 2) {
        return acc;
      }
      i += len;
    }
    return acc;
  }

  private static boolean isPlainLiteral(String re) {
    for (int i = 0; i < re.length(); i++) {
      char c = re.charAt(i);
      if (c == '\\') {
        if (i + 1 < re.length() && Character.isLetterOrDigit(re.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if ("[().^$|*+?{".indexOf(c) >= 0) {
        return false;
      }
    }
    return true;
  }
}
