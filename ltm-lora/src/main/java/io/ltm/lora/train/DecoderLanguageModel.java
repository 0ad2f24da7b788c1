package io.ltm.lora.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.model.DecoderInput;

/**
 * The engine's decoder (with its LoRA adapters) as the trainer's {@link CausalLanguageModel}: the
 * batch's segment ids give block-diagonal causal attention, its position ids drive RoPE.
 */
public final class DecoderLanguageModel implements CausalLanguageModel {

  private final LoraModel model;

  /** @param model the base model with the trained adapter attached and selected */
  public DecoderLanguageModel(LoraModel model) {
    this.model = model;
  }

  /**
   * @param b a micro-batch
   * @return the decoder input with the same tokens, positions and segments
   */
  public static DecoderInput toDecoderInput(TrainingBatch b) {
    return new DecoderInput(b.rows(), b.length(), b.inputIds(), b.positionIds(), b.segmentIds());
  }

  @Override
  public NDArray logits(NDManager manager, TrainingBatch batch) {
    return model.logits(manager, toDecoderInput(batch));
  }
}
