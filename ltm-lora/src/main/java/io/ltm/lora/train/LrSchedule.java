package io.ltm.lora.train;

import java.util.Locale;

/**
 * Learning rate per optimizer step: linear warmup from 0 to the peak, then constant, linear or cosine
 * decay to 0 at the last step, exactly as transformers' {@code get_constant_schedule_with_warmup},
 * {@code get_linear_schedule_with_warmup} and {@code get_cosine_schedule_with_warmup} (half a cycle).
 *
 * @param kind the decay after warmup
 * @param peakLr the learning rate reached at the end of warmup, positive
 * @param warmupSteps steps of linear warmup, non-negative
 * @param totalSteps the number of optimizer steps of the run, at least 1
 */
public record LrSchedule(Kind kind, double peakLr, long warmupSteps, long totalSteps) {

  /** The decay after warmup. */
  public enum Kind {
    /** Stays at the peak. */
    CONSTANT,
    /** Falls linearly to 0 at the last step. */
    LINEAR,
    /** Follows half a cosine to 0 at the last step. */
    COSINE;

    /**
     * @param name {@code constant}, {@code linear} or {@code cosine}, any case
     * @return the kind
     * @throws IllegalArgumentException for another name
     */
    public static Kind parse(String name) {
      try {
        return valueOf(name.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown learning rate schedule '" + name
            + "': use constant, linear or cosine", e);
      }
    }
  }

  /** Checks the values. */
  public LrSchedule {
    java.util.Objects.requireNonNull(kind, "kind");
    if (!(peakLr > 0) || Double.isInfinite(peakLr)) {
      throw new IllegalArgumentException("learning rate must be positive, but got " + peakLr);
    }
    if (warmupSteps < 0) {
      throw new IllegalArgumentException("warmup steps must be non-negative, but got " + warmupSteps);
    }
    if (totalSteps < 1) {
      throw new IllegalArgumentException("total steps must be at least 1, but got " + totalSteps);
    }
  }

  /**
   * The learning rate of the optimizer step that follows {@code step} completed steps (transformers'
   * {@code lr_lambda(step) * peak}; the first update uses {@code lrAt(0)}).
   *
   * @param step completed optimizer steps, non-negative
   * @return the learning rate
   */
  public double lrAt(long step) {
    return peakLr * factor(step);
  }

  private double factor(long step) {
    if (step < warmupSteps) {
      return (double) step / Math.max(1, warmupSteps);
    }
    return switch (kind) {
      case CONSTANT -> 1.0;
      case LINEAR -> Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
      case COSINE -> {
        double progress = (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps);
        yield Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 0.5 * 2.0 * progress)));
      }
    };
  }
}
