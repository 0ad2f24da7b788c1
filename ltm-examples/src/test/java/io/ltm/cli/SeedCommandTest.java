package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.core.loop.TraceReader;
import io.ltm.core.loop.TraceRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ltm seed} end to end on the random demo model: six short scenes (two held out by the hash
 * split at 0.5: {@code first-run} and {@code zametki}), the no-reasoning control data, the
 * pre-registration, four training steps of the adapter and of the control, two loop iterations of a
 * few tokens with base, adapter, control and a mid-run checkpoint, the report with its verdict; then a
 * re-run that resumes everything and generates nothing, and one with another design, refused.
 */
class SeedCommandTest {
  @TempDir Path tmp;

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  static void scene(Path dir, String id, String lang, String prompt, String answer) throws Exception {
    Files.writeString(dir.resolve(id + ".yaml"), String.join("\n",
        "id: " + id,
        "title: " + id,
        "lang: " + lang,
        "prompt: " + prompt,
        "thought:",
        "  - kind: observe",
        "    text: I keep postponing it.",
        "  - kind: tension",
        "    text: But waiting teaches me nothing.",
        "  - kind: rewrite",
        "    revises: 0",
        "    text: I postpone because I fear a bad result.",
        "answer: " + answer,
        ""), StandardCharsets.UTF_8);
  }

  @Test
  void theSeedExperimentRunsEndToEndAndResumes() throws Exception {
    Path scenes = Files.createDirectories(tmp.resolve("scenes"));
    scene(scenes, "first-run", "en", "Why does the first LoRA run keep being postponed?", "Run it small today.");
    scene(scenes, "zametki", "ru", "Почему заметки не становятся памятью?", "Потому что их никто не перечитывает.");
    scene(scenes, "rag-or-lora", "en", "RAG or LoRA first?", "RAG first, then LoRA.");
    scene(scenes, "evidence-of-thinking", "en", "What shows a model thinks differently?", "Its steps change.");
    scene(scenes, "notes-as-memory", "en", "Are notes memory?", "Only when read again.");
    scene(scenes, "plan-steps", "en", "What is the plan?", "Dataset, adapter, loop, metrics.");
    Path runDir = tmp.resolve("seed-run");
    String[] args = {"seed", "--scenes", scenes.toString(), "--out", runDir.toString(), "--steps", "4", "--max-len", "256",
        "--validation", "0.5", "--iterations", "2", "--max-new-tokens", "6", "--probes", "2"};

    CliRun r = run(args);
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("PIPELINE DEMO with a tiny RANDOM Qwen3 model", "== 8/8 thought metrics, verdict and report",
        "probes (held-out scenes): [first-run, zametki]", "VERDICT (TOO_FEW_PROBES): too few probes to tell: 2 probe(s)");

    // The random base in the Hugging Face layout, and the adapter in PEFT's.
    assertThat(runDir.resolve("base-random/config.json")).isRegularFile();
    assertThat(runDir.resolve("base-random/model.safetensors")).isRegularFile();
    assertThat(runDir.resolve("adapter/adapter_config.json")).isRegularFile();
    assertThat(runDir.resolve("adapter/adapter_model.safetensors")).isRegularFile();
    assertThat(runDir.resolve("dataset/scenes.jsonl")).isRegularFile();
    assertThat(runDir.resolve("control/seed-42/adapter/adapter_config.json")).isRegularFile();
    assertThat(runDir.resolve("control/seed-42/metrics.jsonl")).isRegularFile();
    // The control's data: the same prompts and answers, no reasoning; its loss tokens topped up to the adapter's.
    List<String> control = Files.readAllLines(runDir.resolve("dataset/control.jsonl"));
    assertThat(control).isNotEmpty().allSatisfy(l -> assertThat(l).doesNotContain("I keep postponing it"));
    assertThat(Files.readString(runDir.resolve("dataset/scenes.jsonl"))).contains("I keep postponing it");
    assertThat(r.out()).containsPattern("control 'no-reasoning': \\d+ training sequences, ([\\d,]+) loss tokens \\(adapter");
    ObjectMapper json = new ObjectMapper();
    assertThat(json.readTree(runDir.resolve("adapter/adapter_config.json").toFile()).get("peft_type").asText()).isEqualTo("LORA");

    // The training log: one line per step with its loss.
    List<String> metricLines = Files.readAllLines(runDir.resolve("metrics.jsonl"));
    List<Long> steps = new ArrayList<>();
    for (String line : metricLines) {
      JsonNode n = json.readTree(line);
      if (n.has("loss")) {
        steps.add(n.get("step").asLong());
        assertThat(n.get("loss").asDouble()).isFinite().isPositive();
      }
    }
    assertThat(steps).containsExactly(1L, 2L, 3L, 4L);

    // Traces: the same held-out probes under base, final adapter and the mid-run checkpoint.
    List<TraceRecord> traces = TraceReader.read(runDir.resolve("traces/loop.jsonl")).records();
    Map<String, List<String>> byVariant = traces.stream().collect(Collectors.groupingBy(TraceRecord::variant,
        java.util.TreeMap::new, Collectors.mapping(t -> t.probeId() + "#" + t.iteration(), Collectors.toList())));
    assertThat(byVariant.keySet()).containsExactly("base-random", "base-random+adapter-s42", "base-random+adapter-s42@2",
        "base-random+control-s42");
    for (List<String> v : byVariant.values()) {
      assertThat(v).contains("first-run#0", "zametki#0").allMatch(s -> s.endsWith("#0") || s.endsWith("#1"));
    }
    assertThat(traces).allSatisfy(t -> {
      assertThat(t.runId()).isEqualTo("seed-run");
      assertThat(t.tokens()).hasSizeBetween(1, 6);
      assertThat(t.settings().maxNewTokens()).isEqualTo(6);
    });
    assertThat(traces.stream().filter(t -> t.probeId().equals("zametki")).findFirst().orElseThrow().prompt())
        .isEqualTo("Почему заметки не становятся памятью?");

    // The report: every section, the probes and the variants.
    String html = Files.readString(runDir.resolve("report.html"));
    assertThat(html).contains("id=\"training\"", "id=\"thought-metrics\"", "id=\"traces\"", "id=\"definitions\"",
        "first-run", "zametki", "seed-run");
    assertThat(html).contains("id=\"experiment\"", "data-verdict=\"TOO_FEW_PROBES\"", "exploratory");
    JsonNode seed = json.readTree(runDir.resolve("seed.json").toFile());
    assertThat(seed.get("random_base").asBoolean()).isTrue();
    assertThat(seed.get("steps").asLong()).isEqualTo(4);
    // thought metrics come from the default detector (--detector), and the report says which
    assertThat(seed.get("detector").asText()).isEqualTo("learned");
    assertThat(html).contains("Detected behaviours (learned detector)");
    JsonNode pre = seed.get("preregistration");
    assertThat(pre.get("primary_metrics").toString()).contains("rewritePer1k", "reflectPer1k");
    assertThat(pre.get("probes").toString()).isEqualTo("[\"first-run\",\"zametki\"]");
    assertThat(pre.get("control").asText()).isEqualTo("no-reasoning");
    assertThat(pre.get("conditions").get("control").toString()).isEqualTo("[\"control-s42\"]");
    assertThat(pre.get("sampling").get("seed").asLong()).isEqualTo(42);

    // A re-run resumes: nothing is trained or generated again.
    long traceBytes = Files.size(runDir.resolve("traces/loop.jsonl"));
    CliRun again = run(args);
    assertThat(again.code()).as(again.out() + again.err()).isZero();
    assertThat(again.out()).contains("base-random: present, reused", "scenes.jsonl: present, kept",
        "training skipped", "pre-registration of " + pre.get("registered_at").asText() + " kept");
    assertThat(again.err()).contains("[base-random] probe 1 first-run: done already");
    assertThat(Files.size(runDir.resolve("traces/loop.jsonl"))).isEqualTo(traceBytes);
    assertThat(Files.readAllLines(runDir.resolve("metrics.jsonl"))).isEqualTo(metricLines);

    // Another design in the same folder is refused: the pre-registration is not changed after the fact.
    String[] other = java.util.Arrays.copyOf(args, args.length + 2);
    other[args.length] = "--primary";
    other[args.length + 1] = "waitPer1k";
    CliRun changed = run(other);
    assertThat(changed.code()).isNotZero();
    assertThat(changed.out() + changed.err()).contains("seed.json pre-registered another design", "use a new --out");
  }

  @Test
  void invalidScenesStopTheRunWithTheProblemAndExitOne() throws Exception {
    Path scenes = Files.createDirectories(tmp.resolve("bad"));
    Files.writeString(scenes.resolve("x.yaml"), "id: x\nprompt: p\nthought:\n  - kind: wonder\n    text: t\nanswer: a\n");
    CliRun r = run("seed", "--scenes", scenes.toString(), "--out", tmp.resolve("run").toString(), "--steps", "1");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains("x.yaml:4:").contains("wonder");
    assertThat(tmp.resolve("run/adapter")).doesNotExist();
  }

  @Test
  void badOptionsAreUsageErrors() {
    CliRun r = run("seed", "--scenes", tmp.resolve("missing").toString(), "--out", tmp.resolve("run").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--scenes").contains("does not exist");
  }
}
