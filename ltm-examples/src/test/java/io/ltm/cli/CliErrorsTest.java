package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The one-line error a user reads says what went wrong, not just a bare path. */
class CliErrorsTest {
  @TempDir Path dir;

  @Test
  void fileExceptionsSayWhatWentWrong() {
    assertThat(CliErrors.describe(new NoSuchFileException("/x/rules.txt"))).isEqualTo("/x/rules.txt: no such file or folder");
    assertThat(CliErrors.describe(new AccessDeniedException("/x/y"))).isEqualTo("/x/y: permission denied");
    assertThat(CliErrors.describe(new UncheckedIOException(new NoSuchFileException("/a"))))
        .isEqualTo("/a: no such file or folder");
    // a reason given by the JDK is kept as it is
    assertThat(CliErrors.describe(new FileSystemException("/a", null, "Read-only file system")))
        .isEqualTo("/a: Read-only file system");
    assertThat(CliErrors.describe(new IOException("plain"))).isEqualTo("plain");
  }

  @Test
  void detectWithMissingPatternsFileNamesItAndWhy() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new LtmCli());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExitCodeExceptionMapper(ex -> ex instanceof CommandLine.ParameterException ? LtmCli.USAGE_ERROR : LtmCli.INPUT_ERROR);
    cl.setExecutionExceptionHandler((ex, c, p) -> {
      c.getErr().println("error: " + CliErrors.describe(ex));
      return LtmCli.INPUT_ERROR;
    });
    String missing = dir.resolve("no-rules.txt").toString();
    int rc = cl.execute("detect", "--scenes", "../examples/scenes", "--patterns", missing);
    assertThat(rc).isEqualTo(1);
    assertThat(err.toString().trim()).isEqualTo("error: " + missing + ": no such file or folder");
  }

  /** A command that dies the way a JVM does when its jars are rebuilt under it. */
  @CommandLine.Command(name = "boom")
  static final class Boom implements Runnable {
    @CommandLine.Option(names = "--verbose") boolean verbose;

    @Override
    public void run() {
      throw new NoClassDefFoundError("io/ltm/core/loop/Probe");
    }
  }

  @Test
  void jvmErrorsAreOneLineAndExitOneWithoutVerbose() {
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Boom());
    cl.setErr(new PrintWriter(err, true));
    assertThat(LtmCli.execute(cl)).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(err.toString()).startsWith("error: NoClassDefFoundError: io/ltm/core/loop/Probe")
        .contains("run it again").doesNotContain("\tat ");

    StringWriter verbose = new StringWriter();
    CommandLine cv = new CommandLine(new Boom());
    cv.setErr(new PrintWriter(verbose, true));
    assertThat(LtmCli.execute(cv, "--verbose")).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(verbose.toString()).contains("\tat ");
  }
}
