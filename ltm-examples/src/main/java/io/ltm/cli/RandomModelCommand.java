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

  @Option(names = "--preset", required = true,
      description = "tiny-qwen3, tiny-llama, tiny-llama3-rope, tiny-qwen2 or qwen3-0.6b")
  String preset;

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
    RandomCheckpointWriter.Builder b = RandomCheckpointWriter.builder(p).dtype(t).seed(seed).shards(shards);
    if (tokenizer != null) {
      b.tokenizerDir(tokenizer);
    }
    b.build().write(out);
    spec.commandLine().getOut().printf("wrote %s (%s, %s, seed %d, %d parameters) to %s%n",
        p.cliName(), p.config().modelType(), t, seed, p.config().parameterCount(), out);
    return LtmCli.OK;
  }
}
