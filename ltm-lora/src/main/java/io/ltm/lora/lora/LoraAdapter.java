package io.ltm.lora.lora;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ltm.lora.model.Projection;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * One LoRA adapter: its config and a {@link LoraModule} per targeted projection, keyed by the
 * projection's Hugging Face module name. Owns the native memory of its weights; {@link #close()} frees
 * it. Not thread-safe while training.
 */
public final class LoraAdapter implements AutoCloseable {

  /** The suffix of A's tensor name after the module name: {@value}. */
  public static final String A_SUFFIX = ".lora_A.weight";
  /** The suffix of B's tensor name after the module name: {@value}. */
  public static final String B_SUFFIX = ".lora_B.weight";

  private final String name;
  private final LoraConfig config;
  private final Map<String, LoraModule> modules;
  private final NDManager manager;

  /**
   * Wraps loaded or initialized modules.
   *
   * @param name the adapter's name (for switching), not blank
   * @param config the config, with explicit target names
   * @param modules the modules by module name; takes ownership of {@code manager}
   * @param manager owns the modules' arrays
   */
  public LoraAdapter(String name, LoraConfig config, Map<String, LoraModule> modules, NDManager manager) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("adapter name must not be blank");
    }
    if (modules.isEmpty()) {
      throw new IllegalArgumentException("adapter " + name + " has no modules");
    }
    this.name = name;
    this.config = Objects.requireNonNull(config, "config");
    this.modules = Collections.unmodifiableMap(new LinkedHashMap<>(modules));
    this.manager = manager;
  }

  /**
   * A fresh adapter for the projections its targets match, initialized as PEFT does (step 0 is the base
   * model). {@code all-linear} is resolved to the matched module suffixes, which is what PEFT saves.
   *
   * @param name the adapter name
   * @param config the settings
   * @param projections the model's projections, in model order
   * @param parent the manager the adapter's own manager hangs under (sets the device)
   * @param seed the initialization seed
   * @return the adapter, trainable (A and B require gradients)
   * @throws IllegalArgumentException when the targets match no projection (the message lists the names)
   */
  public static LoraAdapter create(String name, LoraConfig config, Collection<? extends Projection> projections,
      NDManager parent, long seed) {
    List<Projection> matched = new ArrayList<>();
    for (Projection p : projections) {
      if (config.targetModules().matches(p.name())) {
        matched.add(p);
      }
    }
    if (matched.isEmpty()) {
      TreeSet<String> suffixes = new TreeSet<>();
      for (Projection p : projections) {
        suffixes.add(p.name().substring(p.name().lastIndexOf('.') + 1));
      }
      TargetModules t = config.targetModules();
      String shown = t instanceof TargetModules.Names n ? String.valueOf(new TreeSet<>(n.names()))
          : t instanceof TargetModules.Regex r ? "'" + r.pattern() + "' (a regex)" : String.valueOf(t);
      throw new IllegalArgumentException("target_modules " + shown
          + " match no projection of the model; its projections are " + suffixes + " (or use all-linear)");
    }
    LoraConfig resolved = config;
    if (config.targetModules() instanceof TargetModules.AllLinear) {
      TreeSet<String> suffixes = new TreeSet<>();
      for (Projection p : matched) {
        suffixes.add(p.name().substring(p.name().lastIndexOf('.') + 1));
      }
      resolved = config.withTargetModules(TargetModules.names(new ArrayList<>(suffixes)));
    }
    NDManager manager = parent.newSubManager();
    Map<String, LoraModule> modules = new LinkedHashMap<>();
    for (Projection p : matched) {
      LoraModule m = LoraModule.initialize(p.name(), Math.toIntExact(p.inFeatures()),
          Math.toIntExact(p.outFeatures()), resolved, manager, seed);
      modules.put(p.name(), m);
    }
    LoraAdapter adapter = new LoraAdapter(name, resolved, modules, manager);
    adapter.setTrainable(true);
    return adapter;
  }

  /**
   * Marks A and B as requiring gradients (or not).
   *
   * @param trainable whether they train
   */
  public void setTrainable(boolean trainable) {
    for (LoraModule m : modules.values()) {
      m.loraA().setRequiresGradient(trainable);
      m.loraB().setRequiresGradient(trainable);
    }
  }

  /**
   * The trainable arrays by PEFT tensor name without the {@code base_model.model.} prefix, e.g.
   * {@code model.layers.0.self_attn.q_proj.lora_A.weight}, A before B, in module order.
   *
   * @return the live arrays (do not close)
   */
  public Map<String, NDArray> parameters() {
    Map<String, NDArray> out = new LinkedHashMap<>();
    for (LoraModule m : modules.values()) {
      out.put(m.moduleName() + A_SUFFIX, m.loraA());
      out.put(m.moduleName() + B_SUFFIX, m.loraB());
    }
    return out;
  }

  /** @return the number of trainable values */
  public long parameterCount() {
    long n = 0;
    for (LoraModule m : modules.values()) {
      n += m.parameterCount();
    }
    return n;
  }

  /**
   * The counts PEFT's {@code print_trainable_parameters} reports.
   *
   * @param baseParameters the base model's parameter count
   * @return trainable and total (base + adapter)
   */
  public TrainableParameters trainableParameters(long baseParameters) {
    return new TrainableParameters(parameterCount(), baseParameters + parameterCount());
  }

  /** @return the adapter's name */
  public String name() {
    return name;
  }

  /** @return the config (targets resolved to names) */
  public LoraConfig config() {
    return config;
  }

  /** @return the modules by module name, in model order */
  public Map<String, LoraModule> modules() {
    return modules;
  }

  /** @return the manager owning the weights (the device is its device) */
  public NDManager manager() {
    return manager;
  }

  @Override
  public void close() {
    manager.close();
  }
}
