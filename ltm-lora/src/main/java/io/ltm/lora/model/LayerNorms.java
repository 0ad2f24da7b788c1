package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;
import java.util.Objects;

/**
 * The normalisation weights of one decoder layer (its projections live in the decoder's projection
 * table, where LoRA can wrap them).
 *
 * @param input {@code input_layernorm.weight [hidden]}
 * @param postAttention {@code post_attention_layernorm.weight [hidden]}
 * @param q Qwen3's {@code self_attn.q_norm.weight [head_dim]}, null otherwise
 * @param k Qwen3's {@code self_attn.k_norm.weight [head_dim]}, null otherwise
 */
public record LayerNorms(NDArray input, NDArray postAttention, NDArray q, NDArray k) {
  public LayerNorms {
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(postAttention, "postAttention");
    if ((q == null) != (k == null)) {
      throw new IllegalArgumentException("q_norm and k_norm come together");
    }
  }
}
