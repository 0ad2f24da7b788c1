package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;

/**
 * A linear map {@code [..., in] -> [..., out]} inside the decoder, registered under its Hugging Face
 * module name (e.g. {@code model.layers.3.self_attn.q_proj}). Every projection of the decoder goes
 * through this interface so that a LoRA wrapper can replace any of them with
 * {@link Decoder#replaceProjection}: the wrapper calls the frozen projection and adds its low-rank
 * update.
 *
 * <p>Contract: {@link #apply} takes and returns f32 arrays; the result lives in the input's
 * {@link ai.djl.ndarray.NDManager} (never in the weights' manager, which is capped); it is
 * differentiable with respect to its input (and to any trainable parameters of a wrapper).
 * Implementations are thread-safe when their parameters are not being updated.
 */
public interface Projection {

  /** The Hugging Face module name, e.g. {@code model.layers.0.mlp.down_proj}. */
  String name();

  /** Input features. */
  long inFeatures();

  /** Output features. */
  long outFeatures();

  /** {@code x [..., in]} (f32) to {@code [..., out]} (f32), in {@code x}'s manager. */
  NDArray apply(NDArray x);
}
