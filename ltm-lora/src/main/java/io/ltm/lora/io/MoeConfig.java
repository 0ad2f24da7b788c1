package io.ltm.lora.io;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The mixture-of-experts part of a {@code qwen3_moe} {@code config.json}. Immutable; checked at birth.
 *
 * <p>Which layers are sparse follows transformers' {@code Qwen3MoeDecoderLayer}: layer {@code L} has
 * a sparse MoE block when {@code L} is not in {@code mlp_only_layers} and {@code (L + 1) %
 * decoder_sparse_step == 0}; the other layers keep a dense SwiGLU of {@code intermediate_size}.
 *
 * @param numExperts experts per sparse layer ({@code num_experts})
 * @param numExpertsPerTok experts each token is routed to ({@code num_experts_per_tok}, top-k)
 * @param moeIntermediateSize each expert's SwiGLU inner width ({@code moe_intermediate_size})
 * @param normTopkProb true when the top-k routing weights are renormalised to sum to 1 ({@code norm_topk_prob})
 * @param decoderSparseStep every how many layers a sparse block sits ({@code decoder_sparse_step}, 1 = all)
 * @param mlpOnlyLayers layers that stay dense ({@code mlp_only_layers})
 * @param routerAuxLossCoef weight of the load-balancing loss in training ({@code router_aux_loss_coef})
 */
public record MoeConfig(
    int numExperts,
    int numExpertsPerTok,
    int moeIntermediateSize,
    boolean normTopkProb,
    int decoderSparseStep,
    List<Integer> mlpOnlyLayers,
    double routerAuxLossCoef) {

  public MoeConfig {
    mlpOnlyLayers = List.copyOf(new TreeSet<>(mlpOnlyLayers == null ? List.of() : mlpOnlyLayers));
    if (numExperts < 1) {
      throw new IllegalArgumentException("field num_experts: must be >= 1 but got " + numExperts);
    }
    if (numExpertsPerTok < 1 || numExpertsPerTok > numExperts) {
      throw new IllegalArgumentException("field num_experts_per_tok: must be in [1, num_experts=" + numExperts
          + "] but got " + numExpertsPerTok);
    }
    if (moeIntermediateSize < 1) {
      throw new IllegalArgumentException("field moe_intermediate_size: must be >= 1 but got " + moeIntermediateSize);
    }
    if (decoderSparseStep < 1) {
      throw new IllegalArgumentException("field decoder_sparse_step: must be >= 1 but got " + decoderSparseStep);
    }
    for (int l : mlpOnlyLayers) {
      if (l < 0) {
        throw new IllegalArgumentException("field mlp_only_layers: layer indices must be >= 0 but got " + l);
      }
    }
    if (!(routerAuxLossCoef >= 0) || Double.isInfinite(routerAuxLossCoef)) {
      throw new IllegalArgumentException("field router_aux_loss_coef: must be a finite number >= 0 but got "
          + routerAuxLossCoef);
    }
  }

  /** True when decoder layer {@code layer} holds a sparse MoE block rather than a dense SwiGLU. */
  public boolean isSparse(int layer) {
    return !mlpOnlyLayers.contains(layer) && (layer + 1) % decoderSparseStep == 0;
  }

  /** The sparse layers among {@code numLayers}, ascending. */
  public Set<Integer> sparseLayers(int numLayers) {
    Set<Integer> s = new TreeSet<>();
    for (int l = 0; l < numLayers; l++) {
      if (isSparse(l)) {
        s.add(l);
      }
    }
    return s;
  }
}
