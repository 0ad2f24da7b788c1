package io.ltm.lora.lora;

import java.util.Locale;

/**
 * Counts of trainable and all parameters, as PEFT's {@code print_trainable_parameters} reports them.
 *
 * @param trainable values that train (lora_A and lora_B)
 * @param total all values: the base model's plus the adapter's
 */
public record TrainableParameters(long trainable, long total) {

  /** Checks the counts. */
  public TrainableParameters {
    if (trainable < 0 || total < trainable) {
      throw new IllegalArgumentException("need 0 <= trainable <= total, but got " + trainable + " and " + total);
    }
  }

  /** @return trainable / total as a percentage */
  public double percent() {
    return total == 0 ? 0 : 100.0 * trainable / total;
  }

  /**
   * PEFT's line: {@code trainable params: 1,234 || all params: 5,678 || trainable%: 21.7330}.
   *
   * @return the formatted line
   */
  public String format() {
    return String.format(Locale.ROOT, "trainable params: %,d || all params: %,d || trainable%%: %.4f",
        trainable, total, percent());
  }
}
