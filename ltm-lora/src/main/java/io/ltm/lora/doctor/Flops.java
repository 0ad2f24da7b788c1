package io.ltm.lora.doctor;

import io.ltm.lora.io.ModelConfig;

/**
 * Matmul FLOPs per token of a decoder, as the benchmarks count them: 2 per weight of every projection a
 * token passes (the routed experts only, for a mixture of experts) and the head, plus attention's scores
 * and values over the full {@code T x T} square. Training counts the forward and the activation gradients
 * (4 per weight; frozen weights get no weight gradient) and three times the attention.
 */
public final class Flops {
  private Flops() {}

  /** Weights a token multiplies by: the active parameters less the embedding's lookup table when untied. */
  static long matmulWeights(ModelConfig c) {
    long emb = (long) c.vocabSize() * c.hiddenSize();
    // activeParameterCount counts the embedding once (tied) or twice (untied); the lookup is no matmul
    return c.activeParameterCount() - (c.tieWordEmbeddings() ? 0 : emb);
  }

  /** Forward FLOPs per token at sequence length {@code t}. */
  public static double prefillPerToken(ModelConfig c, int t) {
    double attention = 4.0 * c.numLayers() * t * c.numHeads() * c.headDim();
    return 2.0 * matmulWeights(c) + attention;
  }

  /** Forward + activation-backward FLOPs per token of a LoRA training step at sequence length {@code t}. */
  public static double trainPerToken(ModelConfig c, int t) {
    double attention = 12.0 * c.numLayers() * t * c.numHeads() * c.headDim();
    return 4.0 * matmulWeights(c) + attention;
  }
}
