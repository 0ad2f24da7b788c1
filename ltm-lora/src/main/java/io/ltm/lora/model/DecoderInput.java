package io.ltm.lora.model;

import java.util.Arrays;
import java.util.List;

/**
 * One batch of token rows for {@link Decoder#forward}: {@code batch x length} token ids with, per
 * token, its RoPE position and its segment id. The segment ids drive the attention mask:
 *
 * <ul>
 *   <li>0 marks padding: no token attends to it, and it attends only to itself;
 *   <li>tokens attend causally (by column) to earlier tokens of the <em>same</em> segment id in the
 *       same row (including the KV cache's earlier columns).
 * </ul>
 *
 * A plain row has segment 1 everywhere; a padded batch has 0 in the padding columns; the packed
 * layout of the dataset (several examples in one row) has ids 1, 2, 3, ... per example with
 * positions restarting at 0, which makes the mask block-diagonal. Immutable; the arrays are copied.
 *
 * @param batch rows
 * @param length columns per row
 * @param tokens {@code batch * length} ids, row-major
 * @param positions {@code batch * length} RoPE positions, row-major
 * @param segments {@code batch * length} segment ids (0 = padding), row-major
 */
public record DecoderInput(int batch, int length, int[] tokens, int[] positions, int[] segments) {
  public DecoderInput {
    if (batch < 1 || length < 1) {
      throw new IllegalArgumentException("batch and length must be >= 1 but got " + batch + " x " + length);
    }
    int n = Math.multiplyExact(batch, length);
    if (tokens.length != n || positions.length != n || segments.length != n) {
      throw new IllegalArgumentException("tokens, positions and segments must each have " + n
          + " entries but have " + tokens.length + ", " + positions.length + ", " + segments.length);
    }
    tokens = tokens.clone();
    positions = positions.clone();
    segments = segments.clone();
    for (int i = 0; i < n; i++) {
      if (positions[i] < 0 || segments[i] < 0 || tokens[i] < 0) {
        throw new IllegalArgumentException("token ids, positions and segment ids must be >= 0 (at index " + i + ")");
      }
    }
  }

  /** One unpadded row of {@code ids}, positions from {@code start}. */
  public static DecoderInput of(int[] ids, int start) {
    int[] pos = new int[ids.length];
    int[] seg = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      pos[i] = start + i;
      seg[i] = 1;
    }
    return new DecoderInput(1, ids.length, ids, pos, seg);
  }

  /** One unpadded row of {@code ids}, positions from 0. */
  public static DecoderInput of(int[] ids) {
    return of(ids, 0);
  }

  /**
   * Rows of different lengths padded to the longest with {@code padId}: on the left (so that all rows
   * end in the last column, as generation wants) or on the right (as training batches are).
   * Positions count real tokens from 0.
   */
  public static DecoderInput padded(List<int[]> rows, int padId, boolean left) {
    int b = rows.size();
    int len = rows.stream().mapToInt(r -> r.length).max().orElse(0);
    int[] tok = new int[b * len];
    int[] pos = new int[b * len];
    int[] seg = new int[b * len];
    Arrays.fill(tok, padId);
    for (int r = 0; r < b; r++) {
      int[] ids = rows.get(r);
      int off = left ? len - ids.length : 0;
      for (int i = 0; i < ids.length; i++) {
        tok[r * len + off + i] = ids[i];
        pos[r * len + off + i] = i;
        seg[r * len + off + i] = 1;
      }
    }
    return new DecoderInput(b, len, tok, pos, seg);
  }

  /** Ids of row {@code r}. */
  public int[] row(int r) {
    return Arrays.copyOfRange(tokens, r * length, (r + 1) * length);
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }

  @Override
  public int[] positions() {
    return positions.clone();
  }

  @Override
  public int[] segments() {
    return segments.clone();
  }

  int token(int i) {
    return tokens[i];
  }

  int position(int i) {
    return positions[i];
  }

  int segment(int i) {
    return segments[i];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DecoderInput d && d.batch == batch && d.length == length && Arrays.equals(d.tokens, tokens)
        && Arrays.equals(d.positions, positions) && Arrays.equals(d.segments, segments);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(tokens) * 31 + Arrays.hashCode(segments);
  }

  @Override
  public String toString() {
    return "DecoderInput[" + batch + " x " + length + "]";
  }
}
