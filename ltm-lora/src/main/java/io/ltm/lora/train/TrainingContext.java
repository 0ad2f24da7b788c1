package io.ltm.lora.train;

import io.ltm.lora.lora.LoraAdapter;
import java.nio.file.Path;

/**
 * The state of a run that listeners may read: the adapter being trained, the optimizer, where the run
 * stands. Live objects: read them on the training thread during the callback only.
 */
public interface TrainingContext {

  /** @return the run directory */
  RunDirectory run();

  /** @return the settings */
  TrainingConfig config();

  /** @return the adapter being trained */
  LoraAdapter adapter();

  /** @return the optimizer (its state is checkpointed) */
  AdamW optimizer();

  /** @return the run state after the last completed step */
  TrainerState state();

  /** @return the learning rate schedule */
  LrSchedule schedule();

  /** @return the run's total number of optimizer steps */
  long totalSteps();

  /** @return the number of training sequences per epoch */
  int trainSequences();

  /** @return the final adapter directory, {@code RUN/adapter} */
  default Path adapterDir() {
    return run().adapterDir();
  }
}
