package io.ltm.lora.train;

/**
 * AdamW settings, with {@code torch.optim.AdamW}'s meaning.
 *
 * @param beta1 decay of the first moment, in [0, 1) (default 0.9)
 * @param beta2 decay of the second moment, in [0, 1) (default 0.999)
 * @param eps added to the denominator, positive (default 1e-8)
 * @param weightDecay decoupled weight decay, non-negative (default 0, as transformers' Trainer)
 */
public record AdamWConfig(double beta1, double beta2, double eps, double weightDecay) {

  /** The defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0. */
  public static final AdamWConfig DEFAULT = new AdamWConfig(0.9, 0.999, 1e-8, 0.0);

  /** Checks the ranges. */
  public AdamWConfig {
    if (!(beta1 >= 0 && beta1 < 1)) {
      throw new IllegalArgumentException("beta1 must be in [0, 1), but got " + beta1);
    }
    if (!(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("beta2 must be in [0, 1), but got " + beta2);
    }
    if (!(eps > 0)) {
      throw new IllegalArgumentException("eps must be positive, but got " + eps);
    }
    if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
      throw new IllegalArgumentException("weight_decay must be non-negative, but got " + weightDecay);
    }
  }
}
