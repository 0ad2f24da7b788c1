package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class VaultCommandTest {
  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = new CommandLine(new LtmCli());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  private void write(String rel, String text) throws IOException {
    Path p = dir.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, StandardCharsets.UTF_8);
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void jsonHasExactlyTheContractShape() throws Exception {
    write("b/Second.md", "---\ntitle: Zweite\ntags: [x]\n---\n# Head\n![[pic.png]] [[Missing]]");
    write("a/First.md", "# One\n[[Second|s]] #tag");
    write("a/pic.png", "png");
    write(".obsidian/app.json", "{}");
    int code = run("vault", dir.toString(), "--json");
    assertThat(code).as(err.toString()).isZero();
    JsonNode root = new ObjectMapper().readTree(out.toString());
    assertThat(fieldNames(root)).containsExactly("notes", "problems");
    JsonNode notes = root.get("notes");
    assertThat(notes).hasSize(2);
    assertThat(notes.get(0).get("path").asText()).isEqualTo("a/First.md");
    JsonNode second = notes.get(1);
    assertThat(fieldNames(second)).containsExactly("path", "title", "tags", "headings", "links", "backlinks");
    assertThat(second.get("title").asText()).isEqualTo("Zweite");
    assertThat(second.get("tags").get(0).asText()).isEqualTo("x");
    JsonNode heading = second.get("headings").get(0);
    assertThat(fieldNames(heading)).containsExactly("level", "text", "line");
    assertThat(heading.get("level").asInt()).isEqualTo(1);
    assertThat(heading.get("line").asInt()).isEqualTo(5);
    JsonNode embed = second.get("links").get(0);
    assertThat(fieldNames(embed)).containsExactly("raw", "target", "line", "embed");
    assertThat(embed.get("raw").asText()).isEqualTo("![[pic.png]]");
    assertThat(embed.get("target").asText()).isEqualTo("a/pic.png");
    assertThat(embed.get("embed").asBoolean()).isTrue();
    assertThat(second.get("links").get(1).get("target").isNull()).isTrue();
    assertThat(second.get("backlinks").get(0).asText()).isEqualTo("a/First.md");
    JsonNode problem = root.get("problems").get(0);
    assertThat(fieldNames(problem)).containsExactly("file", "line", "column", "severity", "field", "message");
    assertThat(problem.get("file").asText()).isEqualTo(dir.resolve("b/Second.md").toString());
    assertThat(problem.get("line").asInt()).isEqualTo(6);
    assertThat(problem.get("column").asInt()).isEqualTo(14);
    assertThat(problem.get("severity").asText()).isEqualTo("warning");
    assertThat(problem.get("field").asText()).isEqualTo("links");
  }

  @Test
  void summaryCountsAndListsProblemsPerNote() throws IOException {
    write("n.md", "[[gone]] [[m]]");
    write("m.md", "text");
    int code = run("vault", dir.toString());
    assertThat(code).isZero();
    assertThat(out.toString())
        .contains("2 notes, 0 attachments", "2 links (1 unresolved)", "1 problems (0 errors, 1 warnings)")
        .contains(dir.resolve("n.md") + ":1:1: warning: unresolved link [[gone]]");
  }

  @Test
  void errorsGiveExitOne() throws IOException {
    write("ok.md", "fine");
    Path big = dir.resolve("huge.md");
    try (var ch = Files.newByteChannel(big, java.nio.file.StandardOpenOption.CREATE_NEW,
        java.nio.file.StandardOpenOption.WRITE)) {
      ch.position(io.ltm.core.vault.Vault.MAX_NOTE_BYTES); // sparse file one byte over the limit
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {'x'}));
    }
    int code = run("vault", dir.toString(), "--json");
    assertThat(code).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(out.toString()).contains("\"severity\" : \"error\"", "byte limit");
  }

  @Test
  void missingFolderIsAnInputError() {
    int code = run("vault", dir.resolve("nowhere").toString());
    assertThat(code).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(err.toString()).contains("error: vault folder not found:", "nowhere");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void missingPathIsAUsageError() {
    assertThat(LtmCli.execute("vault")).isEqualTo(LtmCli.USAGE_ERROR);
  }

  @Test
  void readsTheBundledExampleVault() throws Exception {
    int code = run("vault", "../examples/vault", "--json");
    assertThat(code).as(err.toString()).isZero();
    JsonNode root = new ObjectMapper().readTree(out.toString());
    assertThat(root.get("notes").size()).isGreaterThanOrEqualTo(30);
    List<String> paths = new ArrayList<>();
    root.get("notes").forEach(n -> paths.add(n.get("path").asText()));
    assertThat(paths).isSorted().contains("память/Рефлексия модели.md", "LTM_2.md");
    assertThat(out.toString()).contains("\"target\" : null");
  }
}
