package io.ltm.metrics.stats;

import io.ltm.core.generate.GeneratedToken;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-token uncertainty of one generation.
 *
 * <p>Definitions, over the tokens whose entropy is known (finite; NaN entries are skipped): {@code
 * mean} is the arithmetic mean of the entropies (nats); {@code p90} the 90th percentile by linear
 * interpolation between order statistics (numpy's default, R type 7: with sorted {@code x[0..n-1]} and
 * {@code h = 0.9 (n - 1)}, {@code p90 = x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])}). A
 * <em>tension spike</em> is a maximal run of consecutive tokens whose entropy is strictly above the
 * threshold, at least {@code minLength} tokens long; a token of unknown entropy ends a run. Spikes are
 * located by token index. All statistics are NaN (and no spikes) when no entropy is known.
 *
 * @param known tokens with a finite entropy
 * @param mean mean entropy
 * @param p90 90th percentile of entropy
 * @param threshold the spike threshold used
 * @param spikes the spikes, in order
 */
public record Uncertainty(int known, double mean, double p90, double threshold, List<Spike> spikes) {
  /** Default spike threshold: 2.0 nats (about 7.4 equally likely next tokens). */
  public static final double DEFAULT_THRESHOLD = 2.0;

  public Uncertainty {
    spikes = List.copyOf(spikes);
  }

  /**
   * One run of high-entropy tokens.
   *
   * @param start index of its first token in the generation
   * @param length number of tokens
   * @param maxEntropy the highest entropy in the run
   */
  public record Spike(int start, int length, double maxEntropy) {}

  /** Uncertainty of {@code tokens} with the default threshold and runs of at least one token. */
  public static Uncertainty of(List<GeneratedToken> tokens) {
    return of(tokens, DEFAULT_THRESHOLD, 1);
  }

  /** Uncertainty of {@code tokens}; see the class comment. */
  public static Uncertainty of(List<GeneratedToken> tokens, double threshold, int minLength) {
    double[] e = new double[tokens.size()];
    for (int i = 0; i < e.length; i++) {
      e[i] = tokens.get(i).entropy();
    }
    return of(e, threshold, minLength);
  }

  /** Uncertainty of an array of per-token entropies (NaN for unknown); see the class comment. */
  public static Uncertainty of(double[] entropies, double threshold, int minLength) {
    if (!Double.isFinite(threshold)) {
      throw new IllegalArgumentException("threshold must be finite but got " + threshold);
    }
    if (minLength < 1) {
      throw new IllegalArgumentException("minLength must be >= 1 but got " + minLength);
    }
    double[] known = new double[entropies.length];
    int n = 0;
    double sum = 0;
    List<Spike> spikes = new ArrayList<>();
    int runStart = -1;
    double runMax = 0;
    for (int i = 0; i <= entropies.length; i++) {
      double v = i < entropies.length ? entropies[i] : Double.NaN;
      boolean fin = Double.isFinite(v);
      if (fin) {
        known[n++] = v;
        sum += v;
      }
      if (fin && v > threshold) {
        if (runStart < 0) {
          runStart = i;
          runMax = v;
        } else {
          runMax = Math.max(runMax, v);
        }
      } else if (runStart >= 0) {
        if (i - runStart >= minLength) {
          spikes.add(new Spike(runStart, i - runStart, runMax));
        }
        runStart = -1;
      }
    }
    if (n == 0) {
      return new Uncertainty(0, Double.NaN, Double.NaN, threshold, List.of());
    }
    double[] sorted = Arrays.copyOf(known, n);
    Arrays.sort(sorted);
    return new Uncertainty(n, sum / n, Percentiles.type7(sorted, 0.9), threshold, spikes);
  }
}
