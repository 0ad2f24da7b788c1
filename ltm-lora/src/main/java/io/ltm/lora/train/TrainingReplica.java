package io.ltm.lora.train;

import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraAdapter;
import java.util.Objects;

/**
 * One extra data-parallel replica for {@link LoraTrainer.Builder#optReplicas}: its own copy of the base
 * model (typically on another device), wrapped as a {@link CausalLanguageModel}, with an adapter of the
 * same name, targets and shapes as the trained (primary) one attached, and that model's selection. The
 * trainer overwrites the replica's adapter values with the primary's before the first step and after every
 * step; the caller keeps ownership (closes the model and adapter after training).
 *
 * @param model the replica's model, with {@code adapter} attached (a distinct model from the primary's)
 * @param adapter the replica's adapter, named as the primary's
 * @param selection the replica model's adapter selection
 */
public record TrainingReplica(CausalLanguageModel model, LoraAdapter adapter, AdapterSelection selection) {

  /** Checks that no part is missing. */
  public TrainingReplica {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(adapter, "adapter");
    Objects.requireNonNull(selection, "selection");
  }
}
