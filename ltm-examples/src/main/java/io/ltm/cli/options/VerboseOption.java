package io.ltm.cli.options;

import picocli.CommandLine.Option;

/**
 * {@code --verbose}: print the stack trace of a failure. The CLI's error handler looks for the flag in
 * the arguments itself (it must know before parsing succeeds); commands only declare it here.
 */
public final class VerboseOption {
  @Option(names = "--verbose", description = "print stack traces")
  boolean verbose;

  /** True when {@code --verbose} was given. */
  public boolean verbose() {
    return verbose;
  }
}
