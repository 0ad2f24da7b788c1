package io.ltm.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.loop.TraceReader;
import io.ltm.dataset.Dataset;
import io.ltm.lora.train.TrainingResult;
import io.ltm.metrics.trace.Metric;
import io.ltm.metrics.trace.TraceMetrics;
import io.ltm.rag.search.SearchResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every example main's code path the way its Javadoc shows, on the tiny random Qwen3 (a few
 * seconds of training) and on {@code examples/vault}.
 */
class ExamplesTest {
  @TempDir Path tmp;

  static Path repo() {
    Path p = Path.of("").toAbsolutePath();
    while (!Files.isDirectory(p.resolve("examples/vault"))) {
      p = p.getParent();
    }
    return p;
  }

  static void scene(Path dir, String id, String prompt, String answer) throws Exception {
    Files.writeString(dir.resolve(id + ".yaml"), String.join("\n",
        "id: " + id, "lang: en", "prompt: " + prompt,
        "thought:",
        "  - kind: observe",
        "    text: I keep postponing it.",
        "  - kind: tension",
        "    text: But waiting teaches me nothing.",
        "  - kind: rewrite",
        "    revises: 0",
        "    text: I postpone because I fear a bad result.",
        "answer: " + answer, ""), StandardCharsets.UTF_8);
  }

  @Test
  void datasetTrainCompareAndLoopRunOnTheRandomModel() throws Exception {
    Path scenes = Files.createDirectories(tmp.resolve("scenes"));
    scene(scenes, "first-run", "Why does the first LoRA run keep being postponed?", "Run it small today.");
    scene(scenes, "rag-or-lora", "RAG or LoRA first?", "RAG first, then LoRA.");
    scene(scenes, "notes-as-memory", "Are notes memory?", "Only when read again.");
    scene(scenes, "plan-steps", "What is the plan?", "Dataset, adapter, loop, metrics.");
    Path base = TrainExample.randomBase(tmp.resolve("base"));

    // Dataset: every scene becomes one example, written as chat, tokens and statistics.
    Path out = tmp.resolve("data/data.jsonl");
    Dataset ds = DatasetExample.build(scenes, base, 256, out);
    assertThat(ds.examples()).hasSize(4);
    assertThat(Files.readAllLines(out)).hasSize(4).allMatch(l -> l.contains("\"reasoning_content\""));
    assertThat(tmp.resolve("data/data.tokens.jsonl")).isNotEmptyFile();
    assertThat(tmp.resolve("data/data.stats.json")).isNotEmptyFile();

    // Training: the run folder, one metrics line per step, the adapter in PEFT's layout.
    Path run = tmp.resolve("run");
    TrainingResult r = TrainExample.train(base, scenes, run, 3, 256);
    assertThat(r.steps()).isEqualTo(3);
    assertThat(r.finalLoss()).isFinite().isPositive();
    assertThat(r.adapterDir().resolve("adapter_model.safetensors")).isNotEmptyFile();
    assertThat(Files.readString(r.adapterDir().resolve("adapter_config.json"))).contains("\"peft_type\" : \"LORA\"");

    // Comparison: both generate; three steps at lr 1e-3 moved the adapter off the base.
    CompareExample.Result c = CompareExample.compare(base, r.adapterDir(), "Why does the first LoRA run keep being postponed?", 8);
    assertThat(c.base().tokens()).isNotEmpty();
    assertThat(c.adapter().tokens()).isNotEmpty();
    assertThat(Math.abs(c.meanLogprobShift())).isGreaterThan(1e-6).isFinite();

    // Loop: two iterations traced, metrics for each.
    Path traces = tmp.resolve("traces/loop.jsonl");
    List<TraceMetrics> metrics = LoopExample.run(base, traces, "What is actually stopping the first run?", 2, 8);
    assertThat(TraceReader.read(traces).records()).extracting(t -> t.iteration()).containsExactly(0, 1);
    assertThat(metrics).hasSize(2);
    assertThat(metrics.get(0).get(Metric.TOKENS)).isPositive();
  }

  @Test
  void askVaultFindsTheHardwareNoteWithItsCitation() throws Exception {
    // The experiments/ folder of examples/vault (5 notes; the whole vault takes longer to embed).
    Path vault = Files.createDirectories(tmp.resolve("vault/experiments"));
    try (var notes = Files.list(repo().resolve("examples/vault/experiments"))) {
      for (Path n : notes.toList()) {
        Files.copy(n, vault.resolve(n.getFileName()));
      }
    }
    vault = vault.getParent();
    List<SearchResult> hits = AskVaultExample.ask(vault, tmp.resolve("index"), "how much GPU memory does the first experiment need", 3);
    assertThat(hits).isNotEmpty();
    assertThat(hits).extracting(SearchResult::path).contains("experiments/Hardware budget.md");
    assertThat(hits.get(0).citation().uri()).startsWith("obsidian://open?vault=vault&file=");
    assertThat(hits.get(0).citation().lineFrom()).isPositive();
  }
}
