package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * Implemented by a {@link ForwardingProjection} whose output is its base's plus a low-rank update,
 * {@code y = base(x) + scale * (x A^T) B^T} (LoRA), so that the one-row decoder can run it in Java: the
 * base through the Java GEMV, the update as two small products over {@code A} and {@code B}'s own memory.
 * A wrapper that does not implement it sends a decode step back to the libtorch path.
 */
public interface LowRankUpdate {

  /**
   * What {@link Projection#apply} would add to the base's output if called now on this thread (the
   * adapter this thread has selected, for instance): {@link LowRank#NONE} when nothing, or null when the
   * update is not a plain low-rank product (dropout in training mode): the step then runs in libtorch.
   *
   * @throws IllegalStateException where {@code apply} would throw too (e.g. a merged adapter while
   *     another is selected)
   */
  LowRank lowRank();

  /**
   * A low-rank update {@code scale * B A}.
   *
   * @param a {@code [r, in]} f32 on the CPU, or null for {@link #NONE}
   * @param b {@code [out, r]} f32 on the CPU, or null for {@link #NONE}
   * @param scale the factor applied to the product
   */
  record LowRank(NDArray a, NDArray b, float scale) {
    /** No update: the base's output as is. */
    public static final LowRank NONE = new LowRank(null, null, 0f);

    public LowRank {
      if ((a == null) != (b == null)) {
        throw new IllegalArgumentException("A and B come together");
      }
      if (a != null && (a.getShape().dimension() != 2 || b.getShape().dimension() != 2
          || a.getShape().get(0) != b.getShape().get(1))) {
        throw new IllegalArgumentException("A " + a.getShape() + " and B " + b.getShape() + " must be [r, in] and [out, r]");
      }
    }

    /** Whether this is {@link #NONE}. */
    public boolean isNone() {
      return a == null;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof LowRank l && l.a == a && l.b == b && l.scale == scale;
    }

    @Override
    public int hashCode() {
      return Objects.hash(System.identityHashCode(a), System.identityHashCode(b), scale);
    }
  }
}
