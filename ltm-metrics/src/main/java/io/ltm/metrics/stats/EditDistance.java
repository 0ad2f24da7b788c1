package io.ltm.metrics.stats;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Normalized token-level edit distance.
 *
 * <p>Definition: {@code d(a, b) = lev(a, b) / max(|a|, |b|)}, where {@code lev} is the Levenshtein
 * distance over token sequences (insertion, deletion and substitution of one token each cost 1) and
 * {@code |a|} the number of tokens; {@code d = 0} when both are empty. It lies in [0, 1]: 0 for equal
 * sequences, 1 when no token can be kept in place. Tokens compare by exact string equality.
 */
public final class EditDistance {
  private EditDistance() {}

  /** Levenshtein distance between two token sequences. O(|a|·|b|) time, O(min) memory. */
  public static int levenshtein(List<String> a, List<String> b) {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    Map<String, Integer> ids = new HashMap<>();
    int[] x = intern(a, ids);
    int[] y = intern(b, ids);
    if (x.length < y.length) {
      int[] t = x;
      x = y;
      y = t;
    }
    int m = y.length;
    int[] prev = new int[m + 1];
    int[] cur = new int[m + 1];
    for (int j = 0; j <= m; j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= x.length; i++) {
      cur[0] = i;
      int xi = x[i - 1];
      for (int j = 1; j <= m; j++) {
        int sub = prev[j - 1] + (xi == y[j - 1] ? 0 : 1);
        int del = prev[j] + 1;
        int ins = cur[j - 1] + 1;
        cur[j] = Math.min(sub, Math.min(del, ins));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[m];
  }

  private static int[] intern(List<String> tokens, Map<String, Integer> ids) {
    int[] out = new int[tokens.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = ids.computeIfAbsent(tokens.get(i), k -> ids.size());
    }
    return out;
  }

  /** {@code lev(a, b) / max(|a|, |b|)}, 0 when both are empty. */
  public static double normalized(List<String> a, List<String> b) {
    int n = Math.max(a.size(), b.size());
    return n == 0 ? 0.0 : (double) levenshtein(a, b) / n;
  }

  /** {@link #normalized} over the {@link Words} of two texts. */
  public static double normalizedWords(String a, String b) {
    return normalized(Words.split(a), Words.split(b));
  }
}
