package io.ltm.studio;

import java.nio.file.Path;
import java.util.Objects;

/**
 * An adapter the studio runs next to its base: its folder (PEFT layout), the label traces record for
 * it, and its checkpoint's training step (null for a final adapter). The CLI derives label and step
 * from the run directory layout ({@code RUN/adapter}, {@code RUN/checkpoint-N}) as {@code ltm loop}
 * does. Immutable.
 *
 * @param dir folder with {@code adapter_config.json} and {@code adapter_model.safetensors}
 * @param label non-blank label
 * @param checkpoint training step, or null
 */
public record StudioAdapter(Path dir, String label, Integer checkpoint) {
  public StudioAdapter {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(label, "label");
    if (label.isBlank()) {
      throw new IllegalArgumentException("adapter label must not be blank");
    }
    if (checkpoint != null && checkpoint < 0) {
      throw new IllegalArgumentException("checkpoint must be >= 0 but got " + checkpoint);
    }
  }

  /** {@code label} or {@code label@step}. */
  public String describe() {
    return checkpoint == null ? label : label + "@" + checkpoint;
  }
}
