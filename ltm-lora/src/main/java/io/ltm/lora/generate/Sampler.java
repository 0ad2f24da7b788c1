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
  /**
   * A chosen token with its log-probability and the entropy (nats) of the full distribution; {@code max} (the
   * largest logit) and {@code logZ} ({@code log sum exp(logit - max)}) let {@link #top} reuse the pass that
   * found them.
   */
  record Choice(int id, double logprob, double entropy, double max, double logZ) {}

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

    boolean[] penalized = repetitionPenalty != 1.0 ? seen : null; // ids whose logit the penalty changes
    int id;
    if (temperature == 0) {
      id = argmax(logits, offset, vocab, penalized);
    } else if (topK > 0 && topK < vocab) {
      id = sampleTopK(logits, offset, vocab, penalized);
    } else {
      id = sample(penalizedLogits(logits, offset, vocab, penalized));
    }
    double logprob = logits[offset + id] - max - logZ;
    return new Choice(id, logprob, entropy, max, logZ);
  }

  /**
   * The {@code n} most likely ids of {@code logits[offset, offset + vocab)} with their log-probabilities
   * under the full softmax (no temperature, no filters), most likely first, ties by lower id.
   */
  static java.util.List<TokenStep.Alternative> top(float[] logits, int offset, int vocab, int n) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      max = Math.max(max, logits[offset + i]);
    }
    double z = 0;
    for (int i = 0; i < vocab; i++) {
      z += Math.exp(logits[offset + i] - max);
    }
    return top(logits, offset, vocab, n, max, Math.log(z));
  }

  /**
   * As {@link #top(float[], int, int, int)} with the row's largest logit and {@code log sum exp(logit - max)}
   * already known (from {@link #next}'s {@link Choice}: the same numbers, summed the same way).
   */
  static java.util.List<TokenStep.Alternative> top(float[] logits, int offset, int vocab, int n, double max, double logZ) {
    n = Math.min(n, vocab);
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

  /** The logit of id {@code i} after the repetition penalty ({@code seen} null: no penalty). */
  private double penalized(float[] logits, int offset, int i, boolean[] seen) {
    double l = logits[offset + i];
    if (seen != null && seen[i]) {
      l = l > 0 ? l / repetitionPenalty : l * repetitionPenalty;
    }
    return l;
  }

  /** Every id's logit after the repetition penalty ({@code seen} null: no penalty). */
  double[] penalizedLogits(float[] logits, int offset, int vocab, boolean[] seen) {
    double[] w = new double[vocab];
    for (int i = 0; i < vocab; i++) {
      w[i] = penalized(logits, offset, i, seen);
    }
    return w;
  }

  /** The first id of the largest penalized logit. */
  private int argmax(float[] logits, int offset, int vocab, boolean[] seen) {
    int best = 0;
    double top = penalized(logits, offset, 0, seen);
    for (int i = 1; i < vocab; i++) {
      double l = penalized(logits, offset, i, seen);
      if (l > top) {
        top = l;
        best = i;
      }
    }
    return best;
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

  /**
   * As {@link #sample} with top-k on ({@code 0 < topK < vocab}), the same draw from the same numbers, without a
   * probability for every id: an id outside the top k by penalized logit can only enter the head that {@link
   * #mostLikelyFirst} sorts (by probability rounded to float, ties by id) when its probability rounds to the
   * k-th's, so only the ids whose logit lies within {@code 1e-6 * temperature} of the k-th largest or above
   * get one (their ratio to the k-th's is then above {@code exp(-1e-6)}, far closer than one float rounding).
   * Where the k-th probability rounds to a subnormal or zero float (ties below float's precision), the full
   * path decides. Measured on a 151936-id vocabulary (temperature 0.6, top-k 20, top-p 0.95; SamplerJmh):
   * see docs/engine.md "The sampler".
   */
  private int sampleTopK(float[] logits, int offset, int vocab, boolean[] seen) {
    // the k largest penalized logits in a min-heap (heap[0] the smallest of them), and the largest
    double[] heap = new double[topK];
    int size = 0;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < vocab; i++) {
      double l = penalized(logits, offset, i, seen);
      max = Math.max(max, l);
      if (size < topK) {
        int c = size++;
        while (c > 0 && heap[(c - 1) / 2] > l) { // sift up
          heap[c] = heap[(c - 1) / 2];
          c = (c - 1) / 2;
        }
        heap[c] = l;
      } else if (l > heap[0]) {
        int c = 0;
        while (true) { // sift down
          int child = 2 * c + 1;
          if (child >= topK) {
            break;
          }
          if (child + 1 < topK && heap[child + 1] < heap[child]) {
            child++;
          }
          if (heap[child] >= l) {
            break;
          }
          heap[c] = heap[child];
          c = child;
        }
        heap[c] = l;
      }
    }
    double kth = heap[0];
    double pk = Math.exp((kth - max) / temperature);
    if (!((float) pk >= Float.MIN_NORMAL)) { // also NaN logits
      return sample(penalizedLogits(logits, offset, vocab, seen));
    }
    double floor = kth - 1e-6 * temperature;
    int[] ids = new int[2 * topK + 16]; // candidate ids, ascending (so index ties break as id ties)
    double[] p = new double[ids.length]; // their probabilities, unnormalised, as sample computes them
    int count = 0;
    for (int i = 0; i < vocab; i++) {
      double l = penalized(logits, offset, i, seen);
      if (l >= floor) {
        if (count == ids.length) { // many ties at the k-th place
          ids = Arrays.copyOf(ids, 2 * count);
          p = Arrays.copyOf(p, 2 * count);
        }
        ids[count] = i;
        p[count++] = Math.exp((l - max) / temperature);
      }
    }
    p = Arrays.copyOf(p, count);
    int[] order = mostLikelyFirst(p, topK, 1.0);
    return ids[drawFromHead(p, order, topK, sum(p, order, topK))];
  }

  /**
   * A draw from every id's probability {@code exp((logit - max) / temperature)} under top-k and top-p, as in
   * Hugging Face's generate (the full path: {@link #sampleTopK} gives the same draws faster when top-k is on).
   */
  int sample(double[] logits) {
    int n = logits.length;
    double max = Double.NEGATIVE_INFINITY;
    for (double l : logits) {
      max = Math.max(max, l);
    }
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      p[i] = Math.exp((logits[i] - max) / temperature);
    }
    if (topK > 0 && topK < n) {
      int[] order = mostLikelyFirst(p, topK, 1.0);
      return drawFromHead(p, order, topK, sum(p, order, topK));
    }
    if (topP < 1.0) {
      double total = 0;
      for (double v : p) {
        total += v;
      }
      int[] order = mostLikelyFirst(p, 0, topP); // holds the whole prefix that reaches topP * total
      return drawFromHead(p, order, order.length, total);
    }
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

  /** {@code p[order[0]] + ... + p[order[keep - 1]]}, in that order. */
  private static double sum(double[] p, int[] order, int keep) {
    double total = 0;
    for (int i = 0; i < keep; i++) {
      total += p[order[i]];
    }
    return total;
  }

  /**
   * An index into {@code p} drawn from the head {@code order[0, keep)} (most likely first), cut first by top-p:
   * the shortest prefix whose mass reaches {@code topP * mass}.
   */
  private int drawFromHead(double[] p, int[] order, int keep, double mass) {
    if (topP < 1.0) {
      double acc = 0;
      int k = 0;
      while (k < keep) {
        acc += p[order[k]];
        k++;
        if (acc >= topP * mass) {
          break;
        }
      }
      keep = k;
    }
    double u = random.nextDouble() * sum(p, order, keep);
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
