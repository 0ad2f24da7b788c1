package io.ltm.core.generate;

import java.util.Objects;

/**
 * One token produced by a {@link TextGenerator}.
 *
 * @param id vocabulary id
 * @param text the decoded text piece this token adds (may be empty for partial UTF-8)
 * @param logprob natural-log probability of this token under the sampling distribution before any
 *     temperature or filtering (the model's own distribution); NaN when the backend does not give it
 * @param entropy entropy in nats of the model's full next-token distribution at this position; NaN when
 *     the backend does not give it
 * @param reasoning true while inside {@code <think>...</think>}
 */
public record GeneratedToken(int id, String text, double logprob, double entropy, boolean reasoning) {
  public GeneratedToken {
    Objects.requireNonNull(text, "text");
  }
}
