package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The frozen tensors of a decoder, all owned by one model {@link ai.djl.ndarray.NDManager}.
 *
 * @param embedding {@code model.embed_tokens.weight [vocab, hidden]}
 * @param finalNorm {@code model.norm.weight [hidden]}
 * @param lmHead the logits projection: {@code lm_head.weight}, or the embedding when tied
 * @param layers per-layer norms, in layer order
 * @param projections every layer projection by HF module name (q/k/v/o, gate/up/down)
 * @param embeddingFormat how {@code embedding}'s elements are stored ({@link WeightFormat#BF16}: bf16 bits,
 *     read only through {@link WeightFormat#rows})
 */
public record DecoderWeights(
    NDArray embedding, NDArray finalNorm, LinearProjection lmHead, List<LayerNorms> layers,
    Map<String, LinearProjection> projections, WeightFormat embeddingFormat) {
  public DecoderWeights {
    Objects.requireNonNull(embedding, "embedding");
    Objects.requireNonNull(embeddingFormat, "embeddingFormat");
    embeddingFormat.check("embedding", embedding);
    Objects.requireNonNull(finalNorm, "finalNorm");
    Objects.requireNonNull(lmHead, "lmHead");
    layers = List.copyOf(layers);
    projections = Map.copyOf(projections);
  }

  /** Weights whose embedding's format is its NDArray's own type (f32, or f16). */
  public DecoderWeights(NDArray embedding, NDArray finalNorm, LinearProjection lmHead, List<LayerNorms> layers,
      Map<String, LinearProjection> projections) {
    this(embedding, finalNorm, lmHead, layers, projections, WeightFormat.of(embedding));
  }
}
