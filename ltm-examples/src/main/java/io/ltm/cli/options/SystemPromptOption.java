package io.ltm.cli.options;

import picocli.CommandLine.Option;

/** {@code --system TEXT}: a system message placed before every prompt. */
public final class SystemPromptOption {
  @Option(names = "--system", paramLabel = "TEXT", description = "a system message before every prompt (default: none)")
  String system;

  /** The message, or null when none was given. */
  public String system() {
    return system;
  }
}
