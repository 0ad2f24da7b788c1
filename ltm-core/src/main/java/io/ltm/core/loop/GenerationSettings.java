package io.ltm.core.loop;

import io.ltm.core.generate.GenerationRequest;

/**
 * The sampling settings a trace iteration was generated with, as recorded in a {@link TraceRecord}
 * (the request's messages and listener are not settings and are not recorded).
 *
 * @param maxNewTokens token budget, at least 1
 * @param temperature sampling temperature, 0 for greedy
 * @param topP nucleus mass in (0, 1]
 * @param topK top-k cut, 0 for off
 * @param repetitionPenalty repetition penalty, 1 for off
 * @param seed sampling seed
 * @param enableThinking whether the chat template let the model think
 */
public record GenerationSettings(
    int maxNewTokens,
    double temperature,
    double topP,
    int topK,
    double repetitionPenalty,
    long seed,
    boolean enableThinking) {

  public GenerationSettings {
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be >= 1 but got " + maxNewTokens);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be finite and >= 0 but got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1] but got " + topP);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be >= 0 but got " + topK);
    }
    if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
      throw new IllegalArgumentException("repetitionPenalty must be finite and > 0 but got " + repetitionPenalty);
    }
  }

  /** The settings of {@code request}. */
  public static GenerationSettings of(GenerationRequest request) {
    return new GenerationSettings(
        request.maxNewTokens(), request.temperature(), request.topP(), request.topK(),
        request.repetitionPenalty(), request.seed(), request.enableThinking());
  }

  /** The defaults of {@link GenerationRequest#builder()}. */
  public static GenerationSettings defaults() {
    return new GenerationSettings(512, 0.0, 1.0, 0, 1.0, 0L, true);
  }
}
