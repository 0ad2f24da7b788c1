package io.ltm.metrics.stats;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Adjusted p-values for a family of tests, so that "significant" means {@code adjusted < alpha}.
 *
 * <ul>
 *   <li>{@link #holm}: Holm's step-down (controls the family-wise error rate): sort ascending,
 *       {@code adj_(i) = max_{j<=i} min(1, (m - j + 1) p_(j))} (1-based ranks).
 *   <li>{@link #benjaminiHochberg}: Benjamini–Hochberg step-up (controls the false discovery rate):
 *       {@code adj_(i) = min_{j>=i} min(1, m p_(j) / j)}.
 * </ul>
 *
 * NaN p-values (tests that could not be run) stay NaN and are not counted in {@code m}. These match
 * R's {@code p.adjust(method = "holm" | "BH")}. Stateless and thread-safe.
 */
public final class MultipleComparisons {
  private MultipleComparisons() {}

  /** Holm-adjusted p-values, in input order. */
  public static double[] holm(double[] p) {
    Integer[] order = order(p);
    int m = order.length;
    double[] adj = nanArray(p.length);
    double run = 0;
    for (int i = 0; i < m; i++) {
      run = Math.max(run, Math.min(1, (m - i) * p[order[i]]));
      adj[order[i]] = run;
    }
    return adj;
  }

  /** Benjamini–Hochberg-adjusted p-values, in input order. */
  public static double[] benjaminiHochberg(double[] p) {
    Integer[] order = order(p);
    int m = order.length;
    double[] adj = nanArray(p.length);
    double run = 1;
    for (int i = m - 1; i >= 0; i--) {
      run = Math.min(run, Math.min(1, m * p[order[i]] / (i + 1)));
      adj[order[i]] = run;
    }
    return adj;
  }

  private static Integer[] order(double[] p) {
    for (double x : p) {
      if (!Double.isNaN(x) && !(x >= 0 && x <= 1)) {
        throw new IllegalArgumentException("p-values must be in [0, 1] but got " + x);
      }
    }
    return java.util.stream.IntStream.range(0, p.length).filter(i -> !Double.isNaN(p[i])).boxed()
        .sorted(Comparator.comparingDouble(i -> p[i])).toArray(Integer[]::new);
  }

  private static double[] nanArray(int n) {
    double[] a = new double[n];
    Arrays.fill(a, Double.NaN);
    return a;
  }
}
