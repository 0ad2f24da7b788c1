package io.ltm.metrics.stats;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Bootstrap confidence intervals of a mean and of a paired mean difference.
 *
 * <p>Method: draw {@code resamples} samples of size {@code n} with replacement from the values (for a
 * paired delta, from the per-probe differences {@code adapter_i - base_i}), take each sample's mean,
 * and report the 2.5th and 97.5th percentiles of those means ({@link Percentiles#type7}): the
 * percentile method. The generator is {@link SplittableRandom} seeded with {@code seed}, so the same
 * inputs and seed give the same interval. NaN values are missing and left out; infinite values are
 * counted and reported ({@link Interval#nonFinite()}), never resampled away.
 *
 * <p>The percentile method under-covers at small n (3–6 probes): {@link io.ltm.metrics.trace.MetricsSummary} uses {@link StudentT} intervals, and an experiment over
 * training seeds {@link CrossedBootstrap}.
 */
public final class Bootstrap {
  /** Default number of resamples. */
  public static final int DEFAULT_RESAMPLES = 2000;
  /** Default seed. */
  public static final long DEFAULT_SEED = 20250101L;

  private Bootstrap() {}

  /** Interval of the mean of {@code values}. */
  public static Interval mean(double[] values, int resamples, long seed) {
    if (resamples < 1) {
      throw new IllegalArgumentException("resamples must be >= 1 but got " + resamples);
    }
    int[] c = new int[3];
    double[] v = Interval.finite(values, c);
    int n = v.length;
    if (c[1] > 0) {
      return Interval.nonFinite(n, c, Interval.Method.BOOTSTRAP_PERCENTILE);
    }
    if (n == 0) {
      return Interval.empty(Interval.Method.BOOTSTRAP_PERCENTILE);
    }
    double m = 0;
    for (double x : v) {
      m += x;
    }
    m /= n;
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] means = new double[resamples];
    for (int b = 0; b < resamples; b++) {
      double s = 0;
      for (int i = 0; i < n; i++) {
        s += v[rnd.nextInt(n)];
      }
      means[b] = s / n;
    }
    Arrays.sort(means);
    return new Interval(n, m, Percentiles.type7(means, 0.025), Percentiles.type7(means, 0.975), 0,
        Interval.Method.BOOTSTRAP_PERCENTILE);
  }

  /** Interval of the mean of {@code values} with the defaults. */
  public static Interval mean(double[] values) {
    return mean(values, DEFAULT_RESAMPLES, DEFAULT_SEED);
  }

  /**
   * Interval of the paired delta {@code mean(adapter_i - base_i)}; pairs with a NaN side are dropped.
   *
   * @throws IllegalArgumentException when the arrays differ in length
   */
  public static Interval pairedDelta(double[] adapter, double[] base, int resamples, long seed) {
    return mean(StudentT.differences(adapter, base), resamples, seed);
  }
}
