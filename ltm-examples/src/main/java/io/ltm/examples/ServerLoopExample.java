package io.ltm.examples;

import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.Probe;
import io.ltm.core.loop.ProbeResult;
import io.ltm.core.loop.ThinkingLoop;
import io.ltm.core.loop.TraceReader;
import io.ltm.core.loop.TraceRecord;
import io.ltm.metrics.trace.ThoughtMetrics;
import io.ltm.metrics.trace.TraceMetrics;
import io.ltm.openai.OpenAiChatGenerator;
import java.nio.file.Path;
import java.util.List;

/**
 * Example: the thinking loop against any OpenAI-compatible server (vLLM with a LoRA adapter served by
 * name, llama.cpp's server, Ollama, or {@code ltm serve}) instead of a local model: the same loop, the
 * same traces and metrics; only the {@code TextGenerator} differs.
 *
 * <pre>{@code
 * ./ltm serve --base models/tiny-qwen3 &            # or: vllm serve Qwen/Qwen3-0.6B --enable-lora ...
 * java ... io.ltm.examples.ServerLoopExample http://127.0.0.1:8000/v1 tiny-qwen3 traces/remote.jsonl "What is a thought?"
 * }</pre>
 *
 * Token entropies come from the server's {@code top_logprobs} (a top-k estimate, marked in the trace).
 */
public final class ServerLoopExample {
  private ServerLoopExample() {}

  /** Runs {@code iterations} loop iterations of {@code prompt} on the served {@code model}; the metrics of every record. */
  public static List<TraceMetrics> run(String url, String model, Path traces, String prompt, int iterations,
      int maxNewTokens) throws Exception {
    OpenAiChatGenerator generator = OpenAiChatGenerator.builder()
        .baseUrl(url)                       // http://host:port, .../v1 or the full chat/completions URL
        .model(model)                       // the base's served name, or an adapter's (vLLM --lora-modules NAME=DIR)
        .apiKey(System.getenv("OPENAI_API_KEY"))
        .build();
    ThinkingLoop loop = ThinkingLoop.builder()
        .generator(generator)
        .runId("server-example")
        .iterations(iterations)
        .stopWhenUnchanged(false)
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
    return ThoughtMetrics.builder().build().measureAll(TraceReader.read(traces).records());
  }

  /** {@code ServerLoopExample URL MODEL TRACES.jsonl PROMPT [ITERATIONS] [MAX_NEW_TOKENS]}. */
  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: ServerLoopExample URL MODEL TRACES.jsonl PROMPT [ITERATIONS] [MAX_NEW_TOKENS]");
      System.exit(2);
    }
    int iterations = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    int maxNew = args.length > 5 ? Integer.parseInt(args[5]) : 256;
    for (TraceMetrics m : run(args[0], args[1], Path.of(args[2]), args[3], iterations, maxNew)) {
      System.out.printf("iteration %d: %s%n", m.record().iteration(), m.values());
    }
  }
}
