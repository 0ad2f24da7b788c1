package io.ltm.core.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.core.generate.ChatMessage;
import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.core.generate.TextGenerator;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThinkingLoopTest {
  @TempDir Path dir;

  /** Answers "answer N" with reasoning "thought N" and records what it was sent. */
  static final class Scripted implements TextGenerator {
    final List<GenerationRequest> seen = new ArrayList<>();

    @Override
    public String modelName() {
      return "tiny";
    }

    @Override
    public Generation doGenerate(GenerationRequest request) {
      seen.add(request);
      int n = seen.size();
      return new Generation("tiny", "thought " + n, "answer " + n,
          List.of(new GeneratedToken(n, "answer", -0.5, 1.0, false)), Generation.FinishReason.EOS);
    }
  }

  @Test
  void generatesLogsReflectsAndRewrites() throws Exception {
    Scripted g = new Scripted();
    Path f = dir.resolve("traces/loop.jsonl");
    List<TraceRecord> recs;
    try (TraceWriter w = TraceWriter.open(f)) {
      ThinkingLoop loop = ThinkingLoop.builder().generator(g).runId("r1").adapter("adapter").checkpoint(50)
          .iterations(3).settings(GenerationRequest.builder().prompt("x").maxNewTokens(64).temperature(0.7).build())
          .writer(w).clock(Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC)).build();
      recs = loop.run("p1", "Почему?");
    }
    assertThat(recs).extracting(TraceRecord::iteration).containsExactly(0, 1, 2);
    assertThat(recs).extracting(TraceRecord::answer).containsExactly("answer 1", "answer 2", "answer 3");
    assertThat(recs.get(2).variant()).isEqualTo("tiny+adapter@50");
    assertThat(recs.get(0).settings().maxNewTokens()).isEqualTo(64);
    assertThat(g.seen.get(0).messages()).containsExactly(ChatMessage.user("Почему?"));
    assertThat(g.seen.get(2).messages()).containsExactly(ChatMessage.user("Почему?"),
        ChatMessage.assistant("answer 2", ""), ChatMessage.user(ThinkingLoop.DEFAULT_REFLECT_PROMPT));
    assertThat(g.seen.get(1).temperature()).isEqualTo(0.7);
    assertThat(TraceReader.read(f).records()).isEqualTo(recs);
  }

  @Test
  void builderChecks() {
    assertThatThrownBy(() -> ThinkingLoop.builder().runId("r").build()).hasMessageContaining("generator");
    assertThatThrownBy(() -> ThinkingLoop.builder().generator(new Scripted()).build()).hasMessageContaining("runId");
    assertThatThrownBy(() -> ThinkingLoop.builder().generator(new Scripted()).runId("r").iterations(0).build())
        .hasMessageContaining("iterations");
  }
}
