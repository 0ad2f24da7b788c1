package io.ltm.lora.lora;

import ai.djl.ndarray.NDArray;
import io.ltm.lora.model.ForwardingProjection;
import io.ltm.lora.model.LowRankUpdate;
import io.ltm.lora.model.Projection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A frozen projection plus the LoRA updates of any number of attached adapters; the model's shared
 * {@link AdapterSelection} decides per call which one applies: {@code y = base(x) + delta_active(x)}.
 * When an adapter is merged into the base weight ({@link LoraMerge}), its update is already in
 * {@code base} and is not added again. As a {@link LowRankUpdate} it tells the one-row decoder which
 * update applies, so decoding with an adapter runs in Java as well. Thread-safe for inference.
 */
public final class LoraProjection extends ForwardingProjection implements LowRankUpdate {

  private final AdapterSelection selection;
  private final Map<String, LoraModule> adapters = new ConcurrentHashMap<>();
  private volatile String merged;

  /**
   * @param base the frozen projection
   * @param selection the model-wide adapter choice
   */
  public LoraProjection(Projection base, AdapterSelection selection) {
    super(base);
    this.selection = Objects.requireNonNull(selection, "selection");
  }

  /**
   * Attaches (or replaces) an adapter's module for this projection.
   *
   * @param adapterName the adapter's name
   * @param module its module; its shapes must fit this projection
   * @throws IllegalArgumentException when the shapes do not fit
   */
  public void attach(String adapterName, LoraModule module) {
    if (module.inFeatures() != base().inFeatures() || module.outFeatures() != base().outFeatures()) {
      throw new IllegalArgumentException(base().name() + ": adapter " + adapterName + " has lora_A [" + module.rank()
          + ", " + module.inFeatures() + "] and lora_B [" + module.outFeatures() + ", " + module.rank()
          + "], but the projection maps " + base().inFeatures() + " -> " + base().outFeatures());
    }
    adapters.put(adapterName, module);
  }

  /** @param adapterName the adapter to drop from this projection */
  public void detach(String adapterName) {
    adapters.remove(adapterName);
  }

  /** @param adapterName the adapter @return its module here, or null */
  public LoraModule module(String adapterName) {
    return adapters.get(adapterName);
  }

  void setMerged(String adapterName) {
    this.merged = adapterName;
  }

  /** @return the name of the adapter merged into the base weight, or null */
  public String merged() {
    return merged;
  }

  @Override
  public NDArray apply(NDArray x) {
    LoraModule mod = activeModule();
    NDArray y = base().apply(x); // (..., out)
    return mod == null ? y : y.add(mod.delta(x, selection.training()));
  }

  @Override
  public LowRank lowRank() {
    LoraModule mod = activeModule();
    if (mod == null) {
      return LowRank.NONE;
    }
    if (selection.training() && mod.dropout() > 0) {
      return null; // dropout draws: libtorch's path
    }
    return new LowRank(mod.loraA(), mod.loraB(), (float) mod.scaling());
  }

  /** The module whose update applies to this thread's next call, or null for the base alone. */
  private LoraModule activeModule() {
    String active = selection.active();
    String m = merged;
    if (m != null && !m.equals(active)) {
      throw new IllegalStateException(base().name() + ": adapter " + m + " is merged into the base weights; unmerge it "
          + "before running " + (active.isEmpty() ? "the base model" : "adapter " + active));
    }
    if (active.isEmpty() || active.equals(m)) {
      return null;
    }
    return adapters.get(active);
  }
}
