package io.ltm.metrics.stats;

import java.util.Locale;
import java.util.Objects;

/**
 * A mean (or mean difference) with its 95% interval, and how the interval was made.
 *
 * <p>Non-finite values are never hidden: NaN values count as missing and are left out of {@code n};
 * infinite values (a {@code -inf} log-probability makes a perplexity {@code +inf}) are counted in
 * {@code nonFinite}, and then the mean is that infinity (NaN when both signs occur) and the bounds are
 * NaN, because no finite interval describes such a sample. Immutable.
 *
 * @param n finite values used
 * @param mean their mean (see above when {@code nonFinite > 0})
 * @param lower lower bound, NaN when it cannot be computed (too few values, non-finite values)
 * @param upper upper bound, likewise
 * @param nonFinite infinite values met (not used in the bounds)
 * @param method how the bounds were made
 */
public record Interval(int n, double mean, double lower, double upper, int nonFinite, Method method) {
  /** How an interval was computed. */
  public enum Method {
    /** Student t interval of the mean, {@code mean +- t(0.975, n-1) sd / sqrt(n)}; needs n >= 2. */
    STUDENT_T("t-interval"),
    /** Percentile bootstrap of the mean (under-covers at small n; kept for large samples). */
    BOOTSTRAP_PERCENTILE("percentile bootstrap"),
    /** Crossed bootstrap over probes and training seeds, expanded percentile (Hesterberg 2015). */
    CROSSED_BOOTSTRAP("crossed bootstrap over probes and seeds, expanded percentile");

    private final String label;

    Method(String label) {
      this.label = label;
    }

    /** A short human label. */
    public String label() {
      return label;
    }
  }

  public Interval {
    Objects.requireNonNull(method, "method");
    if (n < 0 || nonFinite < 0) {
      throw new IllegalArgumentException("counts must be >= 0 but got n=" + n + ", nonFinite=" + nonFinite);
    }
  }

  /** An interval with no values. */
  public static Interval empty(Method method) {
    return new Interval(0, Double.NaN, Double.NaN, Double.NaN, 0, method);
  }

  /** True when both bounds are known. */
  public boolean hasBounds() {
    return Double.isFinite(lower) && Double.isFinite(upper);
  }

  /**
   * True when the interval contains 0 (a difference not distinguishable from none); also true when
   * it has no bounds (nothing can be called).
   */
  public boolean includesZero() {
    return !hasBounds() || (lower <= 0 && upper >= 0);
  }

  /** {@code +1.23 [0.45, 2.01]}, {@code +inf (2 non-finite)} or {@code 0.50 (n=1, too few for an interval)}. */
  public String format(boolean signed) {
    String m = signed ? "%+.3g" : "%.3g";
    if (nonFinite > 0) {
      return String.format(Locale.ROOT, m, mean) + " (" + nonFinite + " non-finite value" + (nonFinite == 1 ? "" : "s") + ")";
    }
    if (n == 0) {
      return "n/a";
    }
    if (!hasBounds()) {
      return String.format(Locale.ROOT, m + " (n=%d, too few for an interval)", mean, n);
    }
    return String.format(Locale.ROOT, m + " [%.3g, %.3g]", mean + 0.0, lower + 0.0, upper + 0.0);
  }

  /**
   * Splits {@code values} into finite values (returned) and counts: NaN values are missing, infinite
   * ones are counted in {@code counts[1]}, their sum's sign in {@code counts[2]} (+1, -1, or 0 for
   * both).
   */
  static double[] finite(double[] values, int[] counts) {
    int pos = 0;
    int neg = 0;
    double[] out = new double[values.length];
    int k = 0;
    for (double v : values) {
      if (Double.isNaN(v)) {
        continue;
      }
      if (v == Double.POSITIVE_INFINITY) {
        pos++;
      } else if (v == Double.NEGATIVE_INFINITY) {
        neg++;
      } else {
        out[k++] = v;
      }
    }
    counts[0] = k;
    counts[1] = pos + neg;
    counts[2] = pos > 0 && neg > 0 ? 0 : pos > 0 ? 1 : -1;
    return java.util.Arrays.copyOf(out, k);
  }

  /** The interval for a sample with infinite values: mean the infinity, bounds NaN. */
  static Interval nonFinite(int n, int[] counts, Method method) {
    double mean = counts[2] == 0 ? Double.NaN : counts[2] > 0 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    return new Interval(n, mean, Double.NaN, Double.NaN, counts[1], method);
  }
}
