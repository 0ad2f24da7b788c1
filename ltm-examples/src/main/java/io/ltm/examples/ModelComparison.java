package io.ltm.examples;

import io.ltm.core.loop.ContextProvider;
import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.LoopListener;
import io.ltm.core.loop.ModelVariant;
import io.ltm.core.loop.Probe;
import io.ltm.core.loop.ProbeResult;
import io.ltm.core.loop.ThinkingLoop;
import io.ltm.lora.generate.AdapterGenerator;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Runs the same probes through the {@link ThinkingLoop} with a base model and with each of several
 * adapters over it, loading the base once and switching adapters per generation ({@link
 * AdapterGenerator}). Every variant appends to one trace file under one run id, so {@code ltm
 * metrics} and {@code ltm report} put them side by side; the loop's resume makes a re-run continue
 * where an interrupted one stopped.
 *
 * <p>Build with {@link #builder()}; {@link #run} loads the model, runs, and frees it. Not for
 * concurrent use.
 */
public final class ModelComparison {
  private final Path base;
  private final boolean includeBase;
  private final List<AdapterSpec> adapters;
  private final LoadOptions load;
  private final UnaryOperator<ThinkingLoop.Builder> loopSettings;

  private ModelComparison(Builder b) {
    this.base = b.base;
    this.includeBase = b.includeBase;
    this.adapters = List.copyOf(b.adapters);
    this.load = b.load;
    this.loopSettings = b.loopSettings;
  }

  /** A builder; the base model folder is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs every probe for the base (when included) and then each adapter, appending to {@code
   * traceFile}.
   *
   * @return the results, variant by variant, probe by probe
   * @throws IllegalArgumentException when an adapter does not fit the base (naming it)
   */
  public List<ProbeResult> run(List<Probe> probes, Path traceFile) throws IOException {
    List<ProbeResult> results = new ArrayList<>();
    try (LocalModel model = LocalModel.open(base, load); LoraModel lora = new LoraModel(model.decoder())) {
      List<ThinkingLoop> loops = new ArrayList<>();
      if (includeBase) {
        loops.add(loop(new AdapterGenerator(model, lora, AdapterSelection.BASE), ModelVariant.base(model.name())));
      }
      int i = 0;
      for (AdapterSpec a : adapters) {
        String name = "adapter" + i++;
        try {
          lora.load(a.dir(), name);
        } catch (IOException e) {
          throw new IllegalArgumentException("adapter " + a.dir() + " does not load on " + base + ": " + e.getMessage(), e);
        }
        loops.add(loop(new AdapterGenerator(model, lora, name), new ModelVariant(model.name(), a.label(), a.checkpoint())));
      }
      for (ThinkingLoop l : loops) {
        results.addAll(l.run(probes, traceFile));
      }
    }
    return results;
  }

  private ThinkingLoop loop(AdapterGenerator generator, ModelVariant variant) {
    return loopSettings.apply(ThinkingLoop.builder()).generator(generator).variant(variant).build();
  }

  /** Builds a {@link ModelComparison}. */
  public static final class Builder {
    private Path base;
    private boolean includeBase = true;
    private final List<AdapterSpec> adapters = new ArrayList<>();
    private LoadOptions load = LoadOptions.cpu();
    private UnaryOperator<ThinkingLoop.Builder> loopSettings = UnaryOperator.identity();

    private Builder() {}

    /** The base model folder (Hugging Face layout; required). */
    public Builder base(Path base) {
      this.base = base;
      return this;
    }

    /** Whether the base alone runs too (default true). */
    public Builder includeBase(boolean includeBase) {
      this.includeBase = includeBase;
      return this;
    }

    /** Adds an adapter to run. */
    public Builder adapter(AdapterSpec adapter) {
      adapters.add(Objects.requireNonNull(adapter, "adapter"));
      return this;
    }

    /** Device and dtype for the base (default f32 on the CPU). */
    public Builder load(LoadOptions load) {
      this.load = Objects.requireNonNull(load, "load");
      return this;
    }

    /**
     * Settings of every variant's loop (iterations, {@link GenerationSettings}, run id, {@link
     * ContextProvider}, {@link LoopListener}, ...); generator and variant are set per variant.
     */
    public Builder loop(UnaryOperator<ThinkingLoop.Builder> settings) {
      this.loopSettings = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /** @throws IllegalArgumentException naming what is missing or duplicated */
    public ModelComparison build() {
      Objects.requireNonNull(base, "base model folder is required");
      if (!Files.isDirectory(base)) {
        throw new IllegalArgumentException(base + " is not a folder; point --base at a Hugging Face model folder "
            + "(config.json, model.safetensors, tokenizer.json)");
      }
      if (!includeBase && adapters.isEmpty()) {
        throw new IllegalArgumentException("nothing to run: the base is left out and no adapter is given");
      }
      Set<String> seen = new HashSet<>();
      for (AdapterSpec a : adapters) {
        if (!seen.add(a.describe())) {
          throw new IllegalArgumentException("two adapters would be recorded as " + a.describe()
              + "; traces could not tell them apart (give adapters from different runs or checkpoints)");
        }
      }
      // Fail now, not after loading the model, when the loop settings are wrong.
      loopSettings.apply(ThinkingLoop.builder()).generator(new io.ltm.core.generate.TextGenerator() {
        @Override
        public String modelName() {
          return "check";
        }

        @Override
        public io.ltm.core.generate.Generation doGenerate(io.ltm.core.generate.GenerationRequest request) {
          throw new UnsupportedOperationException();
        }
      }).build();
      return new ModelComparison(this);
    }
  }
}
