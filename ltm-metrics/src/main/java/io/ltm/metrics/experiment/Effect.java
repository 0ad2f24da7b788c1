package io.ltm.metrics.experiment;

import io.ltm.metrics.stats.Interval;
import io.ltm.metrics.stats.StudentT;

/**
 * One comparison of one metric (adapter vs base, adapter vs control, or control vs base), over the
 * probes every training seed has a value for. Immutable.
 *
 * @param interval the mean difference with its crossed-bootstrap interval over probes and seeds
 * @param test the paired t-test across probes (each probe's difference averaged over seeds)
 * @param adjustedP the p-value after the family's correction (Holm for primary, BH for exploratory);
 *     NaN when untested or descriptive
 * @param significant {@code adjustedP < alpha}, the interval excludes 0, and at least 3 probes (with
 *     fewer, differences that happen to be equal would give p = 0)
 * @param probesNeeded probes a paired t-test would need for 80% power at the family's level, for an
 *     effect of the size and spread seen ({@link Integer#MAX_VALUE} when nothing moved)
 * @param probes probes used
 * @param seeds training seeds used
 */
public record Effect(Interval interval, StudentT.Test test, double adjustedP, boolean significant, int probesNeeded,
    int probes, int seeds) {

  /** {@code +4.1 [1.2, 7.0]} (or why there is no interval). */
  public String format() {
    return interval.format(true);
  }

  Effect adjusted(double p, double alpha) {
    boolean sig = !Double.isNaN(p) && p < alpha && interval.hasBounds() && !interval.includesZero()
        && probes >= VerdictRules.MIN_PROBES;
    return new Effect(interval, test, p, sig, probesNeeded, probes, seeds);
  }
}
