package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DatasetCommandTest {
  static final String TOKENIZER = "../examples/tokenizer/qwen3";

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  static final String SCENE = """
      id: %s
      title: A scene
      lang: en
      context: |
        Three weeks of postponing the first run.
      prompt: |
        Why do I keep postponing it?
      thought:
        - kind: observe
          text: The reasons change every week.
        - kind: tension
          text: I want a perfect dataset, but only a run shows what is wrong with it.
        - kind: rewrite
          revises: 1
          text: Not perfect, runnable.
      answer: |
        Run it today on the scenes I have.
      """;

  @Test
  void buildsAndWritesAllFiles(@TempDir Path dir) throws Exception {
    Path scenes = Files.createDirectories(dir.resolve("scenes"));
    Files.writeString(scenes.resolve("a.yaml"), SCENE.formatted("first-run"));
    Files.writeString(scenes.resolve("b.yaml"), SCENE.formatted("second-run").replace("today", "tomorrow"));
    Path out = dir.resolve("out/data.jsonl");
    CliRun r = run("dataset", scenes.toString(), "--tokenizer", TOKENIZER, "--out", out.toString(), "--max-len", "512", "--pack");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("scene_examples:       2").contains("packed:               true");
    List<String> lines = Files.readAllLines(out);
    assertThat(lines).hasSize(2);
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertThat(first.get("id").asText()).isEqualTo("first-run");
    assertThat(first.at("/messages/0/content").asText())
        .isEqualTo("Three weeks of postponing the first run.\n\nWhy do I keep postponing it?");
    assertThat(first.at("/messages/1/reasoning_content").asText()).startsWith("The reasons change every week.\n\n");
    assertThat(first.get("step_kinds").toString()).isEqualTo("[\"observe\",\"tension\",\"rewrite\"]");
    List<String> tokens = Files.readAllLines(dir.resolve("out/data.tokens.jsonl"));
    assertThat(tokens).isNotEmpty();
    assertThat(new ObjectMapper().readTree(tokens.get(0)).get("input_ids")).hasSize(512);
    assertThat(Files.exists(dir.resolve("out/data.stats.json"))).isTrue();
  }

  @Test
  void whenEveryExampleIsLeftOutNothingIsWrittenAndTheExitCodeIsOne(@TempDir Path dir) throws Exception {
    Path scenes = Files.createDirectories(dir.resolve("scenes"));
    Files.writeString(scenes.resolve("a.yaml"), SCENE.formatted("first-run"));
    Path out = dir.resolve("out/data.jsonl");
    CliRun r = run("dataset", scenes.toString(), "--tokenizer", TOKENIZER, "--out", out.toString(), "--max-len", "16");
    assertThat(r.code()).as(r.err()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(r.err()).contains("first-run left out:").contains("over --max-len 16")
        .contains("every example was left out");
    assertThat(Files.exists(out)).isFalse();
    assertThat(Files.exists(dir.resolve("out/data.tokens.jsonl"))).isFalse();
  }

  @Test
  void vaultNotesBecomeTextExamplesWithoutFrontmatter(@TempDir Path dir) throws Exception {
    Path scenes = Files.createDirectories(dir.resolve("scenes"));
    Files.writeString(scenes.resolve("a.yaml"), SCENE.formatted("first-run"));
    Path vault = Files.createDirectories(dir.resolve("vault"));
    Files.writeString(vault.resolve("Память.md"), "---\ntitle: Память\ntags: [memory]\n---\nВступление.\n\n"
        + "# План\nЗапустить на 20 сценах.\n\n## Риски\nМало данных.\n");
    Path out = dir.resolve("data.jsonl");
    CliRun r = run("dataset", scenes.toString(), "--tokenizer", TOKENIZER, "--out", out.toString(), "--vault", vault.toString(),
        "--val-fraction", "0");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("note_examples:        3");
    List<String> notes = Files.readAllLines(dir.resolve("data.notes.jsonl"));
    assertThat(notes).hasSize(3);
    JsonNode plan = new ObjectMapper().readTree(notes.get(1));
    assertThat(plan.get("id").asText()).isEqualTo("Память.md#План");
    assertThat(plan.get("text").asText()).isEqualTo("# План\nЗапустить на 20 сценах.");
    assertThat(String.join("\n", notes)).doesNotContain("title:").doesNotContain("---");
  }

  @Test
  void invalidScenesArePrintedTheRestIsBuiltAndTheExitCodeIsOne(@TempDir Path dir) throws Exception {
    Path scenes = Files.createDirectories(dir.resolve("scenes"));
    Files.writeString(scenes.resolve("good.yaml"), SCENE.formatted("good-one"));
    Files.writeString(scenes.resolve("bad.yaml"), SCENE.formatted("bad-one").replace("kind: observe", "kind: obsrve"));
    Path out = dir.resolve("data.jsonl");
    CliRun r = run("dataset", scenes.toString(), "--tokenizer", TOKENIZER, "--out", out.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("bad.yaml:").contains("error:");
    assertThat(Files.readAllLines(out)).hasSize(1).allMatch(l -> l.contains("\"good-one\""));
  }

  @Test
  void usageAndInputErrors(@TempDir Path dir) throws Exception {
    Path scenes = Files.createDirectories(dir.resolve("scenes"));
    Files.writeString(scenes.resolve("a.yaml"), SCENE.formatted("a"));
    assertThat(run("dataset", scenes.toString(), "--out", dir.resolve("x.jsonl").toString()).code()).isEqualTo(2);
    assertThat(run("dataset", scenes.toString(), "--tokenizer", TOKENIZER, "--out", dir.resolve("x.jsonl").toString(),
        "--max-len", "4").code()).isEqualTo(2);
    CliRun noTok = run("dataset", scenes.toString(), "--tokenizer", dir.toString(), "--out", dir.resolve("x.jsonl").toString());
    assertThat(noTok.code()).isEqualTo(1);
    assertThat(noTok.err()).contains("no tokenizer.json in " + dir);
    assertThat(Files.exists(dir.resolve("x.jsonl"))).isFalse();
    CliRun empty = run("dataset", dir.resolve("missing").toString(), "--tokenizer", TOKENIZER, "--out", dir.resolve("x.jsonl").toString());
    assertThat(empty.code()).isEqualTo(1);
    assertThat(empty.err()).contains("nothing written");
  }
}
