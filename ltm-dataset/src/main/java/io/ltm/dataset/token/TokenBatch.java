package io.ltm.dataset.token;

import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch of sequences padded to the longest one, as row-major {@code (rows, length)} int buffers
 * ready for {@code NDManager.create(IntBuffer, Shape)}. Padding: pad id, label
 * {@link Labels#IGNORE}, position 0, segment 0, attention mask 0. Immutable (read-only views).
 */
public final class TokenBatch {
  private final int rows;
  private final int length;
  private final int[] inputIds;
  private final int[] labels;
  private final int[] positionIds;
  private final int[] segmentIds;

  private TokenBatch(int rows, int length, int[] inputIds, int[] labels, int[] positionIds, int[] segmentIds) {
    this.rows = rows;
    this.length = length;
    this.inputIds = inputIds;
    this.labels = labels;
    this.positionIds = positionIds;
    this.segmentIds = segmentIds;
  }

  /**
   * Splits {@code sequences} into batches of {@code batchSize} (the last may be smaller), in order.
   */
  public static List<TokenBatch> batches(List<TokenSequence> sequences, int batchSize, int padId) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1 but got " + batchSize);
    }
    List<TokenBatch> out = new ArrayList<>();
    for (int from = 0; from < sequences.size(); from += batchSize) {
      out.add(of(sequences.subList(from, Math.min(sequences.size(), from + batchSize)), padId));
    }
    return out;
  }

  /** One batch of the given sequences, padded to the longest. */
  public static TokenBatch of(List<TokenSequence> seqs, int padId) {
    if (seqs.isEmpty()) {
      throw new IllegalArgumentException("a batch needs at least one sequence");
    }
    int len = 0;
    for (TokenSequence s : seqs) {
      len = Math.max(len, s.length());
    }
    int rows = seqs.size();
    int[] ids = new int[rows * len];
    int[] labels = new int[rows * len];
    int[] pos = new int[rows * len];
    int[] seg = new int[rows * len];
    java.util.Arrays.fill(ids, padId);
    java.util.Arrays.fill(labels, Labels.IGNORE);
    for (int r = 0; r < rows; r++) {
      TokenSequence s = seqs.get(r);
      int n = s.length();
      System.arraycopy(s.idsUnsafe(), 0, ids, r * len, n);
      System.arraycopy(s.labelsUnsafe(), 0, labels, r * len, n);
      System.arraycopy(s.positionsUnsafe(), 0, pos, r * len, n);
      System.arraycopy(s.segmentsUnsafe(), 0, seg, r * len, n);
    }
    return new TokenBatch(rows, len, ids, labels, pos, seg);
  }

  public int rows() {
    return rows;
  }

  /** Columns: the longest sequence's length. */
  public int length() {
    return length;
  }

  /** {@code (rows, length)} row-major. */
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

  /** 1 for example tokens, 0 for padding. */
  public IntBuffer attentionMask() {
    return TokenSequence.attentionMask(segmentIds);
  }
}
