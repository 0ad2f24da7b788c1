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

  /** {@code [B, 1, 1, T, past + T]} in {@code scope}, broadcasting over kv heads and groups. */
  static NDArray build(NDManager scope, DecoderInput in, KvCache cache) {
    int b = in.batch();
    int t = in.length();
    int past = cache == null ? 0 : cache.length();
    int s = past + t;
    float[] mask = new float[b * t * s];
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
          mask[base + j] = visible ? 0f : MASKED;
        }
      }
    }
    return scope.create(mask, new Shape(b, 1, 1, t, s));
  }
}
