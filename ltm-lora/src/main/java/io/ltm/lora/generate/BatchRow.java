package io.ltm.lora.generate;

import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One row of a batch for {@link LocalGenerator#generateRows}: raw prompt ids, the sampling settings,
 * budget and stop strings (the request's messages are ignored), how many most likely alternatives to
 * report per token, a cancellation flag and a per-token listener. Unlike
 * {@link LocalGenerator#generateBatch}, a row's random draws depend only on its own seed, so a request
 * samples the same tokens alone or in any batch. Immutable (the prompt is copied).
 *
 * @param promptIds the prompt's token ids, at least one
 * @param settings sampling settings, budget, stop strings and the optional {@link GenerationRequest#listener()}
 * @param topLogprobs how many most likely tokens to report with each step, 0 to {@value #MAX_TOP_LOGPROBS}
 * @param cancelled polled before every decode step; once true, the row stops (its generation ends
 *     with what it has, finish reason {@code LENGTH}); null for never
 * @param steps called once per generated token on the generating thread, with the alternatives; null for none
 * @param finished called once on the generating thread as soon as this row is done (end of sequence, stop
 *     string, budget or cancellation), with its generation, while the other rows of the batch may go on;
 *     null for none
 */
public record BatchRow(
    int[] promptIds, GenerationRequest settings, int topLogprobs, BooleanSupplier cancelled, Consumer<TokenStep> steps,
    Consumer<Generation> finished) {
  /** The most alternatives a step reports (OpenAI's limit for {@code top_logprobs}). */
  public static final int MAX_TOP_LOGPROBS = 20;

  public BatchRow {
    Objects.requireNonNull(promptIds, "promptIds");
    if (promptIds.length == 0) {
      throw new IllegalArgumentException("promptIds must not be empty");
    }
    promptIds = promptIds.clone();
    Objects.requireNonNull(settings, "settings");
    if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
      throw new IllegalArgumentException("topLogprobs must be in [0, " + MAX_TOP_LOGPROBS + "] but got " + topLogprobs);
    }
  }

  /** A row without a {@code finished} callback. */
  public BatchRow(int[] promptIds, GenerationRequest settings, int topLogprobs, BooleanSupplier cancelled,
      Consumer<TokenStep> steps) {
    this(promptIds, settings, topLogprobs, cancelled, steps, null);
  }

  /** The prompt ids (a copy). */
  @Override
  public int[] promptIds() {
    return promptIds.clone();
  }

  /** A row with no alternatives, no cancellation and no step listener. */
  public static BatchRow of(int[] promptIds, GenerationRequest settings) {
    return new BatchRow(promptIds, settings, 0, null, null, null);
  }
}
