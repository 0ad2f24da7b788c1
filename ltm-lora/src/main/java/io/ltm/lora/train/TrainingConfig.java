package io.ltm.lora.train;

import java.util.Objects;

/**
 * The settings of a training run, immutable; build with {@link #builder()}, which checks every value.
 * Saved as the run directory's {@code config.json}.
 *
 * @param maxSteps optimizer steps; 0 means derive from {@code epochs}
 * @param epochs passes over the training sequences when {@code maxSteps} is 0
 * @param batchSize sequences per micro-batch
 * @param gradAccum micro-batches per optimizer step
 * @param learningRate peak learning rate
 * @param schedule decay after warmup
 * @param warmupSteps steps of linear warmup
 * @param adamw optimizer settings
 * @param maxGradNorm global-norm clipping threshold; 0 disables clipping (the norm is still logged)
 * @param evalEvery evaluate every N steps (and at the end); 0 only at the end
 * @param saveEvery checkpoint every N steps (and at the end); 0 only at the end
 * @param keepCheckpoints how many of the newest checkpoints to keep (at least 1)
 * @param earlyStoppingPatience stop after this many evaluations without improvement; 0 disables
 * @param seed seeds initialization, data order and dropout
 * @param gradientCheckpointing recompute decoder blocks in backward to save activation memory
 */
public record TrainingConfig(long maxSteps, int epochs, int batchSize, int gradAccum, double learningRate,
    LrSchedule.Kind schedule, long warmupSteps, AdamWConfig adamw, double maxGradNorm, int evalEvery, int saveEvery,
    int keepCheckpoints, int earlyStoppingPatience, long seed, boolean gradientCheckpointing) {

  /** Checks the values. */
  public TrainingConfig {
    if (maxSteps < 0) {
      throw new IllegalArgumentException("steps must be non-negative, but got " + maxSteps);
    }
    if (maxSteps == 0 && epochs < 1) {
      throw new IllegalArgumentException("give steps or epochs (at least 1), but got steps 0 and epochs " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch must be at least 1, but got " + batchSize);
    }
    if (gradAccum < 1) {
      throw new IllegalArgumentException("grad-accum must be at least 1, but got " + gradAccum);
    }
    if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("lr must be positive, but got " + learningRate);
    }
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(adamw, "adamw");
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmup must be non-negative, but got " + warmupSteps);
    }
    if (!(maxGradNorm >= 0)) {
      throw new IllegalArgumentException("max grad norm must be non-negative, but got " + maxGradNorm);
    }
    if (evalEvery < 0 || saveEvery < 0 || earlyStoppingPatience < 0) {
      throw new IllegalArgumentException("eval-every, save-every and patience must be non-negative");
    }
    if (keepCheckpoints < 1) {
      throw new IllegalArgumentException("keep-checkpoints must be at least 1, but got " + keepCheckpoints);
    }
  }

  /** @return a builder with the defaults documented on its methods */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link TrainingConfig}. Not thread-safe. */
  public static final class Builder {
    private long maxSteps;
    private int epochs = 1;
    private int batchSize = 1;
    private int gradAccum = 1;
    private double lr = 2e-4;
    private LrSchedule.Kind schedule = LrSchedule.Kind.COSINE;
    private long warmup;
    private AdamWConfig adamw = AdamWConfig.DEFAULT;
    private double maxGradNorm = 1.0;
    private int evalEvery = 50;
    private int saveEvery = 100;
    private int keep = 2;
    private int patience;
    private long seed = 42;
    private boolean checkpointing;

    private Builder() {}

    /** @param n optimizer steps (default 0: use epochs) @return this */
    public Builder optMaxSteps(long n) {
      this.maxSteps = n;
      return this;
    }

    /** @param n epochs when steps is 0 (default 1) @return this */
    public Builder optEpochs(int n) {
      this.epochs = n;
      return this;
    }

    /** @param n sequences per micro-batch (default 1) @return this */
    public Builder optBatchSize(int n) {
      this.batchSize = n;
      return this;
    }

    /** @param n micro-batches per step (default 1) @return this */
    public Builder optGradAccum(int n) {
      this.gradAccum = n;
      return this;
    }

    /** @param lr peak learning rate (default 2e-4) @return this */
    public Builder optLearningRate(double lr) {
      this.lr = lr;
      return this;
    }

    /** @param kind decay after warmup (default cosine) @return this */
    public Builder optSchedule(LrSchedule.Kind kind) {
      this.schedule = kind;
      return this;
    }

    /** @param n warmup steps (default 0) @return this */
    public Builder optWarmupSteps(long n) {
      this.warmup = n;
      return this;
    }

    /** @param c optimizer settings (default {@link AdamWConfig#DEFAULT}) @return this */
    public Builder optAdamW(AdamWConfig c) {
      this.adamw = c;
      return this;
    }

    /** @param n clipping threshold (default 1.0; 0 disables) @return this */
    public Builder optMaxGradNorm(double n) {
      this.maxGradNorm = n;
      return this;
    }

    /** @param n evaluate every n steps (default 50) @return this */
    public Builder optEvalEvery(int n) {
      this.evalEvery = n;
      return this;
    }

    /** @param n checkpoint every n steps (default 100) @return this */
    public Builder optSaveEvery(int n) {
      this.saveEvery = n;
      return this;
    }

    /** @param n checkpoints kept (default 2) @return this */
    public Builder optKeepCheckpoints(int n) {
      this.keep = n;
      return this;
    }

    /** @param n evaluations without improvement before stopping (default 0: off) @return this */
    public Builder optEarlyStoppingPatience(int n) {
      this.patience = n;
      return this;
    }

    /** @param s the seed (default 42) @return this */
    public Builder optSeed(long s) {
      this.seed = s;
      return this;
    }

    /** @param on recompute blocks in backward (default false) @return this */
    public Builder optGradientCheckpointing(boolean on) {
      this.checkpointing = on;
      return this;
    }

    /** @return the config @throws IllegalArgumentException naming the bad value */
    public TrainingConfig build() {
      return new TrainingConfig(maxSteps, epochs, batchSize, gradAccum, lr, schedule, warmup, adamw, maxGradNorm,
          evalEvery, saveEvery, keep, patience, seed, checkpointing);
    }
  }
}
