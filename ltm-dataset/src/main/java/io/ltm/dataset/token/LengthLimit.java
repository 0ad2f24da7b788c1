package io.ltm.dataset.token;

import java.util.Arrays;
import java.util.Objects;

/**
 * Applies the maximum sequence length and the {@link TruncationPolicy} to one tokenized example.
 * Immutable and thread-safe.
 */
public final class LengthLimit {
  /** What happened to an example. */
  public enum Status {
    /** Fits as is. */
    KEPT,
    /** Cut to the maximum length. */
    TRUNCATED,
    /** Dropped: longer than the maximum length under {@link TruncationPolicy#SKIP}. */
    SKIPPED_TOO_LONG,
    /** Dropped: no token counts in the loss (e.g. the prompt alone fills the maximum length). */
    SKIPPED_NO_LABELS
  }

  /**
   * The outcome for one example.
   *
   * @param status what happened
   * @param example the example, null when skipped
   * @param originalLength the token count before any cut
   */
  public record Outcome(Status status, TokenizedExample example, int originalLength) {
    /** Whether the example was kept (possibly truncated). */
    public boolean kept() {
      return example != null;
    }
  }

  private final int maxLength;
  private final TruncationPolicy policy;

  /**
   * @param maxLength the most tokens an example may have, at least 2
   * @param policy what to do with longer ones
   */
  public LengthLimit(int maxLength, TruncationPolicy policy) {
    if (maxLength < 2) {
      throw new IllegalArgumentException("maxLength must be >= 2 but got " + maxLength);
    }
    this.maxLength = maxLength;
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  public int maxLength() {
    return maxLength;
  }

  public TruncationPolicy policy() {
    return policy;
  }

  /** Applies the limit to ids and labels of equal length (takes ownership of the arrays). */
  public Outcome apply(String id, int[] ids, int[] labels) {
    int n = ids.length;
    if (n <= maxLength) {
      TokenizedExample ex = TokenizedExample.wrap(id, ids, labels, false);
      return ex.labelCount() == 0
          ? new Outcome(Status.SKIPPED_NO_LABELS, null, n)
          : new Outcome(Status.KEPT, ex, n);
    }
    if (policy == TruncationPolicy.SKIP) {
      return new Outcome(Status.SKIPPED_TOO_LONG, null, n);
    }
    TokenizedExample ex = TokenizedExample.wrap(
        id, Arrays.copyOf(ids, maxLength), Arrays.copyOf(labels, maxLength), true);
    return ex.labelCount() == 0
        ? new Outcome(Status.SKIPPED_NO_LABELS, null, n)
        : new Outcome(Status.TRUNCATED, ex, n);
  }
}
