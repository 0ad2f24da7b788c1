package io.ltm.cli.options;

import io.ltm.lora.train.AdamWConfig;
import io.ltm.lora.train.LrSchedule;
import io.ltm.lora.train.TrainingConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/**
 * How {@code ltm train} trains (and what {@code ltm plan} and {@code ltm export} plan or write for it):
 * length, optimizer, schedule, batch shape, sequence length, validation, evaluation and checkpoint
 * cadence, early stopping, seed and gradient checkpointing.
 */
public final class TrainingOptions {
  static final class Length {
    @Option(names = "--steps", paramLabel = "N", description = "optimizer steps") long steps;
    @Option(names = "--epochs", paramLabel = "N", description = "passes over the training split") int epochs;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Length length;

  @Option(names = "--lr", paramLabel = "LR", defaultValue = "2e-4", description = "peak learning rate (default: ${DEFAULT-VALUE})")
  double lr;

  @Option(names = "--schedule", paramLabel = "KIND", defaultValue = "cosine", description = "cosine, linear or constant (default: ${DEFAULT-VALUE})")
  String schedule;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "0", description = "warmup steps (default: ${DEFAULT-VALUE})")
  long warmup;

  @Option(names = "--weight-decay", paramLabel = "X", defaultValue = "0", description = "AdamW weight decay (default: ${DEFAULT-VALUE})")
  double weightDecay;

  @Option(names = "--max-grad-norm", paramLabel = "X", defaultValue = "1.0",
      description = "global gradient norm clip, 0 = off (default: ${DEFAULT-VALUE})")
  double maxGradNorm;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "1", description = "sequences per micro-batch (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--grad-accum", paramLabel = "N", defaultValue = "1", description = "micro-batches per step (default: ${DEFAULT-VALUE})")
  int gradAccum;

  @Option(names = "--max-len", paramLabel = "N", defaultValue = "2048", description = "tokens per packed sequence (default: ${DEFAULT-VALUE})")
  int maxLen;

  @Option(names = "--truncate", description = "cut examples longer than --max-len instead of skipping them")
  boolean truncate;

  @Option(names = "--validation", paramLabel = "F", defaultValue = "0.1",
      description = "validation fraction of scenes (default: ${DEFAULT-VALUE})")
  double validation;

  @Option(names = "--eval-every", paramLabel = "N", defaultValue = "50", description = "evaluate every N steps (default: ${DEFAULT-VALUE})")
  int evalEvery;

  @Option(names = "--save-every", paramLabel = "N", defaultValue = "100", description = "checkpoint every N steps (default: ${DEFAULT-VALUE})")
  int saveEvery;

  @Option(names = "--patience", paramLabel = "N", defaultValue = "0",
      description = "early stopping after N evaluations without improvement, 0 = off (default: ${DEFAULT-VALUE})")
  int patience;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--gradient-checkpointing",
      description = "recompute decoder layers in backward: activation memory of one layer, one extra forward")
  boolean gradientCheckpointing;

  /** {@code --steps}, or 0 when the length is given in epochs (or not at all). */
  public long steps() {
    return length != null ? length.steps : 0;
  }

  /** {@code --epochs}, or 1 when not given. */
  public int epochs() {
    return length != null && length.epochs > 0 ? length.epochs : 1;
  }

  public int batch() {
    return batch;
  }

  public int gradAccum() {
    return gradAccum;
  }

  public int maxLen() {
    return maxLen;
  }

  public boolean truncate() {
    return truncate;
  }

  public double validation() {
    return validation;
  }

  public long seed() {
    return seed;
  }

  public boolean gradientCheckpointing() {
    return gradientCheckpointing;
  }

  /**
   * The checked training configuration.
   *
   * @throws IllegalArgumentException naming the value when one is out of range
   */
  public TrainingConfig config() {
    return TrainingConfig.builder()
        .optMaxSteps(steps()).optEpochs(epochs())
        .optBatchSize(batch).optGradAccum(gradAccum).optLearningRate(lr).optSchedule(LrSchedule.Kind.parse(schedule))
        .optWarmupSteps(warmup).optAdamW(new AdamWConfig(0.9, 0.999, 1e-8, weightDecay)).optMaxGradNorm(maxGradNorm)
        .optEvalEvery(evalEvery).optSaveEvery(saveEvery).optEarlyStoppingPatience(patience).optSeed(seed)
        .optGradientCheckpointing(gradientCheckpointing).build();
  }
}
