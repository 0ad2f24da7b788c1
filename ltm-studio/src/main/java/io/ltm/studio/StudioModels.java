package io.ltm.studio;

import io.ltm.core.loop.ModelVariant;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models the studio runs: one base loaded once (the user's, or the built-in random Qwen3 written
 * to a temporary folder, the same tiny checkpoint {@code ltm seed} makes without {@code --base}), and
 * each adapter attached over it. Owns the model, the LoRA wrapper and the temporary folder; close it
 * once, after the server stopped. Thread-safe for concurrent generations.
 */
final class StudioModels implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StudioModels.class);

  /** One runnable variant: the base or an adapter. */
  record Variant(int index, String label, ModelVariant variant, String adapterName, StudioAdapter adapter) {
    boolean isBase() {
      return adapter == null;
    }
  }

  private final LocalModel model;
  private final LoraModel lora;
  private final List<Variant> variants;
  private final boolean random;
  private final Path randomDir;

  private StudioModels(LocalModel model, LoraModel lora, List<Variant> variants, boolean random, Path randomDir) {
    this.model = model;
    this.lora = lora;
    this.variants = List.copyOf(variants);
    this.random = random;
    this.randomDir = randomDir;
  }

  /**
   * Loads the base (or writes and loads the random model when {@code base} is null) and attaches the
   * adapters.
   *
   * @throws IllegalArgumentException naming the folder that is not a model or an adapter that does not fit
   */
  static StudioModels open(Path base, List<StudioAdapter> adapters, LoadOptions load) throws IOException {
    Path dir = base;
    Path tmp = null;
    if (base == null) {
      Path tokenizer = RandomCheckpointWriter.findDefaultTokenizerDir();
      if (tokenizer == null) {
        throw new IllegalArgumentException("the built-in random model needs the Qwen3 tokenizer ("
            + RandomCheckpointWriter.DEFAULT_TOKENIZER_DIR + " in the ltm repository); run from the repository, or pass --base");
      }
      tmp = Files.createTempDirectory("ltm-studio-random-");
      dir = tmp.resolve("random-qwen3");
      RandomCheckpointWriter.builder(CheckpointPreset.TINY_QWEN3).seed(42).tokenizerDir(tokenizer).build().write(dir);
      LOG.info("no --base: running the built-in random model ({})", dir);
    } else if (!Files.isRegularFile(base.resolve("config.json"))) {
      throw new IllegalArgumentException(base + ": no config.json; --base must be a Hugging Face model folder "
          + "(config.json, model.safetensors, tokenizer.json)");
    }
    LocalModel model = LocalModel.open(dir, load);
    LoraModel lora = new LoraModel(model.decoder());
    try {
      String baseName = base == null ? "random-qwen3" : model.name();
      List<Variant> vs = new ArrayList<>();
      vs.add(new Variant(0, baseName + " (base)", ModelVariant.base(baseName), AdapterSelection.BASE, null));
      int i = 0;
      for (StudioAdapter a : adapters) {
        String name = "adapter" + i++;
        try {
          lora.load(a.dir(), name);
        } catch (IOException | RuntimeException e) {
          throw new IllegalArgumentException("adapter " + a.dir() + " does not load on " + dir + ": " + e.getMessage(), e);
        }
        vs.add(new Variant(vs.size(), a.describe(), new ModelVariant(baseName, a.label(), a.checkpoint()), name, a));
      }
      return new StudioModels(model, lora, vs, base == null, tmp);
    } catch (RuntimeException e) {
      lora.close();
      model.close();
      deleteTree(tmp);
      throw e;
    }
  }

  LocalModel model() {
    return model;
  }

  /** The base first, then the adapters in the order given. */
  List<Variant> variants() {
    return variants;
  }

  /** True when running the built-in random model. */
  boolean random() {
    return random;
  }

  /** The base model's name as traces record it. */
  String baseName() {
    return variants.get(0).variant().model();
  }

  /** A generator of {@code v} with the given thinking budget (0 = none). */
  ThinkingGenerator generator(Variant v, int thinkBudget) {
    return new ThinkingGenerator(model, lora, v.adapterName(), v.variant().label(), thinkBudget);
  }

  @Override
  public void close() {
    try {
      lora.close();
    } finally {
      try {
        model.close();
      } finally {
        deleteTree(randomDir);
      }
    }
  }

  private static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", dir, new UncheckedIOException(e).getMessage());
    }
  }
}
