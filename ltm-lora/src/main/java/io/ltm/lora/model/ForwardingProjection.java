package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * A projection that forwards every call to the one it wraps: the base for wrappers installed with
 * {@link Decoder#replaceProjection}, which override {@link #apply} (a LoRA update on top of the frozen
 * projection, for instance) and inherit the name and shape. As Guava's {@code Forwarding*} types.
 */
public abstract class ForwardingProjection implements Projection {
  private final Projection base;

  /** @param base the wrapped projection */
  protected ForwardingProjection(Projection base) {
    this.base = Objects.requireNonNull(base, "base");
  }

  /** The wrapped projection. */
  public Projection base() {
    return base;
  }

  @Override
  public String name() {
    return base.name();
  }

  @Override
  public long inFeatures() {
    return base.inFeatures();
  }

  @Override
  public long outFeatures() {
    return base.outFeatures();
  }

  /** The wrapped projection's output; override to change it. */
  @Override
  public NDArray apply(NDArray x) {
    return base.apply(x);
  }
}
