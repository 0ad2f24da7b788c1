package io.ltm.cli.options;

import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --base DIR}: the base model folder. Whether it may be left out depends on the command ({@code ltm
 * seed} and {@code ltm studio} then use the built-in random model, {@code ltm loop --backend openai} a
 * server), so picocli does not enforce it: commands that need it call {@link #require(CommandLine)}.
 */
public final class BaseModelOption {
  @Option(names = "--base", paramLabel = "DIR",
      description = "base model folder (Hugging Face layout: config.json, *.safetensors, tokenizer.json)")
  Path base;

  /** The folder given, or null when {@code --base} was left out. */
  public Path base() {
    return base;
  }

  /**
   * The folder given.
   *
   * @throws CommandLine.ParameterException (a usage error, exit code 2) when {@code --base} was left out
   */
  public Path require(CommandLine cl) {
    if (base == null) {
      throw new CommandLine.ParameterException(cl, "Missing required option: '--base=DIR' (the base model folder)");
    }
    return base;
  }
}
