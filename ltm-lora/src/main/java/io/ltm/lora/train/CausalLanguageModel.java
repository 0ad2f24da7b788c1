package io.ltm.lora.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * What the trainer needs from a decoder: the logits of a batch, differentiable with respect to the
 * attached LoRA weights. Implemented over the engine's decoder by {@code DecoderLanguageModel}.
 */
@FunctionalInterface
public interface CausalLanguageModel {

  /**
   * Runs the forward pass with block-diagonal causal attention over the batch's segments.
   *
   * @param manager owns every array the pass creates (closed by the caller after backward)
   * @param batch the micro-batch
   * @return logits {@code (rows, length, vocab)}, f32
   */
  NDArray logits(NDManager manager, TrainingBatch batch);
}
