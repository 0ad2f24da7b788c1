package io.ltm.metrics.stats;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * Small-sample inference on a mean: the Student t interval and the one-sample (paired) t-test.
 *
 * <p>For paired data (adapter and base on the same probes) pass the per-probe differences: the
 * interval is then the t-interval on paired differences, which keeps its 95% coverage at 3–6 probes
 * when the differences are roughly normal, where a percentile bootstrap of the same values is too
 * narrow (its quantiles cannot reach past the sample's extremes). With one value there is no interval
 * and no test: {@link Interval#hasBounds()} is false and {@link Test#p()} is NaN. Distributions from
 * Apache Commons Math. Stateless and thread-safe.
 */
public final class StudentT {
  /** Two-sided confidence of the intervals. */
  public static final double CONFIDENCE = 0.95;

  private StudentT() {}

  /**
   * A one-sample t-test of {@code mean == 0}.
   *
   * @param n finite values used
   * @param mean their mean
   * @param sd their sample standard deviation (n - 1 denominator)
   * @param t the statistic {@code mean / (sd / sqrt(n))} (infinite when sd is 0 and mean is not)
   * @param df degrees of freedom, {@code n - 1}
   * @param p two-sided p-value; 1 when all values are 0, NaN when n < 2 or a value is infinite
   * @param nonFinite infinite values met
   */
  public record Test(int n, double mean, double sd, double t, int df, double p, int nonFinite) {}

  /** The 95% t-interval of the mean of {@code values}; see the class comment. */
  public static Interval interval(double[] values) {
    int[] c = new int[3];
    double[] v = Interval.finite(values, c);
    int n = v.length;
    if (c[1] > 0) {
      return Interval.nonFinite(n, c, Interval.Method.STUDENT_T);
    }
    if (n == 0) {
      return Interval.empty(Interval.Method.STUDENT_T);
    }
    double mean = mean(v);
    if (n < 2) {
      return new Interval(n, mean, Double.NaN, Double.NaN, 0, Interval.Method.STUDENT_T);
    }
    double half = quantile(0.5 + CONFIDENCE / 2, n - 1) * sd(v, mean) / Math.sqrt(n);
    return new Interval(n, mean, mean - half, mean + half, 0, Interval.Method.STUDENT_T);
  }

  /**
   * The t-interval of the paired differences {@code a_i - b_i}. Pairs with a NaN side are missing; a
   * pair with an infinite side is counted in {@link Interval#nonFinite()} (an infinite minus an
   * infinite has no sign: the mean is then NaN), never dropped.
   */
  public static Interval pairedInterval(double[] a, double[] b) {
    double[] d = differences(a, b);
    int infinite = 0;
    boolean undefined = false;
    int n = 0;
    int sign = 0;
    for (int i = 0; i < d.length; i++) {
      if (Double.isNaN(a[i]) || Double.isNaN(b[i])) {
        continue;
      }
      if (Double.isInfinite(a[i]) || Double.isInfinite(b[i])) {
        infinite++;
        if (Double.isNaN(d[i]) || (sign != 0 && sign != (int) Math.signum(d[i]))) {
          undefined = true;
        }
        sign = (int) Math.signum(d[i]);
      } else {
        n++;
      }
    }
    if (infinite > 0) {
      double mean = undefined ? Double.NaN : sign > 0 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
      return new Interval(n, mean, Double.NaN, Double.NaN, infinite, Interval.Method.STUDENT_T);
    }
    return interval(d);
  }

  /** The one-sample t-test of {@code values} (per-probe paired differences); see {@link Test}. */
  public static Test test(double[] values) {
    int[] c = new int[3];
    double[] v = Interval.finite(values, c);
    int n = v.length;
    double mean = n == 0 ? Double.NaN : mean(v);
    if (c[1] > 0 || n < 2) {
      return new Test(n, c[1] > 0 ? Interval.nonFinite(n, c, Interval.Method.STUDENT_T).mean() : mean,
          Double.NaN, Double.NaN, Math.max(n - 1, 0), Double.NaN, c[1]);
    }
    double sd = sd(v, mean);
    double t;
    double p;
    if (sd == 0) {
      t = mean == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, mean);
      p = mean == 0 ? 1 : 0;
    } else {
      t = mean / (sd / Math.sqrt(n));
      p = 2 * new TDistribution(null, n - 1).cumulativeProbability(-Math.abs(t));
    }
    return new Test(n, mean, sd, t, n - 1, p, 0);
  }

  /** The {@code q} quantile of Student's t with {@code df} degrees of freedom. */
  public static double quantile(double q, int df) {
    if (df < 1) {
      throw new IllegalArgumentException("degrees of freedom must be >= 1 but got " + df);
    }
    return new TDistribution(null, df).inverseCumulativeProbability(q);
  }

  /**
   * {@code a_i - b_i}.
   *
   * @throws IllegalArgumentException when the lengths differ
   */
  public static double[] differences(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("paired values need the same probes: " + a.length + " vs " + b.length + " values");
    }
    double[] d = new double[a.length];
    for (int i = 0; i < d.length; i++) {
      d[i] = a[i] - b[i];
    }
    return d;
  }

  static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  static double sd(double[] v, double mean) {
    double s = 0;
    for (double x : v) {
      s += (x - mean) * (x - mean);
    }
    return Math.sqrt(s / (v.length - 1));
  }
}
