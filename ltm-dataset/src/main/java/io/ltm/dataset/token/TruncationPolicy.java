package io.ltm.dataset.token;

/** What happens to an example longer than the maximum sequence length. */
public enum TruncationPolicy {
  /** Drop the example (counted as skipped). The default: a cut-off thought teaches a cut-off habit. */
  SKIP,
  /**
   * Keep the first {@code maxLength} tokens (counted as truncated); an example left without any
   * counted label token is dropped and counted as skipped.
   */
  TRUNCATE
}
