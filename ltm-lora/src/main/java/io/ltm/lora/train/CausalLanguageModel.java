package io.ltm.lora.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.ltm.lora.model.GraphScalar;

/**
 * What the trainer needs from a decoder: the logits of a batch, differentiable with respect to the
 * attached LoRA weights, and one forward-backward pass. Implemented over the engine's decoder by
 * {@link DecoderLanguageModel} (plain autograd) and {@link RecomputingDecoderModel} (gradient
 * checkpointing).
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

  /**
   * Forward and backward of {@code sum NLL(batch) / denominator}, accumulating the gradients of the
   * trainable weights. The default records the whole forward under one {@link ThreadGradientCollector}, so
   * data-parallel replicas may call it on several threads at once; an implementation used with replicas
   * must be safe to call concurrently on distinct models (DJL's own collector is not: one per JVM).
   *
   * @param manager owns every array the pass creates
   * @param batch the micro-batch
   * @param denominator the number of predicted tokens of the whole optimizer step
   * @return the summed NLL of this micro-batch (not divided)
   */
  default double forwardBackward(NDManager manager, TrainingBatch batch, float denominator) {
    try (GradientCollector gc = new ThreadGradientCollector()) {
      NDArray logits = logits(manager, batch);
      CausalLmLoss.Sum sum = CausalLmLoss.sum(logits, labels(manager, batch), segments(manager, batch));
      float value = sum.sum().getFloat();
      if (Float.isFinite(value)) {
        gc.backward(sum.sum().div(GraphScalar.of(manager, denominator))); // not div(float): see GraphScalar
      }
      return value;
    }
  }

  /** @param m manager @param b batch @return the labels as a (rows, length) array */
  static NDArray labels(NDManager m, TrainingBatch b) {
    return m.create(b.labels(), new Shape(b.rows(), b.length()));
  }

  /** @param m manager @param b batch @return the segment ids as a (rows, length) array */
  static NDArray segments(NDManager m, TrainingBatch b) {
    return m.create(b.segmentIds(), new Shape(b.rows(), b.length()));
  }
}
