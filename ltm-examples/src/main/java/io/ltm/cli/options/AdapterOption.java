package io.ltm.cli.options;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --adapter DIR}, repeatable: LoRA adapters applied to the base model, each a PEFT folder, a
 * training run folder (its {@code adapter/}) or one of its {@code checkpoint-N} folders.
 */
public final class AdapterOption {
  @Option(names = "--adapter", paramLabel = "DIR",
      description = "LoRA adapter: its folder (PEFT layout), a training run folder or its checkpoint-N folder; repeatable")
  List<Path> adapters = new ArrayList<>();

  /** The adapters in the order given; empty when none. */
  public List<Path> adapters() {
    return List.copyOf(adapters);
  }
}
