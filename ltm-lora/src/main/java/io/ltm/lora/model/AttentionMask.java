package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The additive attention mask: 0 where a query may look, a large negative number where it may not.
 * Query column {@code i} (after {@code past} cached columns) sees key column {@code j} when
 * {@code j <= past + i} and both carry the same non-zero segment id; a padding query (segment 0) sees
 * only itself, so no row of the softmax is empty. See {@link DecoderInput}.
 */
final class AttentionMask {
  /** Added to masked scores; exp() of it underflows to exactly 0 in f32. */
  static final float MASKED = -1e30f;

  private AttentionMask() {}

  /**
   * Whether the mask {@link #build} gives is exactly causal over the new columns (query i sees keys 0..i):
   * nothing cached, and each row one non-zero segment (no packed sequences, no padding).
   */
  static boolean isPlainCausal(DecoderInput in, KvCache cache) {
    if (cache != null && cache.length() > 0) {
      return false;
    }
    int t = in.length();
    for (int r = 0; r < in.batch(); r++) {
      int first = in.segment(r * t);
      for (int i = 0; i < t; i++) {
        if (first == 0 || in.segment(r * t + i) != first) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * {@code [B, 1, 1, T, past + T]} in {@code scope}, broadcasting over kv heads and groups; null when
   * every query sees every key column (a single decode step without padding), so the add is skipped.
   */
  static NDArray build(NDManager scope, DecoderInput in, KvCache cache) {
    int b = in.batch();
    int t = in.length();
    int past = cache == null ? 0 : cache.length();
    int s = past + t;
    float[] mask = new float[b * t * s];
    boolean anyMasked = false;
    for (int r = 0; r < b; r++) {
      for (int i = 0; i < t; i++) {
        int qSeg = in.segment(r * t + i);
        int base = (r * t + i) * s;
        int self = past + i;
        for (int j = 0; j < s; j++) {
          boolean visible;
          if (j > self) {
            visible = false;
          } else if (qSeg == 0) {
            visible = j == self;
          } else {
            int kSeg = j < past ? cache.segment(r, j) : in.segment(r * t + (j - past));
            visible = kSeg == qSeg;
          }
          if (!visible) {
            mask[base + j] = MASKED;
            anyMasked = true;
          }
        }
      }
    }
    return anyMasked ? scope.create(mask, new Shape(b, 1, 1, t, s)) : null;
  }
}
