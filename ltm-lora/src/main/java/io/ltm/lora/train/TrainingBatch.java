package io.ltm.lora.train;

import io.ltm.dataset.token.TokenBatch;
import io.ltm.dataset.token.TokenSequence;
import java.nio.IntBuffer;
import java.util.List;

/**
 * One micro-batch as row-major {@code (rows, length)} int arrays: input ids, labels (unshifted, -100
 * where not predicted), RoPE positions and segment ids (0 = padding, 1, 2, ... per packed example).
 * Built from the dataset's packed {@link TokenSequence}s. Immutable (arrays are copied in and must not
 * be changed by callers of the accessors).
 *
 * @param rows batch rows
 * @param length columns
 * @param inputIds token ids
 * @param labels labels, {@value CausalLmLoss#IGNORE_INDEX} where not predicted
 * @param positionIds RoPE positions
 * @param segmentIds segment ids
 */
public record TrainingBatch(int rows, int length, int[] inputIds, int[] labels, int[] positionIds, int[] segmentIds) {

  /** Checks the sizes. */
  public TrainingBatch {
    int n = rows * length;
    if (rows < 1 || length < 2) {
      throw new IllegalArgumentException("a batch needs at least 1 row and 2 columns, but got " + rows + " x " + length);
    }
    if (inputIds.length != n || labels.length != n || positionIds.length != n || segmentIds.length != n) {
      throw new IllegalArgumentException("batch arrays must each hold rows * length = " + n + " values");
    }
    inputIds = inputIds.clone();
    labels = labels.clone();
    positionIds = positionIds.clone();
    segmentIds = segmentIds.clone();
  }

  /**
   * Pads the sequences to the longest (the dataset's padding: label -100, segment 0).
   *
   * @param sequences one or more sequences
   * @param padId the padding token id
   * @return the batch
   */
  public static TrainingBatch of(List<TokenSequence> sequences, int padId) {
    TokenBatch b = TokenBatch.of(sequences, padId);
    return new TrainingBatch(b.rows(), b.length(), toArray(b.inputIds()), toArray(b.labels()),
        toArray(b.positionIds()), toArray(b.segmentIds()));
  }

  private static int[] toArray(IntBuffer buf) {
    int[] out = new int[buf.remaining()];
    buf.duplicate().get(out);
    return out;
  }

  /**
   * Label tokens the loss predicts: positions {@code i >= 1} with a label and the same segment as
   * {@code i - 1}, exactly the count {@link CausalLmLoss#sum} divides by.
   *
   * @return the count
   */
  public long predictedTokens() {
    long c = 0;
    for (int r = 0; r < rows; r++) {
      for (int i = 1; i < length; i++) {
        int k = r * length + i;
        if (labels[k] != CausalLmLoss.IGNORE_INDEX && segmentIds[k] == segmentIds[k - 1]) {
          c++;
        }
      }
    }
    return c;
  }

  /** @return tokens that are not padding */
  public long realTokens() {
    long c = 0;
    for (int s : segmentIds) {
      if (s != 0) {
        c++;
      }
    }
    return c;
  }
}
