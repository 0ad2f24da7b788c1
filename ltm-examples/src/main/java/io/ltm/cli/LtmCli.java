package io.ltm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ltm} command line: one subcommand per capability. Exit codes: 0 success, 1 the input
 * has errors, 2 usage errors. Stack traces only with {@code --verbose}.
 */
@Command(
    name = "ltm",
    mixinStandardHelpOptions = true,
    versionProvider = LtmCli.Version.class,
    description = "Cognitive fine-tuning: scenes and vaults -> datasets -> LoRA adapters -> thinking loops -> thought metrics.",
    subcommands = {
      CommandLine.HelpCommand.class,
      SeedCommand.class,
      ValidateCommand.class,
      VaultCommand.class,
      DatasetCommand.class,
      RandomModelCommand.class,
      ServeCommand.class,
      TrainCommand.class,
      ExportCommand.class,
      PlanCommand.class,
      DoctorCommand.class,
      ScoreCommand.class,
      GenerateCommand.class,
      LoopCommand.class,
      IndexCommand.class,
      SearchCommand.class,
      DetectCommand.class,
      MetricsCommand.class,
      ReportCommand.class,
      StudioCommand.class,
    })
public final class LtmCli implements Runnable {

  /** Exit code when the command succeeded. */
  public static final int OK = 0;
  /** Exit code when the input has errors (invalid scenes, malformed checkpoints, ...). */
  public static final int INPUT_ERROR = 1;
  /** Exit code for usage errors (unknown option, missing argument). */
  public static final int USAGE_ERROR = 2;
  /** Exit code when some loop iterations failed part-way (recorded; running the command again retries them). */
  public static final int PARTIAL = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand");
  }

  /** Runs the CLI with {@code args} and returns the exit code, without exiting the JVM. */
  public static int execute(String... args) {
    return execute(new CommandLine(new LtmCli()), args);
  }

  /**
   * Runs {@code cl} with the CLI's exit codes and error printing. A JVM {@link Error} (a native library
   * that fails to load, out of memory, a class missing because the jars were rebuilt under a running
   * command) is one {@code error:} line and exit 1 too, not a stack trace; {@code --verbose} shows it.
   */
  static int execute(CommandLine cl, String... args) {
    boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
    cl.setExitCodeExceptionMapper(ex -> ex instanceof CommandLine.ParameterException ? USAGE_ERROR : INPUT_ERROR);
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("error: " + CliErrors.describe(ex));
      if (verbose) {
        ex.printStackTrace(commandLine.getErr());
      } else {
        commandLine.getErr().println("(run with --verbose for the stack trace)");
      }
      return INPUT_ERROR;
    });
    try {
      return cl.execute(args);
    } catch (Error e) {
      cl.getErr().println("error: " + e.getClass().getSimpleName() + ": " + CliErrors.describe(e));
      if (e instanceof NoClassDefFoundError) {
        cl.getErr().println("(the ltm jars changed while this command ran, e.g. another ./ltm rebuilt them; run it again)");
      }
      if (verbose) {
        e.printStackTrace(cl.getErr());
      } else {
        cl.getErr().println("(run with --verbose for the stack trace)");
      }
      cl.getErr().flush();
      return INPUT_ERROR;
    }
  }

  public static void main(String[] args) {
    // ./ltm enables jdk.incubator.vector for the engine's decode kernel; Lucene 9 sees the flag, cannot use
    // it on Java 17 and warns on every run. Its own scalar code path is what runs either way.
    LUCENE_VECTORIZATION_LOG.setLevel(java.util.logging.Level.SEVERE);
    System.exit(execute(args));
  }

  /** Held so that the level set in {@link #main} is not lost when JUL collects an unreferenced logger. */
  private static final java.util.logging.Logger LUCENE_VECTORIZATION_LOG =
      java.util.logging.Logger.getLogger("org.apache.lucene.internal.vectorization");

  /** Prints the project version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = LtmCli.class.getPackage().getImplementationVersion();
      return new String[] {"ltm " + (v == null ? "dev" : v)};
    }
  }
}
