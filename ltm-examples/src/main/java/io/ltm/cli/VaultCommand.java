package io.ltm.cli;

import io.ltm.cli.options.VerboseOption;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.core.problem.Problem;
import io.ltm.core.vault.Heading;
import io.ltm.core.vault.Note;
import io.ltm.core.vault.NoteLink;
import io.ltm.core.vault.Vault;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ltm vault PATH [--json]}: reads an Obsidian vault and prints its notes, links, backlinks and
 * problems. Exit 0 when there are no errors (warnings such as unresolved links are fine), 1 when a
 * file could not be read or the folder does not exist.
 */
@Command(
    name = "vault",
    mixinStandardHelpOptions = true,
    description = {
      "Read an Obsidian vault: notes, titles, tags, headings, links resolved as Obsidian does, backlinks.",
      "Prints a summary and the problems (file:line:col: severity: message); --json prints everything.",
      "Exit 0 when only warnings, 1 when a file cannot be read or PATH is not a folder."
    })
public final class VaultCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "PATH", description = "The vault folder (the one holding .obsidian/).")
  String path;

  @Option(names = "--json", description = "Print {\"notes\":[...],\"problems\":[...]} as JSON.")
  boolean json;

  @Mixin VerboseOption verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path root = Path.of(path);
    if (!Files.isDirectory(root)) {
      err.println("error: vault folder not found: " + path
          + (Files.exists(root) ? " is a file" : "") + "; pass the folder that holds the .md notes");
      return LtmCli.INPUT_ERROR;
    }
    Vault vault = Vault.read(root);
    List<Problem> problems = vault.problems().stream().map(p -> asGiven(p)).toList();
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      out.println(mapper.writeValueAsString(toJson(mapper, vault, problems)));
    } else {
      printSummary(out, vault, problems);
    }
    out.flush();
    return problems.stream().anyMatch(Problem::isError) ? LtmCli.INPUT_ERROR : LtmCli.OK;
  }

  /** The problem with its file as the user named it: PATH joined with the vault-relative path ({@code /}). */
  private Problem asGiven(Problem p) {
    // joined as strings: Path.resolve fails on names the platform encoding cannot represent
    String sep = path.endsWith("/") || path.endsWith(java.io.File.separator) ? "" : "/";
    String file = p.file().isEmpty() ? path : path + sep + p.file();
    return new Problem(file, p.line(), p.column(), p.severity(), p.field(), p.message());
  }

  static ObjectNode toJson(ObjectMapper mapper, Vault vault, List<Problem> problems) {
    ObjectNode root = mapper.createObjectNode();
    ArrayNode notes = root.putArray("notes");
    for (Note n : vault.notes()) {
      ObjectNode o = notes.addObject();
      o.put("path", n.path());
      o.put("title", n.title());
      ArrayNode tags = o.putArray("tags");
      n.tags().forEach(tags::add);
      ArrayNode headings = o.putArray("headings");
      for (Heading h : n.headings()) {
        headings.addObject().put("level", h.level()).put("text", h.text()).put("line", h.line());
      }
      ArrayNode links = o.putArray("links");
      for (NoteLink l : n.links()) {
        links.addObject().put("raw", l.raw()).put("target", l.target()).put("line", l.line()).put("embed", l.embed());
      }
      ArrayNode back = o.putArray("backlinks");
      vault.backlinks(n.path()).forEach(back::add);
    }
    ArrayNode ps = root.putArray("problems");
    for (Problem p : problems) {
      ps.addObject().put("file", p.file()).put("line", p.line()).put("column", p.column())
          .put("severity", p.severity().label()).put("field", p.field()).put("message", p.message());
    }
    return root;
  }

  private static String count(long n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  private void printSummary(PrintWriter out, Vault vault, List<Problem> problems) {
    Vault.Stats s = vault.stats();
    long errors = problems.stream().filter(Problem::isError).count();
    long tags = vault.notes().stream().flatMap(n -> n.tags().stream())
        .map(t -> t.toLowerCase(java.util.Locale.ROOT)).distinct().count();
    out.printf("%s: %s, %s, %s, %s (%d unresolved), %s (%s, %s)%n", path, count(s.notes(), "note"),
        count(s.attachments(), "attachment"), count(tags, "distinct tag"), count(s.links(), "link"),
        s.unresolvedLinks(), count(problems.size(), "problem"), count(errors, "error"),
        count(problems.size() - errors, "warning"));
    Map<String, Integer> perFile = new LinkedHashMap<>();
    problems.forEach(p -> perFile.merge(p.file(), 1, Integer::sum));
    for (Map.Entry<String, Integer> e : perFile.entrySet()) {
      out.printf("%s: %s%n", e.getKey(), count(e.getValue(), "problem"));
      problems.stream().filter(p -> p.file().equals(e.getKey())).forEach(p -> out.println("  " + p.format()));
    }
  }
}
