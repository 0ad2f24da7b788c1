package io.ltm.core.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.core.generate.GeneratedToken;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceWriterReaderTest {
  @TempDir Path dir;

  static TraceRecord record(int iteration, String adapter, Integer checkpoint) {
    return new TraceRecord("run-1", "probe-ru", "Почему небо голубое?", iteration, "Qwen3-0.6B", adapter, checkpoint,
        "Подожди, \"рассеяние\"\nРэлея…", "Из-за рассеяния.",
        List.of(new GeneratedToken(12, "Под", -0.5, 1.25, true),
            new GeneratedToken(13, "ожди", Double.NaN, Double.NaN, true),
            new GeneratedToken(14, "Из", -0.125, 0.0, false)),
        Instant.parse("2026-01-02T03:04:05.123Z"),
        new GenerationSettings(256, 0.7, 0.9, 20, 1.1, 42L, true));
  }

  @Test
  void roundTripsEveryFieldIncludingNaNAndUnicode() throws Exception {
    Path f = dir.resolve("traces/a.jsonl");
    try (TraceWriter w = TraceWriter.open(f)) {
      w.append(record(0, null, null));
      w.append(record(1, "adapter", 200));
      assertThat(w.recordsWritten()).isEqualTo(2);
    }
    List<String> lines = Files.readAllLines(f);
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0)).contains("\"adapter\":null", "\"checkpoint\":null", "\"logprob\":null");
    TraceReader.TraceLog log = TraceReader.read(f);
    assertThat(log.warnings()).isEmpty();
    assertThat(log.records()).hasSize(2);
    TraceRecord a = log.records().get(0);
    TraceRecord b = log.records().get(1);
    assertThat(a).isEqualTo(record(0, null, null));
    assertThat(b).isEqualTo(record(1, "adapter", 200));
    assertThat(a.tokens().get(1).logprob()).isNaN();
    assertThat(b.variant()).isEqualTo("Qwen3-0.6B+adapter@200");
    assertThat(a.isBase()).isTrue();
  }

  @Test
  void failureAndTopKEntropyRoundTripAndOldLinesStayTheSame() throws Exception {
    TraceRecord plain = record(0, null, null);
    String line = TraceJson.toJson(plain);
    assertThat(line).doesNotContain("entropyTopK").doesNotContain("failure"); // lines without them are unchanged
    TraceRecord r = plain;
    TraceRecord failed = new TraceRecord(r.runId(), r.probeId(), r.prompt(), 1, r.model(), "remote-adapter", null,
        r.reasoning(), "half an ans", r.tokens(), r.timestamp(), r.settings(), 20, "the stream dropped mid-answer");
    String failedLine = TraceJson.toJson(failed);
    assertThat(failedLine).endsWith(",\"entropyTopK\":20,\"failure\":\"the stream dropped mid-answer\"}");
    assertThat(TraceJson.fromJson(failedLine)).isEqualTo(failed);
    assertThat(TraceJson.fastParse(failedLine)).isEqualTo(failed);
    assertThat(TraceJson.treeParse(failedLine)).isEqualTo(failed);
    assertThat(TraceJson.fromJson(failedLine).failed()).isTrue();
    assertThatThrownBy(() -> TraceJson.fromJson(failedLine.replace("\"entropyTopK\":20", "\"entropyTopK\":\"x\"")))
        .isInstanceOf(TraceJson.FieldException.class).hasMessageContaining("entropyTopK");

    Path f = dir.resolve("failed.jsonl");
    try (TraceWriter w = TraceWriter.open(f)) {
      w.append(plain);
      w.append(failed);
    }
    TraceReader.TraceLog log = TraceReader.read(f);
    assertThat(log.records()).containsExactly(plain);
    assertThat(log.failures()).containsExactly(failed);
    assertThat(log.warnings()).singleElement().satisfies(w -> assertThat(w.message()).contains("iteration 1 failed"));

    TraceRecord remoteDone = new TraceRecord(r.runId(), r.probeId(), r.prompt(), 1, r.model(), "remote-adapter", null,
        r.reasoning(), "the whole answer", r.tokens(), r.timestamp(), r.settings(), 20, null);
    try (TraceWriter w = TraceWriter.open(f)) {
      w.append(remoteDone);
    }
    TraceReader.TraceLog mixed = TraceReader.read(f);
    assertThat(mixed.failures()).isEmpty(); // retried since
    assertThat(mixed.records()).containsExactly(plain, remoteDone);
    assertThat(mixed.warnings()).singleElement().satisfies(w -> assertThat(w.message())
        .contains("Qwen3-0.6B: exact", "Qwen3-0.6B+remote-adapter: top-20 estimate", "lower bound"));
  }

  @Test
  void tornLastLineIsIgnoredWithAWarningAndCutOffByTheNextWriter() throws Exception {
    Path f = dir.resolve("t.jsonl");
    try (TraceWriter w = TraceWriter.open(f)) {
      w.append(record(0, null, null));
    }
    String full = TraceJson.toJson(record(1, null, null));
    Files.writeString(f, full.substring(0, full.length() / 2), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    TraceReader.TraceLog log = TraceReader.read(f);
    assertThat(log.records()).hasSize(1);
    assertThat(log.warnings()).hasSize(1);
    assertThat(log.warnings().get(0).line()).isEqualTo(2);
    assertThat(log.warnings().get(0).message()).contains("torn last line");

    try (TraceWriter w = TraceWriter.open(f)) {
      w.append(record(2, null, null));
    }
    TraceReader.TraceLog again = TraceReader.read(f);
    assertThat(again.warnings()).isEmpty();
    assertThat(again.records()).extracting(TraceRecord::iteration).containsExactly(0, 2);
  }

  @Test
  void malformedLineInTheMiddleNamesFileLineAndField() throws Exception {
    Path f = dir.resolve("bad.jsonl");
    String good = TraceJson.toJson(record(0, null, null));
    String bad = good.replace("\"iteration\":0", "\"iteration\":\"zero\"");
    Files.writeString(f, good + "\n\n" + bad + "\n" + good + "\n");
    assertThatThrownBy(() -> TraceReader.read(f))
        .isInstanceOf(TraceFormatException.class)
        .hasMessageContaining(f + ":3:")
        .hasMessageContaining("iteration")
        .hasMessageContaining("expected an integer");
  }

  @Test
  void brokenJsonAndMissingFieldsAreErrorsNotCrashes() throws Exception {
    Path f = dir.resolve("bad2.jsonl");
    Files.writeString(f, "{not json\n");
    assertThatThrownBy(() -> TraceReader.read(f)).isInstanceOf(TraceFormatException.class)
        .hasMessageContaining(":1:").hasMessageContaining("not valid JSON");
    // an unclosed object: Jackson's "[Source: REDACTED ...]" reference becomes a plain position
    Files.writeString(f, "{\"runId\":\"r\"\n");
    assertThatThrownBy(() -> TraceReader.read(f)).isInstanceOf(TraceFormatException.class)
        .hasMessageContaining("not valid JSON").hasMessageContaining("line 1, column 1")
        .hasMessageNotContaining("Source").hasMessageNotContaining("REDACTED");
    String noAnswer = TraceJson.toJson(record(0, null, null)).replace("\"answer\":\"Из-за рассеяния.\",", "");
    Files.writeString(f, noAnswer + "\n");
    assertThatThrownBy(() -> TraceReader.read(f)).isInstanceOf(TraceFormatException.class)
        .hasMessageContaining("answer").hasMessageContaining("missing");
    String badTemp = TraceJson.toJson(record(0, null, null)).replace("\"temperature\":0.7", "\"temperature\":-1");
    Files.writeString(f, badTemp + "\n");
    assertThatThrownBy(() -> TraceReader.read(f)).isInstanceOf(TraceFormatException.class)
        .hasMessageContaining("settings").hasMessageContaining("temperature");
    Files.writeString(f, "[1,2]\n");
    assertThatThrownBy(() -> TraceReader.read(f)).isInstanceOf(TraceFormatException.class)
        .hasMessageContaining("JSON object");
  }

  @Test
  void mutatedLinesEitherParseOrFailWithAFormatErrorNeverAnythingElse() throws Exception {
    String good = TraceJson.toJson(record(1, "a", 3));
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(17);
    String alphabet = "{}[]\",:0123456789.-eEtrufalsn \\uЖ";
    int parsed = 0;
    int rejected = 0;
    int fastAccepted = 0;
    assertThat(TraceJson.fastParse(good)).isEqualTo(TraceJson.treeParse(good)).isNotNull();
    for (int i = 0; i < 1500; i++) {
      StringBuilder sb = new StringBuilder(good);
      int edits = 1 + rnd.nextInt(4);
      for (int k = 0; k < edits; k++) {
        int at = rnd.nextInt(sb.length());
        switch (rnd.nextInt(3)) {
          case 0 -> sb.deleteCharAt(at);
          case 1 -> sb.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
          default -> sb.setCharAt(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
      }
      String mutated = sb.toString().replace('\n', ' ');
      TraceRecord fast = TraceJson.fastParse(mutated);
      if (fast != null) {
        // the fast path accepts only what the reference tree parser accepts, with the same record
        assertThat(TraceJson.treeParse(mutated)).as(mutated).isEqualTo(fast);
        fastAccepted++;
      }
      Path f = dir.resolve("fuzz.jsonl");
      Files.writeString(f, sb.toString().replace('\n', ' ') + "\n");
      try {
        TraceReader.read(f);
        parsed++;
      } catch (TraceFormatException e) {
        assertThat(e.getMessage()).startsWith(f + ":1:");
        rejected++;
      }
    }
    assertThat(rejected).isGreaterThan(500);
    assertThat(parsed).isGreaterThan(5);
    assertThat(fastAccepted).isGreaterThan(5);
  }
}
