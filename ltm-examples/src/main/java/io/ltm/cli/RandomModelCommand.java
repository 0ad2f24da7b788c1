package io.ltm.cli;

import io.ltm.cli.options.VerboseOption;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ltm random-model}: writes a seeded random checkpoint in the Hugging Face layout. */
@Command(
    name = "random-model",
    mixinStandardHelpOptions = true,
    description = "Write a seeded random decoder checkpoint in the Hugging Face layout (config.json, "
        + "safetensors, tokenizer, generation_config.json).")
public final class RandomModelCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--preset", required = true, completionCandidates = PresetNames.class,
      description = "one of: ${COMPLETION-CANDIDATES}")
  String preset;

  @Option(names = "--layers", description = "decoder layers instead of the preset's (e.g. a few layers of a "
      + "large shape, to measure memory or speed on a smaller machine)")
  Integer layers;

  @Option(names = "--out", required = true, description = "output directory")
  Path out;

  @Option(names = "--dtype", defaultValue = "f32", description = "f32, bf16 or f16 (default: ${DEFAULT-VALUE})")
  String dtype;

  @Option(names = "--seed", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--shards", defaultValue = "1", description = "number of safetensors shards (default: ${DEFAULT-VALUE})")
  int shards;

  @Option(names = "--tokenizer", description = "directory with tokenizer.json (default: examples/tokenizer/qwen3)")
  Path tokenizer;

  @Mixin VerboseOption verbose;

  /** The preset names, for the help text. */
  static final class PresetNames implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.Arrays.stream(CheckpointPreset.values()).map(CheckpointPreset::cliName).iterator();
    }
  }

  @Override
  public Integer call() throws Exception {
    CheckpointPreset p;
    TensorDType t;
    try {
      p = CheckpointPreset.fromCliName(preset);
      t = TensorDType.valueOf(dtype.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          e.getMessage().startsWith("No enum") ? "unknown --dtype \"" + dtype + "\"; use f32, bf16 or f16" : e.getMessage());
    }
    if (layers != null && layers < 1) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--layers must be >= 1 but is " + layers);
    }
    io.ltm.lora.io.ModelConfig config = layers == null ? p.config() : p.config().toBuilder().numLayers(layers).build();
    RandomCheckpointWriter.Builder b = RandomCheckpointWriter.builder(config).dtype(t).seed(seed).shards(shards);
    if (tokenizer != null) {
      b.tokenizerDir(tokenizer);
    }
    b.build().write(out);
    spec.commandLine().getOut().printf("wrote %s (%s, %d layers, %s, seed %d, %d parameters) to %s%n",
        p.cliName(), config.modelType(), config.numLayers(), t, seed, config.parameterCount(), out);
    return LtmCli.OK;
  }
}
