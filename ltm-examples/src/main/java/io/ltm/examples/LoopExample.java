package io.ltm.examples;

import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.Probe;
import io.ltm.core.loop.ProbeResult;
import io.ltm.core.loop.ThinkingLoop;
import io.ltm.core.loop.TraceReader;
import io.ltm.core.loop.TraceRecord;
import io.ltm.lora.generate.LocalModel;
import io.ltm.metrics.trace.ThoughtMetrics;
import io.ltm.metrics.trace.TraceMetrics;
import java.nio.file.Path;
import java.util.List;

/**
 * Example: the thinking loop (answer, then reflect on the answer and rewrite it) over a local model,
 * every iteration appended to a JSONL trace, then thought metrics over the trace.
 *
 * <pre>{@code
 * java ... io.ltm.examples.LoopExample BASE_DIR traces/loop.jsonl "What is actually stopping the first run?"
 * }</pre>
 *
 * Re-running with the same trace file continues where it stopped. Any {@code TextGenerator} works in
 * place of the local model (an adapter through {@code AdapterGenerator}, a remote server).
 */
public final class LoopExample {
  private LoopExample() {}

  /** Runs {@code iterations} loop iterations on {@code prompt} and returns the metrics of every record. */
  public static List<TraceMetrics> run(Path baseDir, Path traces, String prompt, int iterations, int maxNewTokens)
      throws Exception {
    try (LocalModel model = LocalModel.open(baseDir)) {
      ThinkingLoop loop = ThinkingLoop.builder()
          .generator(model.generator())
          .runId("example")
          .iterations(iterations)
          .stopWhenUnchanged(false)           // run every iteration even when the answer stays the same
          // maxNewTokens, temperature, topP, topK, repetitionPenalty, seed, enableThinking
          .settings(new GenerationSettings(maxNewTokens, 0.0, 1.0, 0, 1.0, 0L, true))
          .build();
      List<ProbeResult> results = loop.run(List.of(Probe.of("example", prompt)), traces);
      for (ProbeResult r : results) {
        for (TraceRecord rec : r.records()) {
          System.out.printf("iteration %d: %d tokens; answer: %s%n", rec.iteration(), rec.tokens().size(),
              rec.answer().strip());
        }
      }
    }
    List<TraceRecord> records = TraceReader.read(traces).records();
    return ThoughtMetrics.builder().spikeThreshold(2.0).build().measureAll(records);
  }

  /** {@code LoopExample BASE_DIR TRACES.jsonl PROMPT [ITERATIONS] [MAX_NEW_TOKENS]}. */
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: LoopExample BASE_DIR TRACES.jsonl PROMPT [ITERATIONS] [MAX_NEW_TOKENS]");
      System.exit(2);
    }
    int iterations = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    int maxNew = args.length > 4 ? Integer.parseInt(args[4]) : 256;
    for (TraceMetrics m : run(Path.of(args[0]), Path.of(args[1]), args[2], iterations, maxNew)) {
      System.out.printf("iteration %d: %s%n", m.record().iteration(), m.values());
    }
  }
}
