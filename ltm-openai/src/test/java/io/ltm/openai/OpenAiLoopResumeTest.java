package io.ltm.openai;

import static io.ltm.openai.FakeOpenAiServer.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.Probe;
import io.ltm.core.loop.ProbeResult;
import io.ltm.core.loop.ThinkingLoop;
import io.ltm.core.loop.TraceReader;
import io.ltm.core.loop.TraceRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The thinking loop over the OpenAI backend: a stream that drops mid-answer is recorded as a failed
 * iteration, metrics' reader leaves it out with a warning, and running again over the same trace file
 * retries exactly that iteration.
 */
class OpenAiLoopResumeTest {

  @Test
  void droppedStreamIsRecordedAndRetriedOnResume(@TempDir Path dir) throws Exception {
    Path traces = dir.resolve("traces.jsonl");
    List<Probe> probes = List.of(new Probe("a", "9.11 or 9.8?", "", "en"), new Probe("b", "Which is larger?", "", "en"));
    String full = fixture("vllm-stream-reasoning.sse");
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.sse(full)).then(FakeOpenAiServer.sse(full, 3, 0)); // probe b drops after its reasoning
      OpenAiChatGenerator g = OpenAiChatGenerator.builder().baseUrl(s.url()).model("Qwen3-0.6B")
          .retry(new RetryPolicy(0, Duration.ofMillis(1), Duration.ofMillis(1))).build();
      ThinkingLoop loop = ThinkingLoop.builder().generator(g).runId("r").iterations(1)
          .settings(new GenerationSettings(64, 0.0, 1.0, 0, 1.0, 0, true)).build();

      List<ProbeResult> first = loop.run(probes, traces);
      assertThat(first.get(0).failed()).isFalse();
      assertThat(first.get(1).failed()).isTrue();
      assertThat(first.get(1).failure().failure()).contains("dropped mid-answer");
      assertThat(first.get(1).failure().reasoning()).isEqualTo("Compare decimals.");
      assertThat(Files.readAllLines(traces)).hasSize(2);

      TraceReader.TraceLog log = TraceReader.read(traces);
      assertThat(log.records()).extracting(TraceRecord::probeId).containsExactly("a");
      assertThat(log.records().get(0).entropyTopK()).isEqualTo(20);
      assertThat(log.failures()).extracting(TraceRecord::probeId).containsExactly("b");
      assertThat(log.warnings()).singleElement().satisfies(w -> assertThat(w.message()).contains("probe 'b'").contains("retry"));

      s.then(FakeOpenAiServer.sse(full));
      List<ProbeResult> second = loop.run(probes, traces);
      assertThat(s.requests).hasSize(3); // only probe b asked again
      assertThat(second.get(0).generated()).isZero();
      assertThat(second.get(1).generated()).isEqualTo(1);
      assertThat(second.get(1).failed()).isFalse();

      TraceReader.TraceLog after = TraceReader.read(traces);
      assertThat(after.records()).extracting(TraceRecord::probeId).containsExactly("a", "b");
      assertThat(after.records().get(1).answer()).isEqualTo("9.8 is greater.");
      assertThat(after.failures()).isEmpty();
      assertThat(after.warnings()).isEmpty();
    }
  }
}
