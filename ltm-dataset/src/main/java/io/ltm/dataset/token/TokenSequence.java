package io.ltm.dataset.token;

import java.nio.IntBuffer;
import java.util.List;

/**
 * One training sequence: one example, or several packed end to end. Per token: the input id, the
 * label ({@link Labels#IGNORE} where it does not count), the position id (restarting at 0 for
 * every example) and the segment id (1, 2, ... for the examples in order, 0 for padding). Two
 * tokens may attend to each other only when they have the same non-zero segment id (block-diagonal
 * causal attention, see {@link #attends(int, int)}); position ids are what RoPE sees.
 *
 * <p>Immutable: every accessor returns a read-only view or a copy.
 */
public final class TokenSequence {
  private final int[] inputIds;
  private final int[] labels;
  private final int[] positionIds;
  private final int[] segmentIds;
  private final List<String> exampleIds;
  private final int usedLength;

  TokenSequence(int[] inputIds, int[] labels, int[] positionIds, int[] segmentIds, List<String> exampleIds, int usedLength) {
    int n = inputIds.length;
    if (labels.length != n || positionIds.length != n || segmentIds.length != n) {
      throw new IllegalArgumentException("sequence arrays differ in length");
    }
    this.inputIds = inputIds;
    this.labels = labels;
    this.positionIds = positionIds;
    this.segmentIds = segmentIds;
    this.exampleIds = List.copyOf(exampleIds);
    this.usedLength = usedLength;
  }

  /** Length including padding. */
  public int length() {
    return inputIds.length;
  }

  /** Tokens that belong to examples (length minus padding). */
  public int usedLength() {
    return usedLength;
  }

  /** The ids of the examples in this sequence, in order (segment {@code k} is example {@code k-1}). */
  public List<String> exampleIds() {
    return exampleIds;
  }

  public IntBuffer inputIds() {
    return IntBuffer.wrap(inputIds).asReadOnlyBuffer();
  }

  public IntBuffer labels() {
    return IntBuffer.wrap(labels).asReadOnlyBuffer();
  }

  public IntBuffer positionIds() {
    return IntBuffer.wrap(positionIds).asReadOnlyBuffer();
  }

  public IntBuffer segmentIds() {
    return IntBuffer.wrap(segmentIds).asReadOnlyBuffer();
  }

  /** 1 for tokens of examples, 0 for padding (Hugging Face's {@code attention_mask}). */
  public IntBuffer attentionMask() {
    int[] m = new int[segmentIds.length];
    for (int i = 0; i < m.length; i++) {
      m[i] = segmentIds[i] == 0 ? 0 : 1;
    }
    return IntBuffer.wrap(m).asReadOnlyBuffer();
  }

  /** Number of tokens that count in the loss. */
  public int labelCount() {
    int c = 0;
    for (int l : labels) {
      if (l != Labels.IGNORE) {
        c++;
      }
    }
    return c;
  }

  /** Whether query position {@code q} may attend to key position {@code k}: causal, same example. */
  public boolean attends(int q, int k) {
    return k <= q && segmentIds[q] != 0 && segmentIds[q] == segmentIds[k];
  }

  int[] idsUnsafe() {
    return inputIds;
  }

  int[] labelsUnsafe() {
    return labels;
  }

  int[] positionsUnsafe() {
    return positionIds;
  }

  int[] segmentsUnsafe() {
    return segmentIds;
  }
}
