package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;

/**
 * What every layer of one forward shares, built once per forward by {@link Decoder#context}: the
 * sizes, the additive attention mask and RoPE's cos/sin (plain for keys, scaled by {@code 1/sqrt(D)}
 * for queries, which pre-scales the attention scores). Immutable; its arrays live in the scope the
 * forward was given and must not be closed before the forward's last {@link Decoder#layer} call.
 */
public final class LayerContext {
  private final int batch;
  private final int length;
  private final int keys;
  private final NDArray mask;
  private final boolean plainCausal;
  private final NDArray cos;
  private final NDArray sin;
  private final NDArray cosQ;
  private final NDArray sinQ;

  LayerContext(int batch, int length, int keys, NDArray mask, boolean plainCausal, NDArray cos, NDArray sin,
      NDArray cosQ, NDArray sinQ) {
    this.batch = batch;
    this.length = length;
    this.keys = keys;
    this.mask = mask;
    this.plainCausal = plainCausal;
    this.cos = cos;
    this.sin = sin;
    this.cosQ = cosQ;
    this.sinQ = sinQ;
  }

  /** Rows B. */
  public int batch() {
    return batch;
  }

  /** New columns T of this forward. */
  public int length() {
    return length;
  }

  /** Key columns S: the cached columns plus T. */
  public int keys() {
    return keys;
  }

  /** {@code (B, 1, 1, T, S)}: 0 where a query sees a key, a large negative number where not; null when all are visible. */
  NDArray mask() {
    return mask;
  }

  /** Whether {@link #mask()} is exactly causal over the new columns: nothing cached, no packing, no padding. */
  boolean plainCausal() {
    return plainCausal;
  }

  /** {@code (B, 1, T, D)}: RoPE's cos, for keys. */
  NDArray cos() {
    return cos;
  }

  /** {@code (B, 1, T, D)}: RoPE's sin, for keys. */
  NDArray sin() {
    return sin;
  }

  /** {@code (B, 1, T, D)}: cos times {@code 1/sqrt(D)}, for queries. */
  NDArray cosQ() {
    return cosQ;
  }

  /** {@code (B, 1, T, D)}: sin times {@code 1/sqrt(D)}, for queries. */
  NDArray sinQ() {
    return sinQ;
  }
}
