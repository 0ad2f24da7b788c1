package io.ltm.lora.generate;

import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.core.generate.TextGenerator;
import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraModel;
import java.util.Objects;

/**
 * A {@link TextGenerator} that runs one adapter (or the base alone) of a {@link LoraModel}: each
 * generation selects it on the calling thread for its duration ({@link LoraModel#use}), so several
 * such generators over one loaded base switch adapters per request without reloading anything.
 * Thread-safe as {@link LocalGenerator} is; closing is left to the owners of the model and the
 * LoRA wrapper.
 */
public final class AdapterGenerator implements TextGenerator {
  private final LocalGenerator generator;
  private final LoraModel lora;
  private final String adapter;
  private final String name;

  /**
   * @param model the loaded base model, whose decoder {@code lora} wraps
   * @param lora the LoRA wrapper of {@code model.decoder()}
   * @param adapter an attached adapter's name, or {@link AdapterSelection#BASE} for the base alone
   * @throws IllegalArgumentException when {@code lora} does not wrap this model's decoder or no such
   *     adapter is attached
   */
  public AdapterGenerator(LocalModel model, LoraModel lora, String adapter) {
    Objects.requireNonNull(model, "model");
    this.lora = Objects.requireNonNull(lora, "lora");
    this.adapter = Objects.requireNonNull(adapter, "adapter");
    if (lora.decoder() != model.decoder()) {
      throw new IllegalArgumentException("the LoRA model wraps another decoder than " + model.name() + "'s");
    }
    if (!adapter.equals(AdapterSelection.BASE) && !lora.adapters().containsKey(adapter)) {
      throw new IllegalArgumentException("no adapter named " + adapter + " is attached; attached: " + lora.adapters().keySet());
    }
    this.generator = model.generator();
    this.name = adapter.isEmpty() ? model.name() : model.name() + "+" + adapter;
  }

  /** The base model's name, plus {@code +adapter} when an adapter is selected. */
  @Override
  public String modelName() {
    return name;
  }

  @Override
  public Generation doGenerate(GenerationRequest request) {
    try (AdapterSelection.Scope s = lora.use(adapter)) {
      return generator.doGenerate(request);
    }
  }
}
