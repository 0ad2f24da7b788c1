package io.ltm.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.lora.generate.BatchRow;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import io.ltm.rag.embed.OnnxEmbedder;
import io.ltm.rag.index.VaultIndexer;
import io.ltm.rag.loop.VaultContextProvider;
import io.ltm.rag.search.VaultSearcher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ltm serve} driven over real HTTP by the official OpenAI Java SDK, on a random tiny Qwen3
 * checkpoint (real tokenizer) with one random adapter and a two-note vault index.
 */
class OpenAiServerTest {
  @TempDir static Path tmp;
  private static LocalModel model;
  /**
   * The same tiny shape with a 64k context, for requests that must outlast others whatever the machine's
   * load: the tiny preset decodes its whole 4096-token context in a second or two (CI once saw such a
   * request end before the one meant to overlap it arrived). Its KV cache at 60k tokens is 31 MB.
   */
  private static LocalModel longModel;
  private static LoraModel lora;
  private static OnnxEmbedder embedder;
  private static VaultSearcher searcher;
  private static OpenAiServer server;
  private static OpenAIClient client;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    Path dir = RandomCheckpointWriter.builder(CheckpointPreset.TINY_QWEN3).dtype(TensorDType.F32).seed(21)
        .tokenizerDir(Path.of("..", "examples", "tokenizer", "qwen3")).build().write(tmp.resolve("tiny-qwen3"));
    model = LocalModel.open(dir);
    ModelConfig longContext = CheckpointPreset.TINY_QWEN3.config().toBuilder().maxPositionEmbeddings(65_536).build();
    longModel = LocalModel.open(RandomCheckpointWriter.builder(longContext).dtype(TensorDType.F32).seed(21)
        .tokenizerDir(Path.of("..", "examples", "tokenizer", "qwen3")).build().write(tmp.resolve("tiny-qwen3-64k")));
    lora = new LoraModel(model.decoder());
    LoraAdapter a = lora.create("poet", LoraConfig.builder().optR(4).optLoraAlpha(8)
        .optTargetModules(TargetModules.parseCommaSeparated("all-linear")).build(), 3);
    SplittableRandom rnd = new SplittableRandom(11);
    for (Map.Entry<String, NDArray> e : a.parameters().entrySet()) {
      if (e.getKey().endsWith(LoraAdapter.B_SUFFIX)) { // lora_B starts at zero; random B makes the adapter matter
        float[] v = new float[(int) e.getValue().size()];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (rnd.nextDouble() - 0.5);
        }
        e.getValue().set(v);
      }
    }
    Path vault = Files.createDirectories(tmp.resolve("vault"));
    Files.writeString(vault.resolve("Ravens.md"), "# Ravens\n\nRavens remember faces for years.\n\n## Tools\n\nA raven bends wire into hooks.\n");
    Files.writeString(vault.resolve("Tea.md"), "# Tea\n\nGreen tea is steeped at 80 degrees.\n");
    embedder = OnnxEmbedder.miniLm();
    VaultIndexer.builder().vault(vault).index(tmp.resolve("index")).embedder(embedder).build().run();
    searcher = VaultSearcher.open(tmp.resolve("index"), embedder);
    server = OpenAiServer.builder().model(model).lora(lora).port(0)
        .vault(VaultContextProvider.builder().searcher(searcher).build()).build().start();
    client = OpenAIOkHttpClient.builder().baseUrl(server.url()).apiKey("unused").maxRetries(0).build();
  }

  @AfterAll
  static void stop() {
    server.close();
    searcher.close();
    embedder.close();
    lora.close();
    model.close();
    longModel.close();
  }

  private static ChatCompletionCreateParams.Builder chat(String model, String user, long maxTokens) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage(user).maxCompletionTokens(maxTokens).temperature(0.0);
  }

  private static String streamed(ChatCompletionCreateParams p, List<ChatCompletionChunk> chunks) {
    StringBuilder sb = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(p)) {
      s.stream().forEach(c -> {
        chunks.add(c);
        if (!c.choices().isEmpty()) {
          c.choices().get(0).delta().content().ifPresent(sb::append);
        }
      });
    }
    return sb.toString();
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void listsTheBaseEachAdapterAndTheirVaultVariants() {
    List<String> ids = client.models().list().data().stream().map(Model::id).toList();
    assertThat(ids).containsExactly("tiny-qwen3", "poet", "tiny-qwen3+vault", "poet+vault");
  }

  @Test
  void greedyChatIsRepeatableAndCountsItsTokens() {
    ChatCompletionCreateParams p = chat("tiny-qwen3", "What is a thought?", 12).build();
    ChatCompletion a = client.chat().completions().create(p);
    ChatCompletion b = client.chat().completions().create(p);
    assertThat(a.choices().get(0).message().content()).isEqualTo(b.choices().get(0).message().content());
    assertThat(a.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
    assertThat(a.usage().orElseThrow().completionTokens()).isEqualTo(12);
    int promptTokens = model.generator().promptIds(GenerationRequest.builder().prompt("What is a thought?").build()).length;
    assertThat(a.usage().orElseThrow().promptTokens()).isEqualTo(promptTokens);
    assertThat(a.model()).isEqualTo("tiny-qwen3");
  }

  @Test
  void streamedAnswerEqualsTheNonStreamedOneAndEndsWithUsage() {
    ChatCompletionCreateParams whole1 = chat("tiny-qwen3", "Tell me about ravens.", 16).build();
    String whole = client.chat().completions().create(whole1).choices().get(0).message().content().orElse("");
    ChatCompletionCreateParams p = whole1.toBuilder()
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    String stream = streamed(p, chunks);
    assertThat(stream).isEqualTo(whole).isNotEmpty();
    assertThat(chunks.get(0).choices().get(0).delta().role()).isPresent();
    ChatCompletionChunk last = chunks.get(chunks.size() - 1);
    assertThat(last.choices()).isEmpty();
    assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(16);
    assertThat(chunks.get(chunks.size() - 2).choices().get(0).finishReason()).contains(ChatCompletionChunk.Choice.FinishReason.LENGTH);
  }

  @Test
  void rawCompletionContinuesThePromptExactlyAsTheEngineDoes() {
    String prompt = "Once upon a time";
    Completion c = client.completions().create(CompletionCreateParams.builder().model("tiny-qwen3").prompt(prompt)
        .maxTokens(10).temperature(0.0).build());
    Generation g = model.generator().generateRows(List.of(BatchRow.of(model.tokenizer().encode(prompt),
        GenerationRequest.builder().prompt(prompt).maxNewTokens(10).build()))).get(0);
    String engine = g.tokens().stream().map(GeneratedToken::text).collect(Collectors.joining());
    assertThat(c.choices().get(0).text()).isEqualTo(engine);
    assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(10);
  }

  @Test
  void logprobsCarryTheTopAlternativesAndGreedyPicksTheFirst() {
    ChatCompletion c = client.chat().completions().create(chat("tiny-qwen3", "Why?", 6).logprobs(true).topLogprobs(5).build());
    List<ChatCompletionTokenLogprob> lp = c.choices().get(0).logprobs().orElseThrow().content().orElseThrow();
    assertThat(lp).hasSize(6);
    for (ChatCompletionTokenLogprob t : lp) {
      assertThat(t.topLogprobs()).hasSize(5);
      assertThat(t.logprob()).isLessThanOrEqualTo(0.0).isCloseTo(t.topLogprobs().get(0).logprob(), within(1e-9));
      assertThat(t.token()).isEqualTo(t.topLogprobs().get(0).token());
      for (int i = 1; i < 5; i++) {
        assertThat(t.topLogprobs().get(i).logprob()).isLessThanOrEqualTo(t.topLogprobs().get(i - 1).logprob());
      }
    }
    assertThat(c.choices().get(0).message().content().orElse(""))
        .isEqualTo(lp.stream().map(ChatCompletionTokenLogprob::token).collect(Collectors.joining()).replaceFirst("^[\\r\\n]+", ""));
  }

  @Test
  void anAdapterIsServedByItsNameAndChangesTheModel() {
    ChatCompletion base = client.chat().completions().create(chat("tiny-qwen3", "Hello", 8).logprobs(true).build());
    ChatCompletion poet = client.chat().completions().create(chat("poet", "Hello", 8).logprobs(true).build());
    assertThat(poet.model()).isEqualTo("poet");
    double b0 = base.choices().get(0).logprobs().orElseThrow().content().orElseThrow().get(0).logprob();
    double p0 = poet.choices().get(0).logprobs().orElseThrow().content().orElseThrow().get(0).logprob();
    assertThat(Math.abs(b0 - p0)).isGreaterThan(1e-3);
    ChatCompletion baseAgain = client.chat().completions().create(chat("tiny-qwen3", "Hello", 8).build());
    assertThat(baseAgain.choices().get(0).message().content()).isEqualTo(base.choices().get(0).message().content());
  }

  @Test
  void errorsAreOpenAiErrorObjectsWithFittingStatus() throws Exception {
    assertThatThrownBy(() -> client.chat().completions().create(chat("nope", "Hi", 4).build()))
        .isInstanceOf(NotFoundException.class).hasMessageContaining("nope").hasMessageContaining("tiny-qwen3");
    OpenAIServiceException bad = (OpenAIServiceException) org.assertj.core.api.Assertions.catchThrowable(
        () -> client.chat().completions().create(chat("tiny-qwen3", "Hi", 4).temperature(5.0).build()));
    assertThat(bad).isInstanceOf(BadRequestException.class);
    assertThat(bad.param()).contains("temperature");
    assertThatThrownBy(() -> client.chat().completions().create(chat("tiny-qwen3", "Hi", 100_000).build()))
        .isInstanceOf(BadRequestException.class).hasMessageContaining("maximum context length is 4096");
    assertThatThrownBy(() -> client.chat().completions().create(chat("tiny-qwen3", "Hi", 4).topLogprobs(21).logprobs(true).build()))
        .isInstanceOf(BadRequestException.class).hasMessageContaining("top_logprobs");

    HttpResponse<String> empty = post("/chat/completions", "{\"model\": \"tiny-qwen3\", \"messages\": []}");
    assertThat(empty.statusCode()).isEqualTo(400);
    JsonNode err = Json.MAPPER.readTree(empty.body()).get("error");
    assertThat(err.get("param").asText()).isEqualTo("messages");
    assertThat(err.get("type").asText()).isEqualTo("invalid_request_error");

    HttpResponse<String> malformed = post("/chat/completions", "{\"model\": \"tiny-qwen3\", \"messages\": [");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(malformed.body()).get("error").get("message").asText()).contains("not valid JSON");

    HttpResponse<String> part = post("/chat/completions",
        "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}");
    assertThat(part.statusCode()).isEqualTo(400);
    assertThat(Json.MAPPER.readTree(part.body()).get("error").get("param").asText()).isEqualTo("messages[0].content[0].type");

    HttpResponse<String> route = post("/embeddings", "{}");
    assertThat(route.statusCode()).isEqualTo(404);
    assertThat(route.body()).doesNotContain("at io.").contains("\"error\"");
  }

  @Test
  void textPartsAndStringContentGiveTheSameAnswer() throws Exception {
    HttpResponse<String> parts = post("/chat/completions", "{\"model\": \"tiny-qwen3\", \"max_tokens\": 6, \"temperature\": 0,"
        + " \"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"Hi there\"}]}]}");
    HttpResponse<String> plain = post("/chat/completions", "{\"model\": \"tiny-qwen3\", \"max_tokens\": 6, \"temperature\": 0,"
        + " \"messages\": [{\"role\": \"user\", \"content\": \"Hi there\"}]}");
    assertThat(parts.statusCode()).isEqualTo(200);
    assertThat(Json.MAPPER.readTree(parts.body()).at("/choices/0/message/content"))
        .isEqualTo(Json.MAPPER.readTree(plain.body()).at("/choices/0/message/content"));
  }

  @Test
  void concurrentClientsAreBatchedAndGetTheAnswersTheyGetOneByOne() throws Exception {
    List<String> prompts = List.of("One", "Two words", "Three words here", "A longer question about ravens and tea?",
        "Five", "Six six", "Seven is a number", "Eight");
    List<String> alone = new ArrayList<>();
    for (String q : prompts) {
      alone.add(client.chat().completions().create(chat("tiny-qwen3", q, 10).build()).choices().get(0).message().content().orElse(""));
    }
    ExecutorService pool = Executors.newFixedThreadPool(prompts.size());
    try {
      List<Future<String>> futures = new ArrayList<>();
      for (String q : prompts) {
        futures.add(pool.submit(() -> client.chat().completions().create(chat("tiny-qwen3", q, 10).build())
            .choices().get(0).message().content().orElse("")));
      }
      List<String> together = new ArrayList<>();
      for (Future<String> f : futures) {
        together.add(f.get());
      }
      assertThat(together).isEqualTo(alone);
    } finally {
      pool.shutdown();
    }
    assertThat(server.scheduler().largestBatch()).isGreaterThan(1);
  }

  @Test
  void aClientThatDisconnectsMidStreamStopsItsGeneration() throws Exception {
    try (OpenAiServer own = OpenAiServer.builder().model(longModel).port(0).servedModelName("tiny-qwen3").build().start()) {
      OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl(own.url()).apiKey("x").maxRetries(0).build();
      ChatCompletionCreateParams p = chat("tiny-qwen3", "Write a very long story.", 60_000).build();
      try (StreamResponse<ChatCompletionChunk> s = c.chat().completions().createStreaming(p)) {
        Iterator<ChatCompletionChunk> it = s.stream().iterator();
        for (int i = 0; i < 4 && it.hasNext(); i++) {
          it.next();
        }
      } // closes the connection mid-answer
      long deadline = System.currentTimeMillis() + 30_000;
      while (!own.scheduler().idle() && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertThat(own.scheduler().idle()).isTrue();
      assertThat(own.scheduler().generatedTokens()).isLessThan(30_000); // stopped, not run to its budget
    }
  }

  @Test
  void vaultRetrievalGroundsThePromptAndReturnsCitations() throws Exception {
    HttpResponse<String> plain = post("/chat/completions",
        "{\"model\": \"tiny-qwen3\", \"max_tokens\": 4, \"messages\": [{\"role\": \"user\", \"content\": \"Do ravens remember faces?\"}]}");
    HttpResponse<String> grounded = post("/chat/completions",
        "{\"model\": \"tiny-qwen3+vault\", \"max_tokens\": 4, \"messages\": [{\"role\": \"user\", \"content\": \"Do ravens remember faces?\"}]}");
    HttpResponse<String> byField = post("/chat/completions", "{\"model\": \"poet\", \"max_tokens\": 4, \"ltm\": {\"retrieve\": true, \"k\": 1},"
        + " \"messages\": [{\"role\": \"user\", \"content\": \"Do ravens remember faces?\"}]}");
    assertThat(grounded.statusCode()).isEqualTo(200);
    JsonNode g = Json.MAPPER.readTree(grounded.body());
    JsonNode first = g.at("/ltm/citations/0");
    assertThat(first.get("path").asText()).isEqualTo("Ravens.md");
    assertThat(first.get("line_from").asInt()).isGreaterThanOrEqualTo(1);
    assertThat(first.get("uri").asText()).startsWith("obsidian://open?vault=vault&file=Ravens");
    assertThat(first.get("index").asInt()).isEqualTo(1);
    // the chunks went into the prompt
    assertThat(g.at("/usage/prompt_tokens").asInt()).isGreaterThan(Json.MAPPER.readTree(plain.body()).at("/usage/prompt_tokens").asInt() + 10);
    assertThat(Json.MAPPER.readTree(plain.body()).get("ltm")).isNull();
    assertThat(Json.MAPPER.readTree(byField.body()).at("/ltm/citations").size()).isEqualTo(1);
  }

  @Test
  void anApiKeyIsRequiredOffLoopbackAndCheckedWhenSet() throws Exception {
    assertThatThrownBy(() -> OpenAiServer.builder().model(model).host("0.0.0.0").port(0).build())
        .hasMessageContaining("--api-key");
    try (OpenAiServer keyed = OpenAiServer.builder().model(model).port(0).apiKey("s3cret").corsOrigin("app://obsidian.md").build().start()) {
      // a browser preflight from the allowed origin passes without the key; another origin gets no CORS headers
      HttpResponse<String> pre = HTTP.send(HttpRequest.newBuilder(URI.create(keyed.url() + "/chat/completions"))
          .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "app://obsidian.md")
          .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(pre.statusCode()).isEqualTo(204);
      assertThat(pre.headers().firstValue("Access-Control-Allow-Origin")).contains("app://obsidian.md");
      HttpResponse<String> evil = HTTP.send(HttpRequest.newBuilder(URI.create(keyed.url() + "/models"))
          .header("Origin", "https://evil.example").header("Authorization", "Bearer s3cret").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(evil.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
      OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl(keyed.url()).apiKey("guess").maxRetries(0).build();
      assertThatThrownBy(() -> wrong.models().list()).isInstanceOf(com.openai.errors.UnauthorizedException.class);
      OpenAIClient right = OpenAIOkHttpClient.builder().baseUrl(keyed.url()).apiKey("s3cret").maxRetries(0).build();
      assertThat(right.models().list().data()).extracting(Model::id).containsExactly("tiny-qwen3");
    }
  }

  @Test
  void rejectsVaultModelsWhenNoIndexIsOpen() {
    try (OpenAiServer plain = OpenAiServer.builder().model(model).port(0).servedModelName("mine").build().start()) {
      OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl(plain.url()).apiKey("x").maxRetries(0).build();
      assertThatThrownBy(() -> c.chat().completions().create(chat("mine+vault", "Hi", 2).build()))
          .isInstanceOf(NotFoundException.class).hasMessageContaining("--index");
      assertThat(c.chat().completions().create(chat("mine", "Hi", 2).build()).model()).isEqualTo("mine");
      assertThatThrownBy(() -> c.chat().completions().create(chat("mine", "Hi", 2)
          .putAdditionalBodyProperty("ltm", JsonValue.from(Map.of("retrieve", true))).build()))
          .isInstanceOf(BadRequestException.class).hasMessageContaining("--index");
    }
  }

  @Test
  void aFullQueueAnswers429AndTheQueueDrainsAfterwards() throws Exception {
    try (OpenAiServer small = OpenAiServer.builder().model(longModel).port(0).servedModelName("tiny-qwen3")
        .maxBatch(1).queueCapacity(1).build().start()) {
      OpenAIClient c = OpenAIOkHttpClient.builder().baseUrl(small.url()).apiKey("x").maxRetries(0).build();
      ExecutorService pool = Executors.newSingleThreadExecutor();
      try (StreamResponse<ChatCompletionChunk> running = c.chat().completions().createStreaming(chat("tiny-qwen3", "Long", 60_000).build())) {
        running.stream().iterator().next(); // the worker is busy with it
        Future<ChatCompletion> waiting = pool.submit(() -> c.chat().completions().create(chat("tiny-qwen3", "Short", 2).build()));
        long deadline = System.currentTimeMillis() + 30_000;
        while (small.scheduler().queued() < 1 && System.currentTimeMillis() < deadline) {
          Thread.sleep(10);
        }
        assertThat(small.scheduler().queued()).as("the second request waits behind the first").isEqualTo(1);
        OpenAIServiceException busy = (OpenAIServiceException) org.assertj.core.api.Assertions.catchThrowable(
            () -> c.chat().completions().create(chat("tiny-qwen3", "Third", 2).build()));
        assertThat(busy).isInstanceOf(com.openai.errors.RateLimitException.class);
        assertThat(busy.statusCode()).isEqualTo(429);
        running.close(); // frees the worker: the waiting request runs
        assertThat(waiting.get(60, java.util.concurrent.TimeUnit.SECONDS).usage().orElseThrow().completionTokens()).isEqualTo(2);
      } finally {
        pool.shutdown();
      }
    }
  }

  @Test
  void aShortJobBatchedWithALongOneEndsWhenItsOwnRowIsDone() throws Exception {
    try (io.ltm.server.engine.BatchScheduler scheduler = io.ltm.server.engine.BatchScheduler.builder().model(longModel).build()) {
      int[] prompt = longModel.tokenizer().encode("Hello there");
      io.ltm.server.engine.Job longJob = scheduler.submit("", prompt, GenerationRequest.builder().prompt("x").maxNewTokens(60_000).build(), 0);
      io.ltm.server.engine.Job shortJob = scheduler.submit("", prompt, GenerationRequest.builder().prompt("x").maxNewTokens(3).build(), 0);
      int steps = 0;
      io.ltm.server.engine.Job.Event e;
      while (!((e = shortJob.next(30, java.util.concurrent.TimeUnit.SECONDS)) instanceof io.ltm.server.engine.Job.Finished)) {
        assertThat(e).isInstanceOf(io.ltm.server.engine.Job.Step.class);
        steps++;
      }
      assertThat(steps).isEqualTo(3);
      assertThat(((io.ltm.server.engine.Job.Finished) e).generation().tokens()).hasSize(3);
      assertThat(scheduler.lastBatchSize()).isEqualTo(2); // they ran together
      assertThat(scheduler.idle()).isFalse(); // and the long one still runs
      longJob.cancel();
    }
  }
}
