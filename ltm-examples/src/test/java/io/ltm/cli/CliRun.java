package io.ltm.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One in-process run of the {@code ltm} command line for tests: the same exit codes and error printing
 * as {@code ./ltm} ({@link LtmCli#execute(CommandLine, String...)}), with stdout and stderr captured.
 */
record CliRun(int code, String out, String err) {

  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new LtmCli());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = LtmCli.execute(cl, args);
    cl.getOut().flush();
    cl.getErr().flush();
    return new CliRun(code, out.toString(), err.toString());
  }
}
