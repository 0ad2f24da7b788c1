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

  /**
   * A sequence from arrays (copied), e.g. read back from a tokenized JSONL file. Checks that the
   * arrays have one length, that labels are {@link Labels#IGNORE} or equal to the input id, that
   * segment ids start at 1 and never decrease except into trailing padding (0), that position ids
   * restart at 0 with every segment and count up by one inside it, and that there is one example id
   * per segment.
   *
   * @throws IllegalArgumentException naming the first position that breaks a rule
   */
  public static TokenSequence of(int[] inputIds, int[] labels, int[] positionIds, int[] segmentIds, List<String> exampleIds) {
    int n = inputIds.length;
    if (labels.length != n || positionIds.length != n || segmentIds.length != n) {
      throw new IllegalArgumentException("input_ids, labels, position_ids and segment_ids must have one length but have "
          + n + ", " + labels.length + ", " + positionIds.length + ", " + segmentIds.length);
    }
    int used = 0;
    int segments = 0;
    for (int i = 0; i < n; i++) {
      int seg = segmentIds[i];
      if (labels[i] != Labels.IGNORE && labels[i] != inputIds[i]) {
        throw new IllegalArgumentException("labels[" + i + "] is " + labels[i] + ", neither -100 nor input_ids[" + i + "] = " + inputIds[i]);
      }
      if (seg == 0) {
        if (labels[i] != Labels.IGNORE) {
          throw new IllegalArgumentException("padding at " + i + " (segment 0) has a label");
        }
        continue;
      }
      if (used != i) {
        throw new IllegalArgumentException("segment_ids[" + i + "] = " + seg + " after padding; padding must come last");
      }
      boolean starts = i == 0 || seg != segmentIds[i - 1];
      if (starts) {
        if (seg != segments + 1) {
          throw new IllegalArgumentException("segment_ids[" + i + "] = " + seg + " but the next segment is " + (segments + 1));
        }
        if (positionIds[i] != 0) {
          throw new IllegalArgumentException("position_ids[" + i + "] = " + positionIds[i] + " but a segment starts there (0)");
        }
        segments++;
      } else if (positionIds[i] != positionIds[i - 1] + 1) {
        throw new IllegalArgumentException("position_ids[" + i + "] = " + positionIds[i] + ", expected " + (positionIds[i - 1] + 1));
      }
      used = i + 1;
    }
    if (exampleIds.size() != segments) {
      throw new IllegalArgumentException(segments + " segments but " + exampleIds.size() + " example ids");
    }
    return new TokenSequence(inputIds.clone(), labels.clone(), positionIds.clone(), segmentIds.clone(), exampleIds, used);
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
    return attentionMask(segmentIds);
  }

  /** Hugging Face's {@code attention_mask} of segment ids: 1 where the segment is not 0 (padding). */
  static IntBuffer attentionMask(int[] segmentIds) {
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
