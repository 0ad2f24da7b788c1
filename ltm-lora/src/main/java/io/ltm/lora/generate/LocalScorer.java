package io.ltm.lora.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.ltm.core.generate.TokenScorer;
import io.ltm.lora.model.Autograd;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import java.util.List;

/**
 * Teacher-forced log-probabilities under a {@link LocalModel}: one forward over the ids, then
 * log-softmax and gather in chunks of {@value #CHUNK} positions so the full {@code [T, vocab]} logits
 * never exist at once. All native memory is scoped to the call. Thread-safe.
 */
public final class LocalScorer implements TokenScorer {
  static final int CHUNK = 256;

  private final LocalModel model;

  LocalScorer(LocalModel model) {
    this.model = model;
  }

  @Override
  public String modelName() {
    return model.name();
  }

  @Override
  public double[] logprobs(List<Integer> ids) {
    if (ids.size() < 2) {
      throw new IllegalArgumentException("scoring needs at least two ids but got " + ids.size());
    }
    int vocab = model.decoder().config().vocabSize();
    int[] arr = new int[ids.size()];
    for (int i = 0; i < arr.length; i++) {
      int id = ids.get(i);
      if (id < 0 || id >= vocab) {
        throw new IllegalArgumentException("id " + id + " at index " + i + " is outside the vocabulary [0, " + vocab + ")");
      }
      arr[i] = id;
    }
    return score(arr, null);
  }

  /**
   * Log-probabilities of {@code ids[i+1]} given {@code ids[0..i]} ({@code n - 1} values), and when
   * {@code entropies} is not null ({@code n - 1} long) the entropy of each of those distributions.
   */
  public double[] score(int[] ids, double[] entropies) {
    return Autograd.inference(() -> scoreUnrecorded(ids, entropies)); // no graph: the fused kernels may run
  }

  private double[] scoreUnrecorded(int[] ids, double[] entropies) {
    Decoder d = model.decoder();
    int n = ids.length;
    double[] out = new double[n - 1];
    try (NDManager scope = d.manager().newSubManager()) {
      NDArray hidden = d.hidden(scope, DecoderInput.of(ids), null); // (1, T, H)
      for (int from = 0; from < n - 1; from += CHUNK) {
        int to = Math.min(n - 1, from + CHUNK);
        try (NDManager chunk = scope.newSubManager()) {
          NDArray h = hidden.get(chunk, new NDIndex("0, {}:{}, :", from, to)); // (C, H)
          NDArray logp = d.logits(h).logSoftmax(-1); // (C, V)
          long[] next = new long[to - from];
          for (int i = from; i < to; i++) {
            next[i - from] = ids[i + 1];
          }
          float[] lp = logp.gather(chunk.create(next, new Shape(to - from, 1)), 1).toFloatArray();
          for (int i = 0; i < lp.length; i++) {
            out[from + i] = lp[i];
          }
          if (entropies != null) {
            float[] e = logp.exp().mul(logp).sum(new int[] {-1}).neg().toFloatArray();
            for (int i = 0; i < e.length; i++) {
              entropies[from + i] = e[i];
            }
          }
        }
      }
    }
    return out;
  }

  @Override
  public List<Integer> tokenize(String text) {
    int[] ids = model.tokenizer().encode(text);
    return java.util.Arrays.stream(ids).boxed().toList();
  }
}
