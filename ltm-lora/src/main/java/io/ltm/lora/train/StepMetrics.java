package io.ltm.lora.train;

/**
 * One optimizer step's figures, one line of {@code metrics.jsonl}.
 *
 * @param step the step number, from 1
 * @param totalSteps the run's number of steps
 * @param loss mean loss over the step's predicted tokens
 * @param lr the learning rate the step used
 * @param gradNorm global gradient norm before clipping
 * @param tokens real (non-padding) tokens processed in the step
 * @param tokensPerS tokens per second of the step
 * @param elapsedS seconds since the run started (including earlier sessions when resumed)
 * @param epoch the epoch the step's data came from (from 0)
 */
public record StepMetrics(long step, long totalSteps, double loss, double lr, double gradNorm, long tokens,
    double tokensPerS, double elapsedS, int epoch) {}
