package io.ltm.lora.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses the next token from one row of logits, and measures the model's own distribution there.
 *
 * <p>Order, as in Hugging Face's generate: the log-probability and entropy are taken from the raw
 * logits (the model's distribution); then repetition penalty (a seen token's logit is divided by the
 * penalty when positive, multiplied when negative), then greedy argmax when temperature is 0, else
 * logits / temperature, top-k, top-p (the smallest set of most likely tokens whose probability
 * reaches p) and a draw from a {@link SplittableRandom} seeded once per row. Not thread-safe.
 */
final class Sampler {
  /** A chosen token with its log-probability and the entropy (nats) of the full distribution. */
  record Choice(int id, double logprob, double entropy) {}

  private final double temperature;
  private final int topK;
  private final double topP;
  private final double repetitionPenalty;
  private final SplittableRandom random;

  Sampler(double temperature, int topK, double topP, double repetitionPenalty, long seed) {
    this.temperature = temperature;
    this.topK = topK;
    this.topP = topP;
    this.repetitionPenalty = repetitionPenalty;
    this.random = new SplittableRandom(seed);
  }

  /**
   * The next token from {@code logits[offset, offset + vocab)}; {@code seen[id]} marks ids in the
   * prompt and output so far (for the repetition penalty). {@code logits} is not modified.
   */
  Choice next(float[] logits, int offset, int vocab, boolean[] seen) {
    // the model's own distribution: log Z, entropy = log Z - sum p * l
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, logits[offset + i]);
    }
    double z = 0;
    double pl = 0;
    for (int i = 0; i < vocab; i++) {
      double l = logits[offset + i] - max;
      double e = Math.exp(l);
      z += e;
      pl += e * l;
    }
    double logZ = Math.log(z);
    double entropy = logZ - pl / z;

    double[] work = new double[vocab];
    for (int i = 0; i < vocab; i++) {
      double l = logits[offset + i];
      if (repetitionPenalty != 1.0 && seen != null && seen[i]) {
        l = l > 0 ? l / repetitionPenalty : l * repetitionPenalty;
      }
      work[i] = l;
    }
    int id;
    if (temperature == 0) {
      id = argmax(work);
    } else {
      id = sample(work);
    }
    double logprob = logits[offset + id] - max - logZ;
    return new Choice(id, logprob, entropy);
  }

  private static int argmax(double[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  private int sample(double[] logits) {
    int n = logits.length;
    double max = Double.NEGATIVE_INFINITY;
    for (double l : logits) {
      max = Math.max(max, l);
    }
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      p[i] = Math.exp((logits[i] - max) / temperature);
    }
    int[] order = null; // candidate ids, most likely first, when a filter needs them
    int keep = n;
    if (topK > 0 && topK < n) {
      order = sortedByProbability(p);
      keep = topK;
    }
    if (topP < 1.0) {
      if (order == null) {
        order = sortedByProbability(p);
      }
      double total = 0;
      for (int i = 0; i < keep; i++) {
        total += p[order[i]];
      }
      double acc = 0;
      int k = 0;
      while (k < keep) {
        acc += p[order[k]];
        k++;
        if (acc >= topP * total) {
          break;
        }
      }
      keep = k;
    }
    if (order == null) {
      double total = 0;
      for (double v : p) {
        total += v;
      }
      double u = random.nextDouble() * total;
      for (int i = 0; i < n; i++) {
        u -= p[i];
        if (u < 0) {
          return i;
        }
      }
      return argmax(logits);
    }
    double total = 0;
    for (int i = 0; i < keep; i++) {
      total += p[order[i]];
    }
    double u = random.nextDouble() * total;
    for (int i = 0; i < keep; i++) {
      u -= p[order[i]];
      if (u < 0) {
        return order[i];
      }
    }
    return order[0];
  }

  /** Ids by descending probability (ties by id), using one primitive sort of packed keys. */
  private static int[] sortedByProbability(double[] p) {
    long[] keys = new long[p.length];
    for (int i = 0; i < p.length; i++) {
      // probabilities are >= 0, so their float bits sort like the values; invert for descending order
      long bits = Float.floatToIntBits((float) p[i]);
      keys[i] = ((0x7FFFFFFFL - bits) << 32) | i;
    }
    Arrays.sort(keys);
    int[] order = new int[p.length];
    for (int i = 0; i < p.length; i++) {
      order[i] = (int) keys[i];
    }
    return order;
  }
}
