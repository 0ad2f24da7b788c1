package io.ltm.cli;

import io.ltm.cli.options.VerboseOption;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.core.problem.Problem;
import io.ltm.core.scene.SceneLoad;
import io.ltm.core.scene.SceneReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ltm validate PATH... [--json]}: reads scene files and folders leniently and reports every
 * problem. Without {@code --json}, one {@code file:line:col: error|warning: message} line per problem on
 * stdout; with it, a JSON array of {@code {"file","line","column","severity","field","message"}}. A
 * one-line summary always goes to stderr, so stdout stays clean. Exit code 1 when there is any error
 * (a missing path is one), 0 otherwise (warnings do not fail).
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Validate scene YAML files (one scene or a list of scenes per file; folders are walked for *.yaml, *.yml).",
      "Prints file:line:col: error|warning: message per problem and a summary on stderr.",
      "Exit code 1 if any error, 0 otherwise (warnings do not fail)."
    })
public final class ValidateCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Scene files or folders holding them.")
  List<Path> paths;

  @Option(names = "--json", description = "Print the problems as a JSON array of {file, line, column, severity, field, message}.")
  boolean json;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    SceneLoad load = SceneReader.readLenient(paths);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (json) {
      out.println(toJson(load.problems()));
    } else {
      for (Problem p : load.problems()) {
        out.println(p.format());
      }
    }
    out.flush();
    int errors = load.errors().size();
    int warnings = load.warnings().size();
    err.println((errors > 0 ? "invalid: " : "ok: ") + plural(load.scenes().size(), "valid scene") + ", "
        + plural(errors, "error") + ", " + plural(warnings, "warning"));
    err.flush();
    return errors > 0 ? LtmCli.INPUT_ERROR : LtmCli.OK;
  }

  /** The problems as the JSON array {@code --json} prints. */
  static String toJson(List<Problem> problems) throws Exception {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ArrayNode array = mapper.createArrayNode();
    for (Problem p : problems) {
      ObjectNode o = array.addObject();
      o.put("file", p.file());
      o.put("line", p.line());
      o.put("column", p.column());
      o.put("severity", p.severity().label());
      o.put("field", p.field());
      o.put("message", p.message());
    }
    return mapper.writeValueAsString(array);
  }

  private static String plural(int n, String word) {
    return n + " " + word + (n == 1 ? "" : "s");
  }
}
