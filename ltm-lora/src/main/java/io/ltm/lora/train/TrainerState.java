package io.ltm.lora.train;

/**
 * Where a run stands after a completed step; saved in each checkpoint's {@code trainer_state.json}
 * together with the scheduler and RNG scheme, so a resumed run continues exactly.
 *
 * @param step optimizer steps completed
 * @param microBatches micro-batches consumed (the data position: epoch = microBatches / per epoch)
 * @param epoch the epoch of the next micro-batch
 * @param lastLoss the last step's loss (NaN before the first)
 * @param lastLr the last step's learning rate
 * @param bestEvalLoss the lowest evaluation loss so far (NaN when none)
 * @param evalsWithoutImprovement evaluations since the best one
 * @param lastEvalLoss the last evaluation loss (NaN when none)
 * @param elapsedS training seconds so far, over all sessions
 * @param tokensSeen real tokens trained on so far
 */
public record TrainerState(long step, long microBatches, int epoch, double lastLoss, double lastLr, double bestEvalLoss,
    int evalsWithoutImprovement, double lastEvalLoss, double elapsedS, long tokensSeen) {

  /** @return the state of a run that has not started */
  public static TrainerState initial() {
    return new TrainerState(0, 0, 0, Double.NaN, 0, Double.NaN, 0, Double.NaN, 0, 0);
  }
}
