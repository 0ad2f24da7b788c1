package io.ltm.openai;

import static io.ltm.openai.FakeOpenAiServer.fixture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationFailedException;
import io.ltm.core.generate.GenerationRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The generator against a fake server replaying vLLM's and llama.cpp's documented shapes (see fixtures/README.md). */
class OpenAiChatGeneratorTest {

  private static OpenAiChatGenerator.Builder client(FakeOpenAiServer s, List<Duration> waits) {
    return OpenAiChatGenerator.builder().baseUrl(s.url()).model("Qwen3-0.6B").apiKey("k-123")
        .retry(new RetryPolicy(3, Duration.ofSeconds(1), Duration.ofSeconds(30))).sleeper(waits::add)
        .idleTimeout(Duration.ofSeconds(20));
  }

  private static GenerationRequest prompt(String text) {
    return GenerationRequest.builder().prompt(text).maxNewTokens(64).temperature(0.7).topP(0.9).topK(20).seed(7).build();
  }

  /** Entropy of the renormalised top logprobs, written out plainly (no max shift) as the independent reference. */
  private static double entropy(double... logprobs) {
    double z = 0;
    for (double lp : logprobs) {
      z += lp <= -9999 ? 0 : Math.exp(lp);
    }
    double h = 0;
    for (double lp : logprobs) {
      double q = lp <= -9999 ? 0 : Math.exp(lp) / z;
      if (q > 0) {
        h -= q * Math.log(q);
      }
    }
    return h;
  }

  @Test
  void vllmStreamWithReasoningField() throws Exception {
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.sse(fixture("vllm-stream-reasoning.sse")));
      List<GeneratedToken> streamed = new ArrayList<>();
      OpenAiChatGenerator g = client(s, new ArrayList<>()).build();
      Generation out = g.generate(prompt("9.11 or 9.8?").toBuilder().listener(streamed::add).build());

      assertThat(out.reasoning()).isEqualTo("Compare decimals.");
      assertThat(out.answer()).isEqualTo("9.8 is greater.");
      assertThat(out.finishReason()).isEqualTo(Generation.FinishReason.EOS);
      assertThat(out.tokens()).extracting(GeneratedToken::text)
          .containsExactly("Compare", " decimals", ".", "9.8", " is", " greater.");
      assertThat(out.tokens()).extracting(GeneratedToken::reasoning).containsExactly(true, true, true, false, false, false);
      assertThat(out.tokens()).extracting(GeneratedToken::id).containsOnly(-1);
      assertThat(out.tokens().get(0).logprob()).isEqualTo(-0.5);
      assertThat(out.tokens().get(0).entropy()).isCloseTo(entropy(-0.5, -1.2, -2.3), within(1e-12));
      assertThat(out.tokens().get(1).entropy()).isCloseTo(entropy(-0.1, -2.5, -9999.0), within(1e-12));
      assertThat(out.tokens().get(2).entropy()).isEqualTo(0.0); // a single alternative
      assertThat(out.tokens().get(3).entropy()).isCloseTo(entropy(-0.2, -1.8), within(1e-12));
      assertThat(streamed).containsExactlyElementsOf(out.tokens());
      assertThat(g.entropyTopK()).hasValue(20);

      FakeOpenAiServer.Seen req = s.requests.get(0);
      assertThat(req.authorization()).isEqualTo("Bearer k-123");
      var b = req.body();
      assertThat(b.get("model").asText()).isEqualTo("Qwen3-0.6B");
      assertThat(b.get("messages").get(0).get("role").asText()).isEqualTo("user");
      assertThat(b.get("messages").get(0).get("content").asText()).isEqualTo("9.11 or 9.8?");
      assertThat(b.get("max_tokens").asInt()).isEqualTo(64);
      assertThat(b.get("temperature").asDouble()).isEqualTo(0.7);
      assertThat(b.get("top_p").asDouble()).isEqualTo(0.9);
      assertThat(b.get("top_k").asInt()).isEqualTo(20);
      assertThat(b.get("seed").asLong()).isEqualTo(7);
      assertThat(b.has("repetition_penalty")).isFalse();
      assertThat(b.get("logprobs").asBoolean()).isTrue();
      assertThat(b.get("top_logprobs").asInt()).isEqualTo(20);
      assertThat(b.get("stream").asBoolean()).isTrue();
      assertThat(b.get("stream_options").get("include_usage").asBoolean()).isTrue();
      assertThat(b.get("chat_template_kwargs").get("enable_thinking").asBoolean()).isTrue();
    }
  }

  @Test
  void vllmWholeResponseWithReasoningContentAndThinkTokens() throws Exception {
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.json(200, fixture("vllm-whole-reasoning-content.json")));
      Generation out = client(s, new ArrayList<>()).stream(false).model("seed-adapter").build()
          .generate(prompt("How far?").toBuilder().enableThinking(false).build());
      assertThat(out.model()).isEqualTo("seed-adapter");
      assertThat(out.reasoning()).isEqualTo("Check units.");
      assertThat(out.answer()).isEqualTo("It is 3 km.");
      assertThat(out.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
      // Every token up to and including </think> is reasoning, whatever the chunk said.
      assertThat(out.tokens()).extracting(GeneratedToken::reasoning)
          .containsExactly(true, true, true, true, true, false, false);
      assertThat(out.tokens().get(2).entropy()).isCloseTo(entropy(-0.7, -0.9), within(1e-12));
      var b = s.requests.get(0).body();
      assertThat(b.get("stream").asBoolean()).isFalse();
      assertThat(b.has("stream_options")).isFalse();
      assertThat(b.get("chat_template_kwargs").get("enable_thinking").asBoolean()).isFalse();
    }
  }

  @Test
  void llamaCppStreamCarriesTokenIds() throws Exception {
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.sse(fixture("llamacpp-stream-reasoning.sse")));
      Generation out = client(s, new ArrayList<>()).build().generate(prompt("2+2?"));
      assertThat(out.reasoning()).isEqualTo("Two plus two");
      assertThat(out.answer()).isEqualTo("4");
      assertThat(out.tokens()).extracting(GeneratedToken::id).containsExactly(11613, 5519, 19);
      assertThat(out.tokens()).extracting(GeneratedToken::reasoning).containsExactly(true, true, false);
      assertThat(out.tokens().get(2).entropy()).isCloseTo(entropy(-0.001, -7.0), within(1e-12));
    }
  }

  @Test
  void thinkInsideContentIsSplitOff() throws Exception {
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.json(200, fixture("llamacpp-whole-think-in-content.json")));
      Generation out = client(s, new ArrayList<>()).stream(false).topLogprobs(0).build().generate(prompt("Hi"));
      assertThat(out.reasoning()).isEqualTo("The user greets me.");
      assertThat(out.answer()).isEqualTo("Hello!");
      assertThat(out.tokens()).isEmpty(); // no logprobs asked, none given
      assertThat(s.requests.get(0).body().has("logprobs")).isFalse();
    }
  }

  @Test
  void closingTagWithoutAnOpeningOneStillSplits() throws Exception {
    String body = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
        + "\"The prompt opened the block.\\n</think>\\n\\nDone.\"},\"finish_reason\":\"stop\"}]}";
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.json(200, body));
      Generation out = client(s, new ArrayList<>()).stream(false).topLogprobs(0).build().generate(prompt("x"));
      assertThat(out.reasoning()).isEqualTo("The prompt opened the block.");
      assertThat(out.answer()).isEqualTo("Done.");
    }
  }

  @Test
  void thinkTagSplitAcrossStreamedChunks() throws Exception {
    String sse = chunk("<thi") + chunk("nk>Hmm, ") + chunk("fine.</th") + chunk("ink>\n\nYes") + chunk(".")
        + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.sse(sse));
      List<GeneratedToken> pieces = new ArrayList<>();
      Generation out = client(s, new ArrayList<>()).topLogprobs(0).build()
          .generate(prompt("ok?").toBuilder().listener(pieces::add).build());
      assertThat(out.reasoning()).isEqualTo("Hmm, fine.");
      assertThat(out.answer()).isEqualTo("Yes.");
      assertThat(pieces).isNotEmpty().allSatisfy(p -> assertThat(p.logprob()).isNaN());
    }
  }

  private static String chunk(String content) {
    String q = new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(content));
    return "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + q + "\"}}]}\n\n";
  }

  @Test
  void retriesAfter429HonouringRetryAfterThenSucceeds() throws Exception {
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.status(429, Map.of("Retry-After", "2"), "{\"error\":{\"message\":\"rate limited\",\"type\":\"RateLimitError\"}}"))
          .then(FakeOpenAiServer.status(503, Map.of(), "{\"error\":{\"message\":\"overloaded\"}}"))
          .then(FakeOpenAiServer.sse(fixture("vllm-stream-reasoning.sse")));
      List<Duration> waits = new ArrayList<>();
      Generation out = client(s, waits).build().generate(prompt("9.11 or 9.8?"));
      assertThat(out.answer()).isEqualTo("9.8 is greater.");
      // Retry-After 2 s honoured; then the policy's own backoff for retry 1: 1 s doubled.
      assertThat(waits).containsExactly(Duration.ofSeconds(2), Duration.ofSeconds(2));
      assertThat(s.requests).hasSize(3);
    }
  }

  @Test
  void backoffDoublesUpToItsCap() {
    RetryPolicy p = new RetryPolicy(10, Duration.ofSeconds(1), Duration.ofSeconds(5));
    assertThat(List.of(p.delay(0, null), p.delay(1, null), p.delay(2, null), p.delay(3, null)))
        .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(5));
    assertThat(p.delay(0, Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void refusedEveryTimeIsARecordableFailure() throws Exception {
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.status(503, Map.of(), "busy"));
      List<Duration> waits = new ArrayList<>();
      assertThatThrownBy(() -> client(s, waits).build().generate(prompt("x")))
          .isInstanceOf(GenerationFailedException.class)
          .hasMessageContaining("HTTP 503").hasMessageContaining("busy").hasMessageContaining("4 attempts");
      assertThat(s.requests).hasSize(4);
      assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
    }
  }

  @Test
  void aResponseThatNeverStartsIsRetriedThenRecordable() throws Exception {
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(ex -> Thread.sleep(2000)); // headers never come in time
      List<Duration> waits = new ArrayList<>();
      assertThatThrownBy(() -> client(s, waits).requestTimeout(Duration.ofMillis(200))
          .retry(new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMillis(10))).build().generate(prompt("x")))
          .isInstanceOf(GenerationFailedException.class).hasMessageContaining("no response within").hasMessageContaining("2 attempts");
      assertThat(waits).containsExactly(Duration.ofMillis(10));
    }
  }

  @Test
  void droppedStreamFailsWithWhatArrived() throws Exception {
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.sse(fixture("vllm-stream-reasoning.sse"), 4, 0)); // ends after "9.8"
      assertThatThrownBy(() -> client(s, new ArrayList<>()).build().generate(prompt("x")))
          .isInstanceOfSatisfying(GenerationFailedException.class, e -> {
            assertThat(e).hasMessageContaining("dropped mid-answer");
            Generation part = e.partial().orElseThrow();
            assertThat(part.reasoning()).isEqualTo("Compare decimals.");
            assertThat(part.answer()).isEqualTo("9.8");
            assertThat(part.tokens()).hasSize(4);
          });
    }
  }

  @Test
  void stalledStreamFailsAfterTheIdleTimeout() throws Exception {
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.sse(fixture("vllm-stream-reasoning.sse"), 2, 3000));
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> client(s, new ArrayList<>()).idleTimeout(Duration.ofMillis(300)).build().generate(prompt("x")))
          .isInstanceOf(GenerationFailedException.class).hasMessageContaining("stalled");
      assertThat((System.nanoTime() - t0) / 1e9).isLessThan(2.5);
    }
  }

  @Test
  void badJsonInTheStreamIsAFailureNamingTheEvent() throws Exception {
    String sse = fixture("vllm-stream-reasoning.sse").split("\n\n")[1] + "\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"x\"\n\n";
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.sse(sse));
      assertThatThrownBy(() -> client(s, new ArrayList<>()).build().generate(prompt("x")))
          .isInstanceOfSatisfying(GenerationFailedException.class, e -> {
            assertThat(e).hasMessageContaining("event 2").hasMessageContaining("not valid JSON");
            assertThat(e.partial().orElseThrow().reasoning()).isEqualTo("Compare");
          });
    }
  }

  @Test
  void errorInsideTheStreamIsAFailure() throws Exception {
    String sse = fixture("vllm-stream-reasoning.sse").split("\n\n")[1] + "\n\ndata: " + fixture("vllm-error-legacy.json").strip()
        + "\n\ndata: [DONE]\n\n";
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.sse(sse));
      assertThatThrownBy(() -> client(s, new ArrayList<>()).build().generate(prompt("x")))
          .isInstanceOf(GenerationFailedException.class).hasMessageContaining("maximum context length is 4096");
    }
  }

  @Test
  void badJsonInAWholeResponseIsAFailure() throws Exception {
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.json(200, "{\"choices\": [oops]"));
      assertThatThrownBy(() -> client(s, new ArrayList<>()).stream(false).build().generate(prompt("x")))
          .isInstanceOf(GenerationFailedException.class).hasMessageContaining("not valid JSON");
    }
  }

  @Test
  void unknownModelAndBadKeyStopTheRun() throws Exception {
    try (FakeOpenAiServer s = new FakeOpenAiServer()) {
      s.then(FakeOpenAiServer.json(404, fixture("vllm-error.json")))
          .then(FakeOpenAiServer.json(401, "{\"error\":{\"message\":\"invalid api key\",\"type\":\"authentication_error\"}}"))
          .then(FakeOpenAiServer.json(400, fixture("vllm-error-legacy.json")));
      OpenAiChatGenerator g = client(s, new ArrayList<>()).build();
      assertThatThrownBy(() -> g.generate(prompt("x"))).isInstanceOfSatisfying(OpenAiException.class,
          e -> assertThat(e.status()).isEqualTo(404)).hasMessageContaining("`no-such-adapter` does not exist")
          .hasMessageContaining("--adapter-model");
      assertThatThrownBy(() -> g.generate(prompt("x"))).isInstanceOf(OpenAiException.class)
          .hasMessageContaining("invalid api key").hasMessageContaining("--api-key");
      // A 400 belongs to this prompt (too long, say): recorded, the run goes on.
      assertThatThrownBy(() -> g.generate(prompt("x"))).isInstanceOf(GenerationFailedException.class)
          .hasMessageContaining("maximum context length");
    }
  }

  @Test
  void refusedConnectionNamesTheUrl() {
    OpenAiChatGenerator g = OpenAiChatGenerator.builder().baseUrl("http://127.0.0.1:1").model("m").build();
    assertThatThrownBy(() -> g.generate(prompt("x"))).isInstanceOf(OpenAiException.class)
        .hasMessageContaining("http://127.0.0.1:1/v1/chat/completions").hasMessageContaining("--url");
  }

  @Test
  void listsServedModels() throws Exception {
    try (FakeOpenAiServer s = new FakeOpenAiServer("Qwen3-0.6B", "seed")) {
      assertThat(client(s, new ArrayList<>()).build().servedModels()).containsExactly("Qwen3-0.6B", "seed");
    }
  }

  @Test
  void urlForms() {
    assertThat(OpenAiChatGenerator.chatUrl("http://h:8000")).hasToString("http://h:8000/v1/chat/completions");
    assertThat(OpenAiChatGenerator.chatUrl("http://h:8000/v1/")).hasToString("http://h:8000/v1/chat/completions");
    assertThat(OpenAiChatGenerator.chatUrl("http://h/api/v1/chat/completions")).hasToString("http://h/api/v1/chat/completions");
    assertThatThrownBy(() -> OpenAiChatGenerator.builder().baseUrl("localhost:8000").model("m").build())
        .hasMessageContaining("not an http(s) URL");
    assertThatThrownBy(() -> OpenAiChatGenerator.builder().baseUrl("http://h").build()).hasMessageContaining("model name");
  }

  @Test
  void retryAfterAsHttpDate() {
    var headers = java.net.http.HttpHeaders.of(Map.of("Retry-After", List.of("Wed, 21 Oct 2015 07:28:00 GMT")), (a, b) -> true);
    assertThat(OpenAiChatGenerator.retryAfter(headers)).isEqualTo(Duration.ZERO); // in the past
  }
}
