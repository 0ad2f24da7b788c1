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
 * inputs and seed give the same interval. NaN values are dropped first.
 */
public final class Bootstrap {
  /** Default number of resamples. */
  public static final int DEFAULT_RESAMPLES = 2000;
  /** Default seed. */
  public static final long DEFAULT_SEED = 20250101L;

  private Bootstrap() {}

  /**
   * A mean with its 95% interval.
   *
   * @param n values used
   * @param mean the sample mean
   * @param lower 2.5th percentile of the bootstrap means
   * @param upper 97.5th percentile of the bootstrap means
   */
  public record Interval(int n, double mean, double lower, double upper) {
    /** True when the interval contains 0 (a delta not distinguishable from none); true when empty. */
    public boolean includesZero() {
      return n == 0 || (lower <= 0 && upper >= 0);
    }
  }

  /** Interval of the mean of {@code values}. */
  public static Interval mean(double[] values, int resamples, long seed) {
    if (resamples < 1) {
      throw new IllegalArgumentException("resamples must be >= 1 but got " + resamples);
    }
    double[] v = Arrays.stream(values).filter(Double::isFinite).toArray();
    int n = v.length;
    if (n == 0) {
      return new Interval(0, Double.NaN, Double.NaN, Double.NaN);
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
    return new Interval(n, m, Percentiles.type7(means, 0.025), Percentiles.type7(means, 0.975));
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
    if (adapter.length != base.length) {
      throw new IllegalArgumentException("paired delta needs the same probes: " + adapter.length + " vs " + base.length + " values");
    }
    double[] d = new double[adapter.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = adapter[i] - base[i];
    }
    return mean(d, resamples, seed);
  }
}
