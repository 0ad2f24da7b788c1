package com.example.consumer;

import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.ModelVariant;
import io.ltm.core.loop.Probe;
import io.ltm.core.loop.ThinkingLoop;
import io.ltm.core.loop.TraceReader;
import io.ltm.core.scene.SceneReader;
import io.ltm.dataset.Dataset;
import io.ltm.dataset.DatasetBuilder;
import io.ltm.dataset.token.HfTokenizer;
import io.ltm.lora.generate.AdapterGenerator;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.train.DecoderLanguageModel;
import io.ltm.lora.train.LoraTrainer;
import io.ltm.lora.train.RunDirectory;
import io.ltm.lora.train.TrainingConfig;
import io.ltm.lora.train.TrainingResult;
import io.ltm.metrics.trace.Metric;
import io.ltm.metrics.trace.ThoughtMetrics;
import io.ltm.metrics.trace.TraceMetrics;
import io.ltm.rag.embed.OnnxEmbedder;
import io.ltm.rag.index.IndexReport;
import io.ltm.rag.index.VaultIndexer;
import io.ltm.rag.search.RetrievalRequest;
import io.ltm.rag.search.SearchResult;
import io.ltm.rag.search.VaultSearcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A user's program: trains a LoRA adapter for a few steps on ltm's built-in tiny random Qwen3, lets
 * base and adapter answer, measures the answers, and searches an Obsidian vault. Exits non-zero
 * when something does not hold.
 *
 * <p>Arguments: {@code VAULT TOKENIZER_DIR WORK_DIR}.
 */
public final class ConsumerMain {
  private ConsumerMain() {}

  public static void main(String[] args) throws Exception {
    Path vault = Path.of(args[0]);
    Path tokenizerDir = Path.of(args[1]);
    Path work = Path.of(args[2]);
    Files.createDirectories(work);

    // 1. A tiny random Qwen3 in the Hugging Face layout, with the real Qwen3 tokenizer.
    Path base = work.resolve("base");
    RandomCheckpointWriter.builder(CheckpointPreset.TINY_QWEN3).seed(1).tokenizerDir(tokenizerDir).build().write(base);

    // 2. Two scenes -> packed, loss-masked token sequences.
    String yaml = String.join("\n",
        "- id: first-run",
        "  prompt: Why does the first LoRA run keep being postponed?",
        "  thought:",
        "    - {kind: observe, text: I keep adding papers instead of a config file.}",
        "    - {kind: tension, text: But reading more does not make the run happen.}",
        "  answer: Fix what ready means and run it small today.",
        "- id: notes",
        "  prompt: Are notes memory?",
        "  thought:",
        "    - {kind: hypothesis, text: Notes are memory only when they are read again.}",
        "  answer: Only when read again.",
        "");
    Dataset dataset;
    try (HfTokenizer tokenizer = HfTokenizer.load(base)) {
      dataset = DatasetBuilder.builder().setTokenizer(tokenizer).optMaxLength(256).optValidationFraction(0)
          .build().build(SceneReader.parseStrict("consumer.yaml", yaml));
    }

    // 3. Train a few steps; the adapter is written in PEFT's layout.
    try (LocalModel model = LocalModel.open(base); LoraModel lora = new LoraModel(model.decoder())) {
      LoraAdapter adapter = lora.create("mine", LoraConfig.builder().optR(8).optLoraAlpha(16)
          .optTargetModules(new TargetModules.AllLinear()).build(), 42);
      TrainingResult result = LoraTrainer.builder()
          .setConfig(TrainingConfig.builder().optMaxSteps(4).optLearningRate(1e-3).optSaveEvery(4).build())
          .setModel(new DecoderLanguageModel(lora)).setAdapter(adapter, lora.selection())
          .setTrain(dataset.train()).setPadId(dataset.padId())
          .setRunDirectory(new RunDirectory(work.resolve("run"))).build().train();
      check(result.steps() == 4 && Double.isFinite(result.finalLoss()), "training ran 4 finite steps: " + result);
      check(Files.isRegularFile(result.adapterDir().resolve("adapter_model.safetensors")), "adapter written");
      System.out.printf("trained %d steps, loss %.4f, adapter in %s%n", result.steps(), result.finalLoss(), result.adapterDir());

      // 4. The thinking loop with base and adapter on one probe; thought metrics over the traces.
      Path traces = work.resolve("traces.jsonl");
      Files.deleteIfExists(traces);
      for (String name : List.of(AdapterSelection.BASE, "mine")) {
        ThinkingLoop.builder().generator(new AdapterGenerator(model, lora, name))
            .variant(name.isEmpty() ? ModelVariant.base(model.name()) : new ModelVariant(model.name(), name, null))
            .iterations(1).settings(new GenerationSettings(6, 0.0, 1.0, 0, 1.0, 0L, true))
            .build().run(List.of(Probe.of("notes", "Are notes memory?")), traces);
      }
      List<TraceMetrics> measured = ThoughtMetrics.builder().build().measureAll(TraceReader.read(traces).records());
      check(measured.size() == 2, "two traces measured");
      for (TraceMetrics m : measured) {
        check(m.get(Metric.TOKENS) > 0, "tokens measured");
        System.out.printf("%s: %.0f tokens, entropy mean %.3f nats%n", m.record().adapter() == null ? "base" : m.record().adapter(),
            m.get(Metric.TOKENS), m.get(Metric.ENTROPY_MEAN));
      }
    }

    // 5. Index the vault and search it, with citations.
    try (OnnxEmbedder embedder = OnnxEmbedder.miniLm()) {
      Path index = work.resolve("index");
      IndexReport report = VaultIndexer.builder().vault(vault).index(index).embedder(embedder).build().run();
      System.out.println("indexed: " + report.counts());
      try (VaultSearcher searcher = VaultSearcher.open(index, embedder)) {
        List<SearchResult> hits = searcher.search(RetrievalRequest.builder("how much GPU memory does the first experiment need")
            .k(3).build());
        check(!hits.isEmpty(), "search found something");
        hits.forEach(h -> System.out.println(h.citation().label() + "  " + h.citation().uri()));
      }
    }
    System.out.println("consumer: OK");
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("consumer check failed: " + what);
    }
  }
}
