package io.ltm.core.generate;

import java.util.List;
import java.util.Objects;

/**
 * The result of one generation.
 *
 * @param model which model produced it: the base model's name, or base plus adapter
 * @param reasoning the text inside {@code <think>...</think>}, empty when none
 * @param answer the text after the reasoning
 * @param tokens every generated token in order, with logprob and entropy where the backend gives them
 * @param finishReason why generation stopped
 */
public record Generation(
    String model, String reasoning, String answer, List<GeneratedToken> tokens, FinishReason finishReason) {

  /** Why a generation stopped. */
  public enum FinishReason {
    /** An end-of-sequence token. */
    EOS,
    /** A stop string. */
    STOP_STRING,
    /** The token budget ran out. */
    LENGTH
  }

  public Generation {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(reasoning, "reasoning");
    Objects.requireNonNull(answer, "answer");
    tokens = List.copyOf(Objects.requireNonNull(tokens, "tokens"));
    Objects.requireNonNull(finishReason, "finishReason");
  }
}
