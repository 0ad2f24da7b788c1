package io.ltm.core.loop;

import java.util.Objects;

/**
 * Which model a loop runs: the base model's name, the adapter applied on it (or none), and the
 * training step of that adapter's checkpoint (or none). Recorded in every {@link TraceRecord}, so
 * {@code ltm metrics} and {@code ltm report} group and compare the variants.
 *
 * @param model the base model's name, never blank
 * @param adapter the adapter's name or path, null for the base alone (blank means null)
 * @param checkpoint the adapter checkpoint's training step, null for the final adapter or the base
 */
public record ModelVariant(String model, String adapter, Integer checkpoint) {
  public ModelVariant {
    Objects.requireNonNull(model, "model");
    if (model.isBlank()) {
      throw new IllegalArgumentException("model name must not be blank");
    }
    if (adapter != null && adapter.isBlank()) {
      adapter = null;
    }
    if (checkpoint != null && checkpoint < 0) {
      throw new IllegalArgumentException("checkpoint must be >= 0 but got " + checkpoint);
    }
  }

  /** The base model alone. */
  public static ModelVariant base(String model) {
    return new ModelVariant(model, null, null);
  }

  /** True when {@code record} was produced by this variant. */
  public boolean matches(TraceRecord record) {
    return record.model().equals(model) && Objects.equals(record.adapter(), adapter)
        && Objects.equals(record.checkpoint(), checkpoint);
  }

  /** The same label as {@link TraceRecord#variant()}. */
  public String label() {
    String v = adapter == null ? model : model + "+" + adapter;
    return checkpoint == null ? v : v + "@" + checkpoint;
  }
}
