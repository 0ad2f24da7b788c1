package io.ltm.cli.options;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --base DIR}: the base model folder, required by the commands that load a model. */
public final class BaseModelOption {
  @Option(names = "--base", required = true, paramLabel = "DIR",
      description = "base model folder (Hugging Face layout: config.json, *.safetensors, tokenizer.json)")
  Path base;

  /** The folder given. */
  public Path base() {
    return base;
  }
}
