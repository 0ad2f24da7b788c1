package io.ltm.metrics.stats;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.TDistribution;

/**
 * How many probes a paired t-test needs to see an effect of a given size.
 *
 * <p>For a two-sided one-sample t-test at level {@code alpha} on differences with mean {@code delta}
 * and standard deviation {@code sd}, {@link #probesNeeded} is the smallest {@code n >= 2} whose power
 * reaches {@code power}, with power approximated by the normal form of the noncentral t: {@code
 * Phi(|delta| sqrt(n) / sd - t(1 - alpha/2, n - 1))} (accurate to a few percent from n = 5; checked
 * against scipy's noncentral t by {@code ltm-metrics/src/test/python/experiment_reference.py}). The
 * estimate uses the observed effect and spread, so it says "about how many": an observed effect is
 * itself uncertain. Stateless and thread-safe.
 */
public final class Power {
  /** The power the estimates aim for. */
  public static final double DEFAULT_POWER = 0.8;
  /** Past this many probes the answer is reported as "more than". */
  public static final int MAX_PROBES = 100_000;

  private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

  private Power() {}

  /** Approximate power of the two-sided paired t-test with {@code n} probes. */
  public static double power(double delta, double sd, int n, double alpha) {
    if (n < 2) {
      return Double.NaN;
    }
    double crit = new TDistribution(null, n - 1).inverseCumulativeProbability(1 - alpha / 2);
    return NORMAL.cumulativeProbability(Math.abs(delta) * Math.sqrt(n) / sd - crit);
  }

  /**
   * Probes needed for {@code power}; {@link Integer#MAX_VALUE} when the effect is 0 (or not finite),
   * 2 when the differences do not vary.
   */
  public static int probesNeeded(double delta, double sd, double alpha, double power) {
    if (!(alpha > 0 && alpha < 1) || !(power > 0 && power < 1)) {
      throw new IllegalArgumentException("alpha and power must be in (0, 1) but got " + alpha + ", " + power);
    }
    if (!Double.isFinite(delta) || !Double.isFinite(sd) || delta == 0) {
      return Integer.MAX_VALUE;
    }
    if (sd == 0) {
      return 2;
    }
    int lo = 2;
    if (power(delta, sd, lo, alpha) >= power) {
      return lo;
    }
    int hi = 4;
    while (power(delta, sd, hi, alpha) < power) {
      if (hi >= MAX_PROBES) {
        return Integer.MAX_VALUE;
      }
      lo = hi;
      hi = Math.min(MAX_PROBES, hi * 2);
    }
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      if (power(delta, sd, mid, alpha) >= power) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }
}
