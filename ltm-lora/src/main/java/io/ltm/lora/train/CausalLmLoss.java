package io.ltm.lora.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The causal language-model loss as transformers computes it: logits at position {@code i} predict the
 * label at {@code i + 1}; labels equal to {@value #IGNORE_INDEX} are skipped; the loss is the mean negative
 * log-likelihood over the remaining label tokens. With packed sequences, a position never predicts the
 * first token of the next segment (segment ids differ), so segments stay independent. Stateless.
 */
public final class CausalLmLoss {

  /** The label value that is not predicted. */
  public static final int IGNORE_INDEX = -100;

  private CausalLmLoss() {}

  /**
   * The summed loss and the number of predicted tokens; divide the first by the second for the mean.
   *
   * @param sum summed negative log-likelihood, a scalar array (part of the autograd graph)
   * @param tokens how many label tokens were predicted
   */
  public record Sum(NDArray sum, long tokens) {}

  /**
   * Sums the negative log-likelihood of the shifted labels.
   *
   * @param logits (batch, seq, vocab) in any float type (computed in f32)
   * @param labels (batch, seq) int or long, {@value #IGNORE_INDEX} where not predicted, unshifted (the
   *     label of a position is that position's token)
   * @param segmentIds (batch, seq) or null; a position does not predict across a segment boundary
   * @return the sum over predicted tokens and their count
   */
  public static Sum sum(NDArray logits, NDArray labels, NDArray segmentIds) {
    long seq = logits.getShape().get(1);
    if (labels.getShape().get(1) != seq) {
      throw new IllegalArgumentException("labels " + labels.getShape() + " do not fit logits " + logits.getShape());
    }
    NDArray shiftLogits = logits.get(":, :-1, :"); // (batch, seq-1, vocab)
    if (shiftLogits.getDataType() != DataType.FLOAT32) {
      shiftLogits = shiftLogits.toType(DataType.FLOAT32, false);
    }
    NDArray targets = labels.get(":, 1:").toType(DataType.INT64, false); // (batch, seq-1)
    NDArray mask = targets.neq(IGNORE_INDEX);
    if (segmentIds != null) {
      NDArray same = segmentIds.get(":, 1:").eq(segmentIds.get(":, :-1"));
      mask = mask.logicalAnd(same);
    }
    NDArray safeTargets = targets.mul(mask.toType(DataType.INT64, false)); // -100 -> 0
    NDArray logp = shiftLogits.logSoftmax(-1);
    NDArray picked = logp.gather(safeTargets.expandDims(-1), -1).squeeze(-1); // (batch, seq-1)
    NDArray maskF = mask.toType(DataType.FLOAT32, false);
    NDArray nll = picked.mul(maskF).sum().neg();
    long count = (long) maskF.sum().getFloat();
    return new Sum(nll, count);
  }
}
