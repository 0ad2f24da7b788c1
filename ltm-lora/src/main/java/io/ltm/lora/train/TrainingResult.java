package io.ltm.lora.train;

import java.nio.file.Path;

/**
 * How a run ended.
 *
 * @param steps optimizer steps completed
 * @param finalLoss the last step's loss
 * @param finalEvalLoss the last evaluation loss, NaN when there is no validation split
 * @param bestEvalLoss the lowest evaluation loss, NaN when none
 * @param stoppedEarly whether early stopping ended the run
 * @param adapterDir where the final adapter was saved, or null
 */
public record TrainingResult(long steps, double finalLoss, double finalEvalLoss, double bestEvalLoss,
    boolean stoppedEarly, Path adapterDir) {}
