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

  /**
   * The {@code n} most likely ids of {@code logits[offset, offset + vocab)} with their log-probabilities
   * under the full softmax (no temperature, no filters), most likely first, ties by lower id.
   */
  static java.util.List<TokenStep.Alternative> top(float[] logits, int offset, int vocab, int n) {
    n = Math.min(n, vocab);
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, logits[offset + i]);
    }
    double z = 0;
    for (int i = 0; i < vocab; i++) {
      z += Math.exp(logits[offset + i] - max);
    }
    double logZ = Math.log(z);
    int[] best = new int[n]; // ids, most likely first
    int count = 0;
    for (int i = 0; i < vocab; i++) {
      float l = logits[offset + i];
      if (count == n && !(l > logits[offset + best[n - 1]])) {
        continue; // not above the n-th best (a tie keeps the lower id already held)
      }
      int at = count < n ? count++ : n - 1;
      while (at > 0 && l > logits[offset + best[at - 1]]) {
        best[at] = best[at - 1];
        at--;
      }
      best[at] = i;
    }
    java.util.List<TokenStep.Alternative> out = new java.util.ArrayList<>(count);
    for (int k = 0; k < count; k++) {
      out.add(new TokenStep.Alternative(best[k], logits[offset + best[k]] - max - logZ));
    }
    return out;
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
      order = mostLikelyFirst(p, topK, 1.0);
      keep = topK;
    }
    if (topP < 1.0) {
      double total = 0;
      if (order == null) {
        for (double v : p) {
          total += v;
        }
        order = mostLikelyFirst(p, 0, topP); // holds the whole prefix that reaches topP * total
        keep = order.length;
      } else {
        for (int i = 0; i < keep; i++) {
          total += p[order[i]];
        }
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

  /**
   * The head of the ids sorted by descending probability (ties by id) that top-k and top-p need: at
   * least {@code minCount} ids and at least {@code mass} of the total probability. Instead of sorting
   * the whole vocabulary (10 ms per token at 151936 ids) it lowers a threshold by halves until the
   * ids at or above it are enough, then sorts only those; every id left out is strictly less likely
   * (compared as float, like the sort keys) than every id kept, so the head equals that of a full sort.
   */
  static int[] mostLikelyFirst(double[] p, int minCount, double mass) {
    double total = 0;
    float max = 0;
    for (double v : p) {
      total += v;
      max = Math.max(max, (float) v);
    }
    float cut = max;
    int count;
    while (true) {
      count = 0;
      double acc = 0;
      for (double v : p) {
        if ((float) v >= cut) {
          count++;
          acc += v;
        }
      }
      // a little slack on the mass, so that the sorted prefix (summed in another order) surely fits
      if ((count >= minCount && (mass >= 1 || acc >= (mass + 1e-9) * total)) || cut == 0f) {
        break;
      }
      cut = cut < Float.MIN_NORMAL ? 0f : cut / 2;
    }
    long[] keys = new long[count];
    int j = 0;
    for (int i = 0; i < p.length; i++) {
      float f = (float) p[i];
      if (f >= cut) {
        // probabilities are >= 0, so their float bits sort like the values; invert for descending order
        long bits = Float.floatToIntBits(f);
        keys[j++] = ((0x7FFFFFFFL - bits) << 32) | i;
      }
    }
    Arrays.sort(keys);
    int[] order = new int[count];
    for (int i = 0; i < count; i++) {
      order[i] = (int) keys[i];
    }
    return order;
  }
}
