package io.ltm.studio;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A word-level diff of two texts (longest common subsequence over words and the white space between
 * them), for showing how a loop iteration rewrote the previous one. Texts longer than {@link
 * #MAX_CELLS} word pairs are shown as one deletion and one insertion. Stateless.
 */
final class WordDiff {
  /** Largest table (words of a times words of b) diffed word by word. */
  static final long MAX_CELLS = 4_000_000L;
  private static final Pattern TOKEN = Pattern.compile("\\s+|[^\\s]+");

  /** What happened to a stretch of text. */
  enum Op { SAME, DELETED, INSERTED }

  /** A stretch of text and what happened to it. */
  record Part(Op op, String text) {
    Part {
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(text, "text");
    }
  }

  private WordDiff() {}

  /** The parts that turn {@code a} into {@code b}, adjacent parts of one kind merged. */
  static List<Part> diff(String a, String b) {
    List<String> x = tokens(a);
    List<String> y = tokens(b);
    List<Part> out = new ArrayList<>();
    if ((long) x.size() * y.size() > MAX_CELLS) {
      add(out, Op.DELETED, a);
      add(out, Op.INSERTED, b);
      return out;
    }
    int n = x.size();
    int m = y.size();
    int[][] lcs = new int[n + 1][m + 1]; // lcs[i][j]: LCS length of x[i..] and y[j..]
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] = x.get(i).equals(y.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    int i = 0;
    int j = 0;
    while (i < n && j < m) {
      if (x.get(i).equals(y.get(j))) {
        add(out, Op.SAME, x.get(i++));
        j++;
      } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
        add(out, Op.DELETED, x.get(i++));
      } else {
        add(out, Op.INSERTED, y.get(j++));
      }
    }
    while (i < n) {
      add(out, Op.DELETED, x.get(i++));
    }
    while (j < m) {
      add(out, Op.INSERTED, y.get(j++));
    }
    return out;
  }

  private static List<String> tokens(String s) {
    List<String> t = new ArrayList<>();
    Matcher mt = TOKEN.matcher(s);
    while (mt.find()) {
      t.add(mt.group());
    }
    return t;
  }

  private static void add(List<Part> out, Op op, String text) {
    if (text.isEmpty()) {
      return;
    }
    if (!out.isEmpty() && out.get(out.size() - 1).op() == op) {
      Part last = out.remove(out.size() - 1);
      out.add(new Part(op, last.text() + text));
    } else {
      out.add(new Part(op, text));
    }
  }
}
