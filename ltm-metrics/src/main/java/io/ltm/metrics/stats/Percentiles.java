package io.ltm.metrics.stats;

/** Percentiles of sorted samples. */
public final class Percentiles {
  private Percentiles() {}

  /**
   * The {@code q} quantile of ascending {@code sorted} by linear interpolation between order
   * statistics (R type 7, numpy's default): {@code h = q (n - 1)}, result {@code x[floor h] + (h -
   * floor h)(x[floor h + 1] - x[floor h])}.
   *
   * @throws IllegalArgumentException when {@code sorted} is empty or {@code q} is outside [0, 1]
   */
  public static double type7(double[] sorted, double q) {
    if (sorted.length == 0) {
      throw new IllegalArgumentException("no samples");
    }
    if (!(q >= 0 && q <= 1)) {
      throw new IllegalArgumentException("quantile must be in [0, 1] but got " + q);
    }
    double h = q * (sorted.length - 1);
    int lo = (int) Math.floor(h);
    int hi = Math.min(lo + 1, sorted.length - 1);
    return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
  }
}
