package io.ltm.metrics.stats;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * A 95% interval of a grand mean over a crossed grid {@code d[seed][probe]}: every training seed was
 * run on the same probes, so a seed's luck is shared by all probes and a probe's difficulty by all
 * seeds.
 *
 * <p>Resample: each of {@code resamples} replicates draws the training seeds with replacement ({@code
 * S} draws) and, independently, the probes with replacement ({@code P} draws), and takes the mean of
 * {@code d} over the drawn seeds x drawn probes. Resampling both factors carries both sources of
 * variance (between probes and between training seeds) into the interval; for crossed random effects
 * it errs on the wide side (the interaction term is counted twice). With one seed it is the plain
 * bootstrap over probes.
 *
 * <p>Interval: the <em>expanded</em> percentile interval (Hesterberg, "What teachers should know about
 * the bootstrap", 2015, sec. 5.3): a percentile bootstrap over {@code P} units is too narrow at small
 * {@code P} (it cannot see past the sample's extremes and ignores the {@code n - 1}), so the tail
 * probability is shrunk to {@code alpha' = 2 Phi(-sqrt(P / (P - 1)) t(1 - alpha/2, P - 1))} and the
 * {@code alpha'/2} and {@code 1 - alpha'/2} quantiles (type 7) are taken. At 3 probes that reaches the
 * bootstrap's extremes, i.e. an honestly wide interval. Fewer than 2 probes: no interval. Seeded
 * {@link SplittableRandom}: the same grid and seed give the same interval. Stateless and thread-safe.
 */
public final class CrossedBootstrap {
  private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

  private CrossedBootstrap() {}

  /**
   * The interval of the mean of {@code grid} (rows: training seeds, columns: probes; every row the
   * same length, every value finite).
   *
   * @throws IllegalArgumentException when rows differ in length or a value is not finite
   */
  public static Interval of(double[][] grid, int resamples, long seed) {
    if (resamples < 1) {
      throw new IllegalArgumentException("resamples must be >= 1 but got " + resamples);
    }
    int s = grid.length;
    int p = s == 0 ? 0 : grid[0].length;
    double sum = 0;
    for (double[] row : grid) {
      if (row.length != p) {
        throw new IllegalArgumentException("every training seed needs the same probes: rows of " + p + " and " + row.length);
      }
      for (double v : row) {
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException("non-finite value " + v + " in the grid; report it instead of resampling it");
        }
        sum += v;
      }
    }
    if (s == 0 || p == 0) {
      return Interval.empty(Interval.Method.CROSSED_BOOTSTRAP);
    }
    double mean = sum / (s * (double) p);
    if (p < 2) {
      return new Interval(p, mean, Double.NaN, Double.NaN, 0, Interval.Method.CROSSED_BOOTSTRAP);
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] means = new double[resamples];
    int[] seeds = new int[s];
    int[] probes = new int[p];
    for (int b = 0; b < resamples; b++) {
      for (int i = 0; i < s; i++) {
        seeds[i] = rnd.nextInt(s);
      }
      for (int j = 0; j < p; j++) {
        probes[j] = rnd.nextInt(p);
      }
      double t = 0;
      for (int i : seeds) {
        double[] row = grid[i];
        for (int j : probes) {
          t += row[j];
        }
      }
      means[b] = t / (s * (double) p);
    }
    Arrays.sort(means);
    double tail = expandedTail(p, 1 - StudentT.CONFIDENCE) / 2;
    return new Interval(p, mean, Percentiles.type7(means, tail), Percentiles.type7(means, 1 - tail), 0,
        Interval.Method.CROSSED_BOOTSTRAP);
  }

  /** Hesterberg's expanded two-sided tail probability for {@code n} units at level {@code alpha}. */
  public static double expandedTail(int n, double alpha) {
    if (n < 2) {
      throw new IllegalArgumentException("need at least 2 units but got " + n);
    }
    double z = Math.sqrt(n / (n - 1.0)) * StudentT.quantile(1 - alpha / 2, n - 1);
    return 2 * NORMAL.cumulativeProbability(-z);
  }
}
