package io.ltm.lora.train;

/**
 * An evaluation on the validation split.
 *
 * @param step the optimizer step after which it ran
 * @param evalLoss mean loss over the validation split's predicted tokens
 * @param evalPpl perplexity, exp(evalLoss)
 * @param tokens predicted tokens evaluated
 */
public record EvalMetrics(long step, double evalLoss, double evalPpl, long tokens) {}
