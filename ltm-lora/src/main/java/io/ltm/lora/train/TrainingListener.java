package io.ltm.lora.train;

import java.io.IOException;

/**
 * Receives training events, in DJL's {@code TrainingListener} style: the metrics file, the
 * checkpointer, logging and the progress bar are listeners. Called on the training thread, in the order
 * the listeners were registered; an exception from a listener stops the run.
 */
public interface TrainingListener {

  /**
   * Before the first step (also when resuming).
   *
   * @param context the run
   * @throws IOException when the listener cannot start
   */
  default void onTrainingBegin(TrainingContext context) throws IOException {}

  /**
   * After each optimizer step.
   *
   * @param context the run, its state after the step
   * @param metrics the step's figures
   * @throws IOException when the listener fails
   */
  default void onStep(TrainingContext context, StepMetrics metrics) throws IOException {}

  /**
   * After each evaluation.
   *
   * @param context the run
   * @param metrics the evaluation
   * @throws IOException when the listener fails
   */
  default void onEvaluation(TrainingContext context, EvalMetrics metrics) throws IOException {}

  /**
   * After each step's listeners and its evaluation (if one was due) ran: the state is complete, the
   * moment to checkpoint.
   *
   * @param context the run
   * @throws IOException when the listener fails
   */
  default void onStepEnd(TrainingContext context) throws IOException {}

  /**
   * When training ends, normally or by early stopping (not on failure).
   *
   * @param context the run
   * @param result the summary
   * @throws IOException when the listener fails
   */
  default void onTrainingEnd(TrainingContext context, TrainingResult result) throws IOException {}
}
