package io.ltm.dataset.token;

import java.nio.IntBuffer;
import java.util.Objects;

/**
 * One example as tokens: input ids and labels of equal length ({@link Labels#IGNORE} where a token
 * does not count). Immutable: accessors return read-only views or copies.
 */
public final class TokenizedExample {
  private final String id;
  private final int[] inputIds;
  private final int[] labels;
  private final boolean truncated;
  private final int labelCount;

  /**
   * @param id the example id (scene id, or note path with section)
   * @param inputIds token ids (copied)
   * @param labels labels, same length (copied)
   * @param truncated whether the ids were cut at the maximum length
   */
  public TokenizedExample(String id, int[] inputIds, int[] labels, boolean truncated) {
    this(Objects.requireNonNull(id, "id"), inputIds.clone(), labels.clone(), truncated, 0);
  }

  private TokenizedExample(String id, int[] inputIds, int[] labels, boolean truncated, int unused) {
    if (inputIds.length != labels.length) {
      throw new IllegalArgumentException("example '" + id + "': " + inputIds.length + " ids but " + labels.length + " labels");
    }
    if (inputIds.length == 0) {
      throw new IllegalArgumentException("example '" + id + "' has no tokens");
    }
    this.id = id;
    this.inputIds = inputIds;
    this.labels = labels;
    this.truncated = truncated;
    int c = 0;
    for (int l : labels) {
      if (l != Labels.IGNORE) {
        c++;
      }
    }
    this.labelCount = c;
  }

  /** Takes ownership of the arrays (no copy); for this package's builders only. */
  static TokenizedExample wrap(String id, int[] inputIds, int[] labels, boolean truncated) {
    return new TokenizedExample(id, inputIds, labels, truncated, 0);
  }

  public String id() {
    return id;
  }

  /** Number of tokens. */
  public int length() {
    return inputIds.length;
  }

  /** Number of tokens that count in the loss. */
  public int labelCount() {
    return labelCount;
  }

  /** Whether the example was cut at the maximum length. */
  public boolean truncated() {
    return truncated;
  }

  /** Input ids, read-only. */
  public IntBuffer inputIds() {
    return IntBuffer.wrap(inputIds).asReadOnlyBuffer();
  }

  /** Labels, read-only. */
  public IntBuffer labels() {
    return IntBuffer.wrap(labels).asReadOnlyBuffer();
  }

  int[] idsUnsafe() {
    return inputIds;
  }

  int[] labelsUnsafe() {
    return labels;
  }
}
