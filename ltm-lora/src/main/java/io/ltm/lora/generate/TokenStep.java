package io.ltm.lora.generate;

import io.ltm.core.generate.GeneratedToken;
import java.util.List;
import java.util.Objects;

/**
 * One decode step of a {@link BatchRow}: the token chosen and, when the row asked for them, the most
 * likely tokens of the model's own distribution at that position (before temperature and filters),
 * most likely first, ties by id. Immutable.
 *
 * @param token the generated token (id, text piece, logprob, entropy, reasoning flag)
 * @param top the {@link BatchRow#topLogprobs()} most likely tokens; empty when none were asked
 */
public record TokenStep(GeneratedToken token, List<Alternative> top) {
  public TokenStep {
    Objects.requireNonNull(token, "token");
    top = List.copyOf(Objects.requireNonNull(top, "top"));
  }

  /**
   * A candidate token at one position.
   *
   * @param id vocabulary id
   * @param logprob natural-log probability under the model's distribution
   */
  public record Alternative(int id, double logprob) {}
}
