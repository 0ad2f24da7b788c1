package io.ltm.core.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.core.generate.ChatMessage;
import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.core.generate.TextGenerator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThinkingLoopTest {
  @TempDir Path dir;

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-04T05:06:07Z"), ZoneOffset.UTC);
  static final GenerationSettings SETTINGS = new GenerationSettings(64, 0.0, 1.0, 0, 1.0, 7L, true);

  /**
   * A deterministic generator: the answer of call n is {@code answers.apply(n)}, the reasoning
   * {@code "thinking n"}; it keeps every request and streams one token per word to the listener.
   * It throws on the call numbered {@code failOn} (simulating a crash).
   */
  static final class FakeGenerator implements TextGenerator {
    final List<GenerationRequest> requests = new ArrayList<>();
    final Function<Integer, String> answers;
    int failOn = -1;
    int dropOn = -1;

    FakeGenerator(Function<Integer, String> answers) {
      this.answers = answers;
    }

    @Override
    public String modelName() {
      return "fake-model";
    }

    @Override
    public Generation doGenerate(GenerationRequest request) {
      int n = requests.size();
      if (n == failOn) {
        throw new IllegalStateException("simulated crash at call " + n);
      }
      if (n == dropOn) {
        dropOn = -1;
        throw new io.ltm.core.generate.GenerationFailedException("stream dropped\nmid-answer",
            new Generation(modelName(), "half a th", "", List.of(new GeneratedToken(-1, "half", -0.1, 0.2, true)),
                Generation.FinishReason.EOS), null);
      }
      requests.add(request);
      String reasoning = "thinking " + n;
      String answer = answers.apply(n);
      List<GeneratedToken> tokens = new ArrayList<>();
      tokens.add(new GeneratedToken(100 + n, reasoning, -0.25 * (n + 1), 1.5, true));
      tokens.add(new GeneratedToken(200 + n, answer, -0.5, 0.75, false));
      tokens.forEach(request.listener() == null ? t -> { } : request.listener());
      return new Generation(modelName(), reasoning, answer, tokens, Generation.FinishReason.EOS);
    }
  }

  static ThinkingLoop.Builder loop(TextGenerator g) {
    return ThinkingLoop.builder().generator(g).runId("r1").settings(SETTINGS).clock(CLOCK);
  }

  @Test
  void aFailedGenerationIsRecordedTheProbeStopsAndResumeRetriesIt() throws Exception {
    FakeGenerator g = new FakeGenerator(n -> "answer " + n);
    g.dropOn = 1; // probe p1's iteration 1
    Path traces = dir.resolve("t.jsonl");
    List<String> failedEvents = new ArrayList<>();
    ThinkingLoop loop = loop(g).iterations(2).stopWhenUnchanged(false).listener(new LoopListener() {
      @Override
      public void iterationFailed(TraceRecord failed) {
        failedEvents.add(failed.probeId() + "@" + failed.iteration());
      }
    }).build();
    List<Probe> probes = List.of(new Probe("p1", "one?", "", "en"), new Probe("p2", "two?", "", "en"));

    List<ProbeResult> first = loop.run(probes, traces);
    assertThat(failedEvents).containsExactly("p1@1");
    assertThat(first.get(0).failed()).isTrue();
    assertThat(first.get(0).records()).hasSize(1);
    assertThat(first.get(0).failure().failure()).isEqualTo("stream dropped mid-answer");
    assertThat(first.get(0).failure().reasoning()).isEqualTo("half a th");
    assertThat(first.get(1).failed()).isFalse();
    assertThat(first.get(1).records()).hasSize(2); // the next probe ran in full
    assertThat(java.nio.file.Files.readAllLines(traces)).hasSize(4);

    int before = g.requests.size();
    List<ProbeResult> second = loop.run(probes, traces);
    assertThat(g.requests.size() - before).isEqualTo(1); // only p1's iteration 1 again
    GenerationRequest retried = g.requests.get(g.requests.size() - 1);
    assertThat(retried.messages().get(1)).isEqualTo(ChatMessage.assistant("answer 0", "thinking 0"));
    assertThat(second.get(0).failed()).isFalse();
    assertThat(second.get(0).resumed()).isEqualTo(1);
    assertThat(second.get(0).records()).extracting(TraceRecord::iteration).containsExactly(0, 1);
    TraceReader.TraceLog log = TraceReader.read(traces);
    assertThat(log.records()).hasSize(4);
    assertThat(log.failures()).isEmpty();
    assertThat(log.warnings()).isEmpty();
  }

  @Test
  void threeIterationsSendTheExpectedPromptsAndAppendOneRecordEach() throws Exception {
    FakeGenerator g = new FakeGenerator(n -> "answer " + n);
    Path traces = dir.resolve("traces/loop.jsonl");
    List<String> events = new ArrayList<>();
    ThinkingLoop loop = loop(g).iterations(3).listener(new LoopListener() {
      @Override
      public void probeStarted(Probe probe, ModelVariant variant, int from, int iterations) {
        events.add("start " + probe.id() + " " + variant.label() + " from " + from + "/" + iterations);
      }

      @Override
      public void token(GeneratedToken token) {
        events.add("token " + token.id());
      }

      @Override
      public void iterationDone(TraceRecord record, boolean changed) {
        events.add("done " + record.iteration() + " " + changed);
      }
    }).build();
    Probe p = new Probe("p1", "Why postpone the run?\n", "We planned for months.", "en");

    List<ProbeResult> results = loop.run(List.of(p), traces);

    assertThat(g.requests).hasSize(3);
    GenerationRequest first = g.requests.get(0);
    assertThat(first.messages()).containsExactly(ChatMessage.user("We planned for months.\n\nWhy postpone the run?"));
    assertThat(first.maxNewTokens()).isEqualTo(64);
    assertThat(first.seed()).isEqualTo(7L);
    assertThat(first.enableThinking()).isTrue();

    GenerationRequest second = g.requests.get(1);
    assertThat(second.messages()).hasSize(3);
    assertThat(second.messages().get(0)).isEqualTo(first.messages().get(0));
    assertThat(second.messages().get(1)).isEqualTo(ChatMessage.assistant("answer 0", "thinking 0"));
    String reflection = second.messages().get(2).content();
    assertThat(second.messages().get(2).role()).isEqualTo(ChatMessage.Role.USER);
    assertThat(reflection).isEqualTo(ReflectionTemplate.ENGLISH.text()
        .replace("{reasoning}", "thinking 0").replace("{answer}", "answer 0"));
    // Iteration 2 sees iteration 1, not iteration 0.
    assertThat(g.requests.get(2).messages().get(1)).isEqualTo(ChatMessage.assistant("answer 1", "thinking 1"));
    assertThat(g.requests.get(2).messages().get(2).content()).contains("thinking 1", "answer 1").doesNotContain("answer 0");

    List<TraceRecord> written = TraceReader.read(traces).records();
    assertThat(written).hasSize(3);
    for (int i = 0; i < 3; i++) {
      TraceRecord r = written.get(i);
      assertThat(r.iteration()).isEqualTo(i);
      assertThat(r.runId()).isEqualTo("r1");
      assertThat(r.probeId()).isEqualTo("p1");
      assertThat(r.prompt()).isEqualTo("Why postpone the run?\n");
      assertThat(r.model()).isEqualTo("fake-model");
      assertThat(r.adapter()).isNull();
      assertThat(r.checkpoint()).isNull();
      assertThat(r.reasoning()).isEqualTo("thinking " + i);
      assertThat(r.answer()).isEqualTo("answer " + i);
      assertThat(r.tokens()).extracting(GeneratedToken::id).containsExactly(100 + i, 200 + i);
      assertThat(r.tokens().get(0).logprob()).isEqualTo(-0.25 * (i + 1));
      assertThat(r.timestamp()).isEqualTo(CLOCK.instant());
      assertThat(r.settings()).isEqualTo(SETTINGS);
    }
    assertThat(results).hasSize(1);
    assertThat(results.get(0).records()).isEqualTo(written);
    assertThat(results.get(0).resumed()).isZero();
    assertThat(results.get(0).stoppedEarly()).isFalse();
    assertThat(events).containsExactly("start p1 fake-model from 0/3",
        "token 100", "token 200", "done 0 true",
        "token 101", "token 201", "done 1 true",
        "token 102", "token 202", "done 2 true");
  }

  @Test
  void eachRecordIsOnDiskBeforeTheNextIterationStarts() throws Exception {
    Path traces = dir.resolve("t.jsonl");
    List<Integer> linesSeenAtCall = new ArrayList<>();
    FakeGenerator inner = new FakeGenerator(n -> "a" + n);
    TextGenerator g = new TextGenerator() {
      @Override
      public String modelName() {
        return inner.modelName();
      }

      @Override
      public Generation doGenerate(GenerationRequest request) {
        try {
          linesSeenAtCall.add(Files.exists(traces) ? Files.readAllLines(traces).size() : 0);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        return inner.doGenerate(request);
      }
    };
    loop(g).iterations(3).build().run(List.of(Probe.of("p", "q")), traces);
    assertThat(linesSeenAtCall).containsExactly(0, 1, 2);
  }

  @Test
  void russianProbesGetTheRussianReflectionPrompt() throws Exception {
    FakeGenerator g = new FakeGenerator(n -> "ответ " + n);
    loop(g).iterations(2).build().run(List.of(new Probe("ru", "Почему откладывается запуск?", "", "ru-RU")),
        dir.resolve("t.jsonl"));
    String reflection = g.requests.get(1).messages().get(2).content();
    assertThat(reflection).isEqualTo(ReflectionTemplate.RUSSIAN.text()
        .replace("{reasoning}", "thinking 0").replace("{answer}", "ответ 0"));
    assertThat(reflection).contains("Вернись к своей предыдущей попытке");
  }

  @Test
  void otherLanguagesFallBackToEnglishAndCustomTemplatesFillEveryPlaceholder() throws Exception {
    FakeGenerator g = new FakeGenerator(n -> n == 0 ? "  " : "a" + n);
    ThinkingLoop l = loop(g).iterations(2)
        .reflectionTemplate("de", new ReflectionTemplate("Frage: {prompt} / Runde {iteration} / {reasoning} / {answer}"))
        .build();
    l.run(List.of(new Probe("de", "Warum?", "", "de"), new Probe("fr", "Pourquoi ?", "", "fr")), dir.resolve("t.jsonl"));
    assertThat(g.requests.get(1).messages().get(2).content()).isEqualTo("Frage: Warum? / Runde 1 / thinking 0 / (none)");
    assertThat(g.requests.get(3).messages().get(2).content()).startsWith("Look back at your previous attempt.");
  }

  @Test
  void stopsWhenTheAnswerStopsChangingUnlessToldNotTo() throws Exception {
    FakeGenerator g = new FakeGenerator(n -> n == 0 ? "same  answer" : "same answer\n");
    ProbeResult r = loop(g).iterations(5).build().run(List.of(Probe.of("p", "q")), dir.resolve("a.jsonl")).get(0);
    assertThat(g.requests).hasSize(2);
    assertThat(r.records()).hasSize(2);
    assertThat(r.stoppedEarly()).isTrue();

    FakeGenerator g2 = new FakeGenerator(n -> "same");
    ProbeResult r2 = loop(g2).iterations(4).stopWhenUnchanged(false).build()
        .run(List.of(Probe.of("p", "q")), dir.resolve("b.jsonl")).get(0);
    assertThat(g2.requests).hasSize(4);
    assertThat(r2.stoppedEarly()).isFalse();
    // A stopped probe counts as complete on a re-run.
    FakeGenerator g3 = new FakeGenerator(n -> "other");
    ProbeResult again = loop(g3).iterations(5).build().run(List.of(Probe.of("p", "q")), dir.resolve("a.jsonl")).get(0);
    assertThat(g3.requests).isEmpty();
    assertThat(again.resumed()).isEqualTo(2);
    assertThat(again.stoppedEarly()).isTrue();
  }

  @Test
  void anInterruptedLoopResumesWhereItStoppedAndSkipsFinishedProbes() throws Exception {
    Path traces = dir.resolve("traces/loop.jsonl");
    List<Probe> probes = List.of(Probe.of("p1", "first?"), Probe.of("p2", "second?"));
    FakeGenerator crashing = new FakeGenerator(n -> "answer " + n);
    crashing.failOn = 4; // p1 iterations 0-2 (calls 0-2), p2 iteration 0 (call 3), crash on p2 iteration 1
    assertThatThrownBy(() -> loop(crashing).iterations(3).build().run(probes, traces))
        .hasMessageContaining("simulated crash");
    assertThat(TraceReader.read(traces).records()).extracting(r -> r.probeId() + "#" + r.iteration())
        .containsExactly("p1#0", "p1#1", "p1#2", "p2#0");

    List<String> skipped = new ArrayList<>();
    FakeGenerator fresh = new FakeGenerator(n -> "new " + n);
    List<ProbeResult> results = loop(fresh).iterations(3).listener(new LoopListener() {
      @Override
      public void probeSkipped(Probe probe, ModelVariant variant, int recorded) {
        skipped.add(probe.id() + ":" + recorded);
      }
    }).build().run(probes, traces);

    assertThat(skipped).containsExactly("p1:3");
    assertThat(fresh.requests).hasSize(2); // p2 iterations 1 and 2 only
    // p2 iteration 1 continues from the recorded iteration 0 of the crashed run.
    assertThat(fresh.requests.get(0).messages()).containsExactly(ChatMessage.user("second?"),
        ChatMessage.assistant("answer 3", "thinking 3"),
        ChatMessage.user(ReflectionTemplate.ENGLISH.text().replace("{reasoning}", "thinking 3").replace("{answer}", "answer 3")));
    assertThat(TraceReader.read(traces).records()).extracting(r -> r.probeId() + "#" + r.iteration() + "=" + r.answer())
        .containsExactly("p1#0=answer 0", "p1#1=answer 1", "p1#2=answer 2", "p2#0=answer 3", "p2#1=new 0", "p2#2=new 1");
    assertThat(results.get(0).resumed()).isEqualTo(3);
    assertThat(results.get(0).generated()).isZero();
    assertThat(results.get(1).resumed()).isEqualTo(1);
    assertThat(results.get(1).generated()).isEqualTo(2);

    // Raising the iteration count later continues every probe.
    FakeGenerator more = new FakeGenerator(n -> "more " + n);
    loop(more).iterations(4).build().run(probes, traces);
    assertThat(more.requests).hasSize(2);
    assertThat(more.requests.get(0).messages().get(1)).isEqualTo(ChatMessage.assistant("answer 2", "thinking 2"));
  }

  @Test
  void variantsAndRunsShareAFileWithoutMixing() throws Exception {
    Path traces = dir.resolve("t.jsonl");
    List<Probe> probes = List.of(Probe.of("p", "q"));
    loop(new FakeGenerator(n -> "b" + n)).iterations(2).build().run(probes, traces);
    FakeGenerator adapter = new FakeGenerator(n -> "a" + n);
    loop(adapter).iterations(2).variant(new ModelVariant("fake-model", "runs/x/adapter", 40)).build().run(probes, traces);
    assertThat(adapter.requests).hasSize(2);
    FakeGenerator otherRun = new FakeGenerator(n -> "o" + n);
    loop(otherRun).runId("r2").iterations(2).build().run(probes, traces);
    assertThat(otherRun.requests).hasSize(2);
    List<TraceRecord> all = TraceReader.read(traces).records();
    assertThat(all).extracting(TraceRecord::variant).containsExactly("fake-model", "fake-model",
        "fake-model+runs/x/adapter@40", "fake-model+runs/x/adapter@40", "fake-model", "fake-model");
    assertThat(all).extracting(TraceRecord::runId).containsExactly("r1", "r1", "r1", "r1", "r2", "r2");
  }

  @Test
  void resumingWithOtherSettingsOrAChangedPromptFailsNamingTheProbe() throws Exception {
    Path traces = dir.resolve("t.jsonl");
    loop(new FakeGenerator(n -> "x" + n)).iterations(1).build().run(List.of(Probe.of("p", "q")), traces);
    GenerationSettings other = new GenerationSettings(32, 0.0, 1.0, 0, 1.0, 7L, true);
    assertThatThrownBy(() -> loop(new FakeGenerator(n -> "y")).iterations(2).settings(other).build()
        .run(List.of(Probe.of("p", "q")), traces))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("probe 'p'").hasMessageContaining("other settings");
    assertThatThrownBy(() -> loop(new FakeGenerator(n -> "y")).iterations(2).build()
        .run(List.of(Probe.of("p", "changed q")), traces))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("probe 'p'").hasMessageContaining("another prompt");
    assertThat(TraceReader.read(traces).records()).hasSize(1);
  }

  @Test
  void retrievedContextComesFirstWithNumberedCitationsAndIsFetchedOncePerProbe() throws Exception {
    List<String> queries = new ArrayList<>();
    ContextProvider provider = (query, lang) -> {
      queries.add(lang + "|" + query);
      return List.of(
          new ContextSnippet("LoRA trains two small matrices.\n", "notes/LoRA.md > Idea, lines 3-5", "obsidian://open?vault=v&file=notes%2FLoRA"),
          new ContextSnippet("Scenes are hand-written.", "notes/Scenes.md, lines 1-2", ""));
    };
    FakeGenerator g = new FakeGenerator(n -> "a" + n);
    List<List<ContextSnippet>> seen = new ArrayList<>();
    loop(g).iterations(2).contextProvider(provider).listener(new LoopListener() {
      @Override
      public void contextRetrieved(Probe probe, List<ContextSnippet> snippets) {
        seen.add(snippets);
      }
    }).build().run(List.of(new Probe("p", "What is LoRA?", "Background.", "en")), dir.resolve("t.jsonl"));
    assertThat(queries).containsExactly("en|Background.\n\nWhat is LoRA?");
    assertThat(seen).hasSize(1);
    String user = g.requests.get(0).messages().get(0).content();
    assertThat(user).isEqualTo("""
        Notes that may help (cite them by number, e.g. [1]):

        [1] notes/LoRA.md > Idea, lines 3-5
        obsidian://open?vault=v&file=notes%2FLoRA
        LoRA trains two small matrices.

        [2] notes/Scenes.md, lines 1-2
        Scenes are hand-written.

        Background.

        What is LoRA?""");
    assertThat(g.requests.get(1).messages().get(0).content()).isEqualTo(user);
    // The trace keeps the probe's own prompt, so base and adapter runs line up by probe.
    assertThat(TraceReader.read(dir.resolve("t.jsonl")).records().get(0).prompt()).isEqualTo("What is LoRA?");
  }

  @Test
  void aSystemPromptStartsEveryConversationAndEmptyRetrievalAddsNothing() throws Exception {
    FakeGenerator g = new FakeGenerator(n -> "a" + n);
    loop(g).iterations(2).systemPrompt(" Think aloud. ").contextProvider((q, l) -> List.of()).build()
        .run(List.of(Probe.of("p", "q")), dir.resolve("t.jsonl"));
    assertThat(g.requests.get(0).messages()).containsExactly(ChatMessage.system("Think aloud."), ChatMessage.user("q"));
    assertThat(g.requests.get(1).messages().get(0)).isEqualTo(ChatMessage.system("Think aloud."));
    assertThat(g.requests.get(1).messages()).hasSize(4);
  }

  @Test
  void builderAndTemplatesFailEarlyWithClearMessages() {
    FakeGenerator g = new FakeGenerator(n -> "a");
    assertThatThrownBy(() -> ThinkingLoop.builder().build()).hasMessageContaining("generator");
    assertThatThrownBy(() -> loop(g).iterations(0).build()).hasMessageContaining("iterations must be >= 1 but got 0");
    assertThatThrownBy(() -> loop(g).runId(" ").build()).hasMessageContaining("runId");
    assertThatThrownBy(() -> new ReflectionTemplate("Rewrite {answr}")).hasMessageContaining("unknown placeholder {answr}");
    assertThatThrownBy(() -> new ReflectionTemplate("Rewrite it: {reasoning}")).hasMessageContaining("must contain {answer}");
    assertThatThrownBy(() -> loop(g).build().run(List.of(Probe.of("p", "a"), Probe.of("p", "b")), dir.resolve("t.jsonl")))
        .hasMessageContaining("two probes have the id 'p'");
    assertThat(new ReflectionTemplate("JSON {\"x\": 1} {answer}").render(java.util.Map.of("answer", "A")))
        .isEqualTo("JSON {\"x\": 1} A");
  }
}
