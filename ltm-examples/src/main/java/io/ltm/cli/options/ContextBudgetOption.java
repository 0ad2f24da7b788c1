package io.ltm.cli.options;

import picocli.CommandLine.Option;

/** {@code --context-budget N}: tokens of retrieved vault context put before each prompt. */
public final class ContextBudgetOption {
  /** The budget when the flag is not given. */
  public static final int DEFAULT = 768;

  @Option(names = "--context-budget", paramLabel = "N", defaultValue = "" + DEFAULT,
      description = "tokens of retrieved vault context per prompt, counted with the model's tokenizer (default: ${DEFAULT-VALUE})")
  int budget;

  /** The budget in tokens. */
  public int budget() {
    return budget;
  }
}
