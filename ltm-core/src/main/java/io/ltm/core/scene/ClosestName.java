package io.ltm.core.scene;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** Finds the closest of some known names to a misspelled one (Levenshtein distance). */
final class ClosestName {
  private ClosestName() {}

  /**
   * The known name nearest to {@code name}, if it is near enough to be a likely typo: at most a third
   * of the longer name's length away (and at least 1, at most 3 edits), compared case-insensitively.
   */
  static Optional<String> suggest(String name, Collection<String> known) {
    String n = name.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDist = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(n, k.toLowerCase(Locale.ROOT));
      if (d < bestDist) {
        bestDist = d;
        best = k;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    int allowed = Math.min(3, Math.max(1, Math.max(n.length(), best.length()) / 3));
    return bestDist <= allowed ? Optional.of(best) : Optional.empty();
  }

  /** Levenshtein edit distance (insert, delete, substitute), by code unit. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
