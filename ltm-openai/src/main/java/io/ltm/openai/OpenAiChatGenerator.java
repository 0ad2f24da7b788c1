package io.ltm.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.core.generate.ChatMessage;
import io.ltm.core.generate.GenerationFailedException;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.core.generate.TextGenerator;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TextGenerator} over an OpenAI-compatible {@code POST /v1/chat/completions}: vLLM (which
 * serves PEFT LoRA adapters by name, so an adapter is just another {@code model}), llama.cpp's
 * {@code llama-server}, Ollama, or {@code ltm serve}.
 *
 * <p>Request: {@code model}, {@code messages} (role and content; an assistant turn's reasoning is not
 * sent, as Qwen3's chat template drops it from earlier turns anyway), {@code max_tokens}, {@code
 * temperature}, {@code top_p}, {@code seed}, {@code top_k} when above 0 and {@code
 * repetition_penalty} when not 1 (vLLM's names; the strict OpenAI API rejects both, llama.cpp reads
 * {@code top_k}), {@code stop}, {@code chat_template_kwargs.enable_thinking} (vLLM, llama.cpp with
 * {@code --jinja}), {@code logprobs} with {@code top_logprobs}, and {@code stream} with {@code
 * stream_options.include_usage}.
 *
 * <p>Response: reasoning from {@code reasoning} (vLLM 0.11+), {@code reasoning_content} (older vLLM,
 * llama.cpp, DeepSeek-style servers) or a {@code <think>} block inside {@code content} (a server
 * without a reasoning parser); per-token log-probabilities from {@code logprobs.content} and the
 * entropy estimated over {@code top_logprobs} renormalised (a lower bound of the full entropy, see
 * {@link TopLogprobEntropy}; {@link #entropyTopK()} says so and traces record it).
 *
 * <p>Failures: 429, 502, 503 and 504 and a response that does not start in time are retried by the
 * {@link RetryPolicy} (honouring {@code Retry-After}); when retries run out, or when a stream drops,
 * stalls longer than the idle timeout, carries an error or is not valid JSON, {@link #generate} throws
 * {@link GenerationFailedException} with what arrived, which the thinking loop records as a failed
 * iteration and retries on resume. A refused connection, 401/403 (API key), 404 (model not served) and
 * other 4xx but 400 throw {@link OpenAiException}: configuration, not bad luck. A 400 (a prompt longer
 * than the context, say) is a failed iteration.
 *
 * <p>Thread-safe: each call is its own HTTP exchange on a shared {@link HttpClient}. Nothing to close.
 */
public final class OpenAiChatGenerator implements TextGenerator {
  private static final Logger LOG = LoggerFactory.getLogger(OpenAiChatGenerator.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Object EOF = new Object();

  /** Top alternatives asked per token by default: the OpenAI API's maximum. */
  public static final int DEFAULT_TOP_LOGPROBS = 20;

  private final URI chatUrl;
  private final URI modelsUrl;
  private final String model;
  private final String apiKey;
  private final Duration requestTimeout;
  private final Duration idleTimeout;
  private final RetryPolicy retry;
  private final int topLogprobs;
  private final boolean stream;
  private final boolean chatTemplateKwargs;
  private final Sleeper sleeper;
  private final HttpClient http;

  /** Waits between retries; tests replace it to record the waits instead. */
  @FunctionalInterface
  public interface Sleeper {
    /** Sleeps {@code d}. */
    void sleep(Duration d) throws InterruptedException;
  }

  private OpenAiChatGenerator(Builder b) {
    this.chatUrl = chatUrl(b.baseUrl);
    this.modelsUrl = chatUrl.resolve("../models");
    this.model = b.model;
    this.apiKey = b.apiKey;
    this.requestTimeout = b.requestTimeout;
    this.idleTimeout = b.idleTimeout;
    this.retry = b.retry;
    this.topLogprobs = b.topLogprobs;
    this.stream = b.stream;
    this.chatTemplateKwargs = b.chatTemplateKwargs;
    this.sleeper = b.sleeper;
    this.http = b.http != null ? b.http
        : HttpClient.newBuilder().connectTimeout(b.connectTimeout).version(HttpClient.Version.HTTP_1_1).build();
  }

  /** A builder; base URL and model are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The chat endpoint of a base URL: {@code http://host:8000} and {@code http://host:8000/} get
   * {@code /v1/chat/completions}, {@code .../v1} gets {@code /chat/completions}, a URL already ending
   * in {@code /chat/completions} is kept.
   */
  static URI chatUrl(String base) {
    String s = base.strip();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    if (s.endsWith("/chat/completions")) {
      return URI.create(s);
    }
    if (!s.endsWith("/v1")) {
      s = s + "/v1";
    }
    return URI.create(s + "/chat/completions");
  }

  @Override
  public String modelName() {
    return model;
  }

  /** The chat-completions URL requests go to. */
  public URI url() {
    return chatUrl;
  }

  @Override
  public OptionalInt entropyTopK() {
    return topLogprobs > 0 ? OptionalInt.of(topLogprobs) : OptionalInt.empty();
  }

  /**
   * The model names the server lists at {@code GET /v1/models} (the base and, on vLLM with {@code
   * --lora-modules}, each adapter).
   *
   * @throws OpenAiException when the server cannot be reached or answers with an error
   */
  public List<String> servedModels() {
    HttpRequest.Builder rb = HttpRequest.newBuilder(modelsUrl).timeout(requestTimeout).GET();
    if (apiKey != null) {
      rb.header("Authorization", "Bearer " + apiKey);
    }
    HttpResponse<String> r;
    try {
      r = http.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new OpenAiException(0, "GET " + modelsUrl + ": " + describe(e) + "; is the server running at that URL?", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OpenAiException(0, "GET " + modelsUrl + ": interrupted", e);
    }
    if (r.statusCode() != 200) {
      throw new OpenAiException(r.statusCode(), "GET " + modelsUrl + ": HTTP " + r.statusCode() + ": " + errorText(r.body()), null);
    }
    List<String> names = new ArrayList<>();
    try {
      JsonNode data = JSON.readTree(r.body()).get("data");
      if (data != null && data.isArray()) {
        for (JsonNode m : data) {
          if (m.hasNonNull("id")) {
            names.add(m.get("id").asText());
          }
        }
      }
    } catch (JsonProcessingException e) {
      throw new OpenAiException(200, "GET " + modelsUrl + ": not JSON: " + e.getOriginalMessage(), e);
    }
    return names;
  }

  @Override
  public Generation doGenerate(GenerationRequest request) {
    String body = body(request).toString();
    for (int attempt = 0; ; attempt++) {
      Exchange ex;
      try {
        ex = open(body);
      } catch (ConnectException e) {
        throw new OpenAiException(0, "POST " + chatUrl + ": cannot connect (" + describe(e)
            + "); is the server running there? check --url", e);
      } catch (IOException e) { // a timeout or a reset before the response started: transient
        if (attempt < retry.maxRetries()) {
          Duration d = retry.delay(attempt, null);
          LOG.warn("POST {}: {}; retry {} of {} in {} ms", chatUrl, describe(e), attempt + 1, retry.maxRetries(), d.toMillis());
          sleep(d);
          continue;
        }
        throw new GenerationFailedException("POST " + chatUrl + ": " + describe(e) + " after " + (attempt + 1)
            + " attempts; run again to retry", null, e);
      }
      int status = ex.status;
      if (status == 200) {
        return stream ? readStream(ex, request) : readWhole(ex, request);
      }
      String text;
      try {
        text = errorText(ex.readAll(idleTimeout));
      } catch (IOException e) {
        text = "(body unreadable: " + describe(e) + ")";
      } finally {
        ex.cancel();
      }
      if (retryable(status) && attempt < retry.maxRetries()) {
        Duration d = retry.delay(attempt, retryAfter(ex.headers));
        LOG.warn("POST {}: HTTP {} ({}); retry {} of {} in {} ms", chatUrl, status, text, attempt + 1, retry.maxRetries(), d.toMillis());
        sleep(d);
        continue;
      }
      String what = "POST " + chatUrl + " (model '" + model + "'): HTTP " + status + ": " + text;
      if (retryable(status)) {
        throw new GenerationFailedException(what + "; still refused after " + (attempt + 1) + " attempts; run again later to retry",
            null, null);
      }
      if (status == 400 || status >= 500) {
        throw new GenerationFailedException(what, null, null);
      }
      String hint = status == 401 || status == 403 ? "; check --api-key"
          : status == 404 ? "; check --model / --adapter-model against the server's GET /v1/models, and --url" : "";
      throw new OpenAiException(status, what + hint, null);
    }
  }

  private static boolean retryable(int status) {
    return status == 429 || status == 502 || status == 503 || status == 504;
  }

  private void sleep(Duration d) {
    try {
      sleeper.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GenerationFailedException("interrupted while waiting to retry", null, e);
    }
  }

  /** The request body (see the class comment). */
  ObjectNode body(GenerationRequest r) {
    ObjectNode b = JSON.createObjectNode();
    b.put("model", model);
    ArrayNode msgs = b.putArray("messages");
    for (ChatMessage m : r.messages()) {
      msgs.addObject().put("role", m.role().templateName()).put("content", m.content());
    }
    b.put("max_tokens", r.maxNewTokens());
    b.put("temperature", r.temperature());
    b.put("top_p", r.topP());
    if (r.topK() > 0) {
      b.put("top_k", r.topK());
    }
    if (r.repetitionPenalty() != 1.0) {
      b.put("repetition_penalty", r.repetitionPenalty());
    }
    b.put("seed", r.seed());
    if (!r.stopStrings().isEmpty()) {
      ArrayNode stop = b.putArray("stop");
      r.stopStrings().forEach(stop::add);
    }
    if (chatTemplateKwargs) {
      b.putObject("chat_template_kwargs").put("enable_thinking", r.enableThinking());
    }
    if (topLogprobs > 0) {
      b.put("logprobs", true);
      b.put("top_logprobs", topLogprobs);
    }
    b.put("stream", stream);
    if (stream) {
      b.putObject("stream_options").put("include_usage", true);
    }
    return b;
  }

  private Generation readStream(Exchange ex, GenerationRequest request) {
    GenerationAssembler asm = new GenerationAssembler(model, request.listener());
    SseEventReader sse = new SseEventReader();
    int events = 0;
    try {
      while (true) {
        String line = ex.nextLine(idleTimeout);
        String data = line == null ? sse.end() : sse.line(line);
        if (data != null) {
          events++;
          if (data.strip().equals("[DONE]")) {
            return asm.build();
          }
          ChatChunk c = chunk(data, events, asm);
          if (c.error() != null) {
            throw new GenerationFailedException("the server sent an error in the stream after " + asm.chunks()
                + " chunks: " + c.error(), asm.build(), null);
          }
          asm.accept(c);
        }
        if (line == null) {
          if (asm.finished()) {
            LOG.debug("stream from {} ended after finish_reason without [DONE]", chatUrl);
            return asm.build();
          }
          throw new GenerationFailedException("the stream from " + chatUrl + " ended after " + asm.chunks()
              + " chunks without finish_reason or [DONE] (dropped mid-answer); run again to retry", asm.build(), null);
        }
      }
    } catch (IOException e) {
      throw new GenerationFailedException("the stream from " + chatUrl + " broke after " + asm.chunks() + " chunks: "
          + describe(e) + "; run again to retry", asm.build(), e);
    } finally {
      ex.cancel();
    }
  }

  private ChatChunk chunk(String data, int n, GenerationAssembler asm) {
    try {
      return ChatChunk.parse(JSON.readTree(data));
    } catch (JsonProcessingException e) {
      throw new GenerationFailedException("event " + n + " of the stream from " + chatUrl + " is not valid JSON ("
          + e.getOriginalMessage() + "): " + ChatChunk.abbreviate(data), asm.build(), e);
    } catch (IllegalArgumentException e) {
      throw new GenerationFailedException("event " + n + " of the stream from " + chatUrl + " is not a chat completion chunk: "
          + e.getMessage(), asm.build(), e);
    }
  }

  private Generation readWhole(Exchange ex, GenerationRequest request) {
    String text;
    try {
      text = ex.readAll(idleTimeout);
    } catch (IOException e) {
      throw new GenerationFailedException("the response from " + chatUrl + " broke off: " + describe(e) + "; run again to retry",
          null, e);
    }
    GenerationAssembler asm = new GenerationAssembler(model, request.listener());
    ChatChunk c;
    try {
      c = ChatChunk.parse(JSON.readTree(text));
    } catch (JsonProcessingException e) {
      throw new GenerationFailedException("the response from " + chatUrl + " is not valid JSON (" + e.getOriginalMessage()
          + "): " + ChatChunk.abbreviate(text), null, e);
    } catch (IllegalArgumentException e) {
      throw new GenerationFailedException("the response from " + chatUrl + " is not a chat completion: " + e.getMessage(), null, e);
    }
    if (c.error() != null) {
      throw new GenerationFailedException("the server answered with an error: " + c.error(), null, null);
    }
    asm.accept(c);
    return asm.build();
  }

  /** Sends the request and waits for the status line and headers. */
  private Exchange open(String body) throws IOException {
    // No HttpRequest.timeout: the JDK may apply it to the whole body; the wait for the headers is polled
    // below, and each streamed line has the idle timeout.
    HttpRequest.Builder rb = HttpRequest.newBuilder(chatUrl)
        .header("Content-Type", "application/json")
        .header("Accept", stream ? "text/event-stream" : "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (apiKey != null) {
      rb.header("Authorization", "Bearer " + apiKey);
    }
    Exchange ex = new Exchange();
    ex.future = http.sendAsync(rb.build(), info -> {
      ex.queue.add(new Head(info.statusCode(), info.headers()));
      return HttpResponse.BodySubscribers.fromLineSubscriber(ex, s -> null, StandardCharsets.UTF_8, null);
    });
    ex.future.whenComplete((r, e) -> {
      if (e != null) {
        ex.queue.add(e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e);
      }
    });
    Object first;
    try {
      first = ex.queue.poll(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ex.cancel();
      throw new IOException("interrupted", e);
    }
    if (first == null) {
      ex.cancel();
      throw new HttpTimeoutException("no response within " + human(requestTimeout));
    }
    if (first instanceof Throwable t) {
      throw t instanceof IOException io ? io : new IOException(t.getMessage(), t);
    }
    Head h = (Head) first;
    ex.status = h.status;
    ex.headers = h.headers;
    return ex;
  }

  private record Head(int status, HttpHeaders headers) {}

  /** One HTTP exchange: headers, then the body's lines through a queue the caller polls with a timeout. */
  private static final class Exchange implements Flow.Subscriber<String> {
    final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    volatile Flow.Subscription subscription;
    CompletableFuture<HttpResponse<Void>> future;
    int status;
    HttpHeaders headers;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
      queue.add(line);
    }

    @Override
    public void onError(Throwable t) {
      queue.add(t);
    }

    @Override
    public void onComplete() {
      queue.add(EOF);
    }

    /** The next line, or null at the end of the body. */
    String nextLine(Duration idle) throws IOException {
      Object o;
      try {
        o = queue.poll(idle.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      if (o == null) {
        throw new HttpTimeoutException("nothing received for " + human(idle) + " (stalled)");
      }
      if (o == EOF) {
        return null;
      }
      if (o instanceof Throwable t) {
        throw t instanceof IOException io ? io : new IOException(t.toString(), t);
      }
      return (String) o;
    }

    String readAll(Duration idle) throws IOException {
      StringBuilder sb = new StringBuilder();
      String line;
      while ((line = nextLine(idle)) != null) {
        sb.append(line).append('\n');
      }
      return sb.toString();
    }

    void cancel() {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
      if (future != null) {
        future.cancel(true);
      }
    }
  }

  /** The server's error message from an OpenAI error object, else the body itself (shortened). */
  static String errorText(String body) {
    try {
      String m = ChatChunk.errorMessage(JSON.readTree(body));
      if (m != null) {
        return m;
      }
    } catch (JsonProcessingException | RuntimeException e) {
      // not JSON: the raw text below
    }
    String s = body == null ? "" : body.strip().replaceAll("\\s+", " ");
    return s.isEmpty() ? "(empty body)" : ChatChunk.abbreviate(s);
  }

  /** {@code Retry-After} as seconds or an HTTP date; null when absent or unreadable. */
  static Duration retryAfter(HttpHeaders headers) {
    if (headers == null) {
      return null;
    }
    String v = headers.firstValue("Retry-After").orElse(null);
    if (v == null || v.isBlank()) {
      return null;
    }
    v = v.strip();
    try {
      return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException e2) {
        LOG.debug("unreadable Retry-After '{}'", v);
        return null;
      }
    }
  }

  /** {@code 300 s} or {@code 250 ms}. */
  static String human(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }

  @Override
  public String toString() {
    return "OpenAiChatGenerator[" + model + " at " + chatUrl + "]";
  }

  /**
   * Builds an {@link OpenAiChatGenerator}. Defaults: no API key, connect timeout 10 s, request timeout
   * (until the response starts) 300 s, idle timeout (between streamed lines, or for a whole
   * non-streamed body) 300 s, {@link RetryPolicy#DEFAULT}, {@value #DEFAULT_TOP_LOGPROBS} top logprobs
   * (0 = ask for no logprobs), streaming on, {@code chat_template_kwargs} sent.
   */
  public static final class Builder {
    private String baseUrl;
    private String model;
    private String apiKey;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(300);
    private Duration idleTimeout = Duration.ofSeconds(300);
    private RetryPolicy retry = RetryPolicy.DEFAULT;
    private int topLogprobs = DEFAULT_TOP_LOGPROBS;
    private boolean stream = true;
    private boolean chatTemplateKwargs = true;
    private Sleeper sleeper = d -> Thread.sleep(d.toMillis());
    private HttpClient http;

    private Builder() {}

    /** The server: {@code http://host:port}, {@code .../v1} or the full chat-completions URL (required). */
    public Builder baseUrl(String baseUrl) {
      this.baseUrl = baseUrl;
      return this;
    }

    /** The served model name sent as {@code model}: the base, or an adapter's name on vLLM (required). */
    public Builder model(String model) {
      this.model = model;
      return this;
    }

    /** Sent as {@code Authorization: Bearer KEY}; null or blank for none. */
    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = d;
      return this;
    }

    /** How long to wait for a response to start (status and headers). */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    /** How long a stream may stay silent before it counts as dropped. */
    public Builder idleTimeout(Duration d) {
      this.idleTimeout = d;
      return this;
    }

    public Builder retry(RetryPolicy retry) {
      this.retry = retry;
      return this;
    }

    /** Alternatives per token for the entropy estimate, 0..20; 0 asks for no logprobs at all. */
    public Builder topLogprobs(int k) {
      this.topLogprobs = k;
      return this;
    }

    /** Stream server-sent events (default) or wait for the whole response. */
    public Builder stream(boolean stream) {
      this.stream = stream;
      return this;
    }

    /** Whether to send {@code chat_template_kwargs.enable_thinking} (off for servers that reject unknown fields). */
    public Builder chatTemplateKwargs(boolean send) {
      this.chatTemplateKwargs = send;
      return this;
    }

    /** How to wait between retries (tests). */
    public Builder sleeper(Sleeper sleeper) {
      this.sleeper = sleeper;
      return this;
    }

    /** A client of your own (proxy, TLS settings); default: a new HTTP/1.1 client with the connect timeout. */
    public Builder httpClient(HttpClient http) {
      this.http = http;
      return this;
    }

    /** @throws IllegalArgumentException naming the setting at fault */
    public OpenAiChatGenerator build() {
      if (baseUrl == null || baseUrl.isBlank()) {
        throw new IllegalArgumentException("the server's URL is required, e.g. http://127.0.0.1:8000/v1");
      }
      URI u;
      try {
        u = URI.create(baseUrl.strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("not a URL: '" + baseUrl + "' (" + e.getMessage() + "); e.g. http://127.0.0.1:8000/v1");
      }
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        throw new IllegalArgumentException("not an http(s) URL: '" + baseUrl + "'; e.g. http://127.0.0.1:8000/v1");
      }
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("the model name is required: a name the server lists at GET /v1/models");
      }
      for (Duration d : new Duration[] {connectTimeout, requestTimeout, idleTimeout}) {
        if (d == null || d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("timeouts must be positive but got " + d);
        }
      }
      Objects.requireNonNull(retry, "retry");
      Objects.requireNonNull(sleeper, "sleeper");
      if (topLogprobs < 0 || topLogprobs > 20) {
        throw new IllegalArgumentException("topLogprobs must be in 0..20 (the OpenAI API's limit) but got " + topLogprobs);
      }
      return new OpenAiChatGenerator(this);
    }
  }
}
