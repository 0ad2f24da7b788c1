package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class RagCommandsTest {
  @TempDir Path tmp;

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  @Test
  void indexThenSearchAsJson() throws Exception {
    Path vault = tmp.resolve("vault");
    Files.createDirectories(vault.resolve("ml"));
    Files.writeString(vault.resolve("ml/LoRA.md"), "---\ntags: [ml]\n---\n# LoRA\nLow-rank adapters train two small matrices.\n## Rank\nRank eight is a good start. See [[Plan]].\n");
    Files.writeString(vault.resolve("Plan.md"), "# Plan\nFirst experiment: three epochs on twenty scenes.\n");
    Files.writeString(vault.resolve("Bread.md"), "# Bread\nFlour, water, salt.\n");
    String index = tmp.resolve("idx").toString();

    CliRun first = run("index", vault.toString(), "--index", index);
    assertThat(first.code()).as(first.err()).isZero();
    assertThat(first.out()).contains("indexed ml/LoRA.md", "indexed Plan.md", "indexed 3, unchanged 0, skipped 0, failed 0, deleted 0");

    CliRun again = run("index", vault.toString(), "--index", index);
    assertThat(again.out()).contains("indexed 0, unchanged 3").doesNotContain("indexed Plan.md");

    CliRun search = run("search", "--index", index, "which rank is a good start", "--k", "2", "--json");
    assertThat(search.code()).as(search.err()).isZero();
    JsonNode arr = new ObjectMapper().readTree(search.out());
    assertThat(arr.isArray()).isTrue();
    assertThat(arr.size()).isEqualTo(2);
    JsonNode top = arr.get(0);
    List<String> names = new ArrayList<>();
    top.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactly("path", "heading", "lines", "score", "text");
    assertThat(top.get("path").asText()).isEqualTo("ml/LoRA.md");
    assertThat(top.get("heading").asText()).isEqualTo("LoRA > Rank");
    assertThat(top.get("lines").get(0).asInt()).isEqualTo(6);
    assertThat(top.get("lines").get(1).asInt()).isEqualTo(7);
    assertThat(top.get("score").asDouble()).isGreaterThanOrEqualTo(arr.get(1).get("score").asDouble());
    assertThat(top.get("text").asText()).contains("Rank eight").contains("See Plan.");

    CliRun bm25 = run("search", "--index", index, "flour", "--mode", "bm25");
    assertThat(bm25.out()).contains("1. Bread.md > Bread, lines 1-2").contains("obsidian://open?vault=vault&file=Bread");

    CliRun expanded = run("search", "--index", index, "rank eight adapters", "--mode", "bm25", "--k", "3", "--expand-links", "--json");
    JsonNode ex = new ObjectMapper().readTree(expanded.out());
    assertThat(ex.findValuesAsText("path")).contains("ml/LoRA.md", "Plan.md");
  }

  @Test
  void errorsAndUsage() {
    CliRun missing = run("index", tmp.resolve("nope").toString(), "--index", tmp.resolve("i").toString());
    assertThat(missing.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(missing.err()).contains("vault folder not found");
    CliRun noIndex = run("search", "--index", tmp.resolve("none").toString(), "x", "--mode", "bm25");
    assertThat(noIndex.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(noIndex.err()).contains("no index here");
    CliRun badMode = run("search", "--index", tmp.toString(), "x", "--mode", "fuzzy");
    assertThat(badMode.code()).isEqualTo(LtmCli.USAGE_ERROR);
    assertThat(badMode.err()).contains("hybrid, bm25 or vector");
  }
}
