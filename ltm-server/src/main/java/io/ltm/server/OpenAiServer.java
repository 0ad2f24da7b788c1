package io.ltm.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.ltm.core.generate.ChatMessage;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.GenerationConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.rag.loop.VaultContextProvider;
import io.ltm.server.api.ApiException;
import io.ltm.server.api.ChatCompletionRequest;
import io.ltm.server.api.CompletionRequest;
import io.ltm.server.api.OutputText;
import io.ltm.server.api.Sampling;
import io.ltm.server.engine.BatchScheduler;
import io.ltm.server.engine.Job;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ltm serve}: an OpenAI-compatible HTTP server over a {@link LocalModel} and its adapters.
 *
 * <ul>
 *   <li>{@code GET /v1/models}: the base and every adapter by name (and {@code NAME+vault} with an index);</li>
 *   <li>{@code POST /v1/chat/completions}: Qwen3's chat template, reasoning in {@code reasoning_content},
 *       streaming, logprobs, vault retrieval with citations in the extra field {@code ltm.citations};</li>
 *   <li>{@code POST /v1/completions}: raw prompts.</li>
 * </ul>
 * Requests are parsed once into checked records ({@link ChatCompletionRequest}, {@link CompletionRequest});
 * generations run through a {@link BatchScheduler}, so simultaneous requests are decoded together.
 * Errors are OpenAI's error object with a fitting status, never a stack trace. Loopback only unless an
 * API key is set.
 *
 * <p>Start with {@link #start()}; {@link #close()} stops the HTTP server and the scheduler. Does not own
 * the model, the LoRA wrapper or the vault provider: whoever opened them closes them after the server.
 * Thread-safe.
 */
public final class OpenAiServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OpenAiServer.class);
  private static final String ERROR_WRITTEN = "ltm.errorWritten";

  /** Default tokens generated when a request gives no max_tokens (never beyond the context). */
  public static final int DEFAULT_MAX_TOKENS = 512;

  private final LocalModel model;
  private final ServedModels served;
  private final BatchScheduler scheduler;
  private final Grounding grounding;
  private final String host;
  private final int requestedPort;
  private final byte[] apiKey;
  private final int defaultMaxTokens;
  private final double defaultTemperature;
  private final double defaultTopP;
  private final int defaultTopK;
  private final int contextLength;
  private final java.util.Set<String> corsOrigins;
  private final long created = System.currentTimeMillis() / 1000;
  private Javalin app;

  private OpenAiServer(Builder b) {
    this.model = b.model;
    this.host = b.host;
    this.requestedPort = b.port;
    this.apiKey = b.apiKey == null ? null : b.apiKey.getBytes(StandardCharsets.UTF_8);
    this.defaultMaxTokens = b.defaultMaxTokens;
    GenerationConfig g = b.generation;
    this.defaultTemperature = g == null || Double.isNaN(g.temperature()) ? 1.0 : g.temperature();
    this.defaultTopP = g == null || Double.isNaN(g.topP()) ? 1.0 : g.topP();
    this.defaultTopK = g == null ? 0 : Math.max(0, g.topK());
    this.contextLength = model.decoder().config().maxPositionEmbeddings();
    this.corsOrigins = java.util.Set.copyOf(b.corsOrigins);
    List<String> adapters = b.lora == null ? List.of() : new ArrayList<>(b.lora.adapters().keySet());
    this.served = new ServedModels(b.servedName == null ? model.name() : b.servedName, adapters, b.vault != null);
    this.grounding = b.vault == null ? null : new Grounding(b.vault);
    this.scheduler = BatchScheduler.builder().model(model).lora(b.lora).maxBatch(b.maxBatch)
        .queueCapacity(b.queueCapacity).build();
  }

  /** A builder; {@link Builder#model} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Starts listening; returns this. */
  public OpenAiServer start() {
    app = Javalin.create(cfg -> {
      cfg.showJavalinBanner = false;
      cfg.http.disableCompression(); // server-sent events must leave at once, not sit in a gzip buffer
      cfg.http.maxRequestSize = 16L << 20;
      cfg.router.ignoreTrailingSlashes = true;
    });
    app.before("/v1/*", this::cors);
    app.options("/v1/*", ctx -> ctx.status(corsOrigins.contains(ctx.header("Origin")) ? 204 : 403));
    app.before("/v1/*", this::authorize);
    app.get("/v1/models", this::models);
    app.post("/v1/chat/completions", this::chat);
    app.post("/v1/completions", this::completions);
    app.get("/health", ctx -> ctx.result("ok"));
    app.exception(ApiException.class, (e, ctx) -> writeError(ctx, e));
    app.exception(HttpResponseException.class, (e, ctx) -> writeError(ctx, new ApiException(
        e.getStatus() >= 400 ? e.getStatus() : 500, "invalid_request_error", null, null, e.getMessage())));
    app.exception(Exception.class, (e, ctx) -> {
      LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
      writeError(ctx, new ApiException(500, "server_error", null, null,
          "internal error: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse(""))));
    });
    app.error(404, ctx -> {
      if (ctx.attribute(ERROR_WRITTEN) == null) {
        writeError(ctx, new ApiException(404, "invalid_request_error", null, "not_found",
            "no endpoint " + ctx.method() + " " + ctx.path() + "; ltm serve has GET /v1/models, POST /v1/chat/completions and POST /v1/completions"));
      }
    });
    app.error(405, ctx -> {
      if (ctx.attribute(ERROR_WRITTEN) == null) {
        writeError(ctx, new ApiException(405, "invalid_request_error", null, "method_not_allowed",
            ctx.method() + " is not allowed on " + ctx.path()));
      }
    });
    app.start(host, requestedPort);
    LOG.info("ltm serve listening on {}", url());
    return this;
  }

  /** The port listened on (the real one when 0 was asked). */
  public int port() {
    return app.port();
  }

  /** The API base URL, e.g. {@code http://127.0.0.1:8000/v1}. */
  public String url() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return "http://" + h + ":" + port() + "/v1";
  }

  /** The names clients may request, the base first. */
  public List<String> modelNames() {
    return served.names();
  }

  /** The scheduler (for monitoring: queue length, last batch size). */
  public BatchScheduler scheduler() {
    return scheduler;
  }

  /** Lets the browser pages of the allowed origins (e.g. Obsidian's {@code app://obsidian.md}) call the API. */
  private void cors(Context ctx) {
    String origin = ctx.header("Origin");
    if (origin != null && corsOrigins.contains(origin)) {
      ctx.header("Access-Control-Allow-Origin", origin);
      ctx.header("Vary", "Origin");
      ctx.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type, OpenAI-Organization, OpenAI-Project, "
          + "X-Stainless-Arch, X-Stainless-Lang, X-Stainless-OS, X-Stainless-Package-Version, X-Stainless-Runtime, "
          + "X-Stainless-Runtime-Version, X-Stainless-Retry-Count, X-Stainless-Timeout");
      ctx.header("Access-Control-Max-Age", "600");
    }
  }

  private void authorize(Context ctx) {
    if (ctx.method() == io.javalin.http.HandlerType.OPTIONS) {
      return; // a CORS preflight carries no credentials
    }
    if (apiKey == null) {
      return;
    }
    String h = ctx.header("Authorization");
    byte[] given = h != null && h.startsWith("Bearer ") ? h.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
    if (!MessageDigest.isEqual(given, apiKey)) {
      throw ApiException.unauthorized("missing or wrong API key: send the server's --api-key as \"Authorization: Bearer KEY\"");
    }
  }

  private void models(Context ctx) {
    ObjectNode o = Json.object();
    o.put("object", "list");
    ArrayNode data = o.putArray("data");
    for (String name : served.names()) {
      ObjectNode m = data.addObject();
      m.put("id", name);
      m.put("object", "model");
      m.put("created", created);
      m.put("owned_by", "ltm");
      m.put("root", name);
      m.put("parent", served.parentOf(name));
      m.put("max_model_len", contextLength);
    }
    ctx.contentType("application/json").result(Json.write(o));
  }

  private void chat(Context ctx) throws InterruptedException {
    ChatCompletionRequest req = ChatCompletionRequest.parse(body(ctx));
    ServedModels.Route route = served.resolve(req.model());
    List<ChatMessage> messages = req.messages();
    JsonNode citations = null;
    ChatCompletionRequest.Retrieval retrieval = req.retrieval();
    if (retrieval == null && route.retrieve()) {
      retrieval = new ChatCompletionRequest.Retrieval(ChatCompletionRequest.Retrieval.DEFAULT_K);
    }
    if (retrieval != null) {
      if (grounding == null) {
        throw ApiException.badRequest("ltm.retrieve", "this server has no vault index: start ltm serve with --index DIR to ground answers in the vault");
      }
      Grounding.Grounded g = grounding.ground(messages, retrieval.k());
      messages = g.messages();
      citations = Grounding.citations(g.cited());
    }
    GenerationRequest.Builder b = settings(req.sampling()).messages(messages).enableThinking(req.enableThinking());
    int[] prompt = model.generator().promptIds(b.build());
    run(ctx, true, route, prompt, req.sampling(), b, citations);
  }

  private void completions(Context ctx) throws InterruptedException {
    CompletionRequest req = CompletionRequest.parse(body(ctx));
    ServedModels.Route route = served.resolve(req.model());
    if (route.retrieve()) {
      throw ApiException.badRequest("model", "vault retrieval (NAME" + ServedModels.VAULT_SUFFIX
          + ") works with /v1/chat/completions only; /v1/completions continues raw text");
    }
    int[] prompt = model.tokenizer().encode(req.prompt());
    if (prompt.length == 0) {
      throw ApiException.badRequest("prompt", "prompt encodes to no tokens");
    }
    GenerationRequest.Builder b = settings(req.sampling()).prompt(req.prompt());
    run(ctx, false, route, prompt, req.sampling(), b, null);
  }

  private void run(Context ctx, boolean chat, ServedModels.Route route, int[] prompt, Sampling s,
      GenerationRequest.Builder b, JsonNode citations) throws InterruptedException {
    int room = contextLength - prompt.length;
    if (room < 1 || (s.maxTokens() != null && s.maxTokens() > room)) {
      throw ApiException.badRequest(chat ? "messages" : "prompt", "This model's maximum context length is " + contextLength
          + " tokens. However, you requested " + (prompt.length + (s.maxTokens() == null ? 1 : s.maxTokens()))
          + " tokens (" + prompt.length + " in the " + (chat ? "messages" : "prompt") + ", "
          + (s.maxTokens() == null ? 1 : s.maxTokens()) + " in the completion). Please reduce the length of the "
          + (chat ? "messages" : "prompt") + " or completion.");
    }
    b.maxNewTokens(s.maxTokens() != null ? s.maxTokens() : Math.min(defaultMaxTokens, room));
    b.stopStrings(s.stop());
    Job job;
    try {
      job = scheduler.submit(route.adapter(), prompt, b.build(), s.topLogprobs() == null ? 0 : s.topLogprobs());
    } catch (BatchScheduler.QueueFullException e) {
      throw ApiException.overloaded("ltm serve is busy: " + e.getMessage());
    } catch (IllegalStateException e) {
      throw new ApiException(503, "server_error", null, "server_closing", "ltm serve is shutting down");
    }
    OutputText text = new OutputText(s.stop(), chat, model.thinkStartId(), model.thinkEndId());
    try {
      new GenerationCall(chat, route.name(), model.tokenizer(), job, text, s.stream(), s.includeUsage(), s.topLogprobs(),
          citations).run(ctx);
    } finally {
      job.cancel(); // no-op when it ended; stops it when this thread was interrupted or failed
    }
  }

  /** The request's sampling fields over the server's defaults (the model's generation_config.json). */
  private GenerationRequest.Builder settings(Sampling s) {
    GenerationRequest.Builder b = GenerationRequest.builder()
        .temperature(s.temperature() != null ? s.temperature() : defaultTemperature)
        .topP(s.topP() != null ? s.topP() : defaultTopP)
        .topK(s.topK() != null ? s.topK() : defaultTopK);
    if (s.repetitionPenalty() != null) {
      b.repetitionPenalty(s.repetitionPenalty());
    }
    if (s.seed() != null) {
      b.seed(s.seed());
    }
    return b;
  }

  private static JsonNode body(Context ctx) {
    String text = ctx.body();
    if (text.isBlank()) {
      throw ApiException.badRequest(null, "the request body is empty; send a JSON object");
    }
    try {
      return Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw ApiException.badRequest(null, "the request body is not valid JSON: " + e.getOriginalMessage()
          + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
    }
  }

  private static void writeError(Context ctx, ApiException e) {
    ctx.attribute(ERROR_WRITTEN, Boolean.TRUE);
    if (ctx.res().isCommitted()) {
      return; // a stream already started: GenerationCall reports its errors in the stream
    }
    ctx.status(e.status()).contentType("application/json").result(Json.write(Json.error(e)));
  }

  @Override
  public void close() {
    try {
      scheduler.close(); // first: requests in flight end at once (503) instead of holding the HTTP server open
    } finally {
      if (app != null) {
        app.stop();
      }
    }
  }

  /** Builds an {@link OpenAiServer}; {@link #build()} checks the values. */
  public static final class Builder {
    private LocalModel model;
    private LoraModel lora;
    private String servedName;
    private VaultContextProvider vault;
    private GenerationConfig generation;
    private String host = "127.0.0.1";
    private int port = 8000;
    private String apiKey;
    private int defaultMaxTokens = DEFAULT_MAX_TOKENS;
    private int maxBatch = BatchScheduler.DEFAULT_MAX_BATCH;
    private int queueCapacity = BatchScheduler.DEFAULT_QUEUE_CAPACITY;
    private final List<String> corsOrigins = new ArrayList<>();

    private Builder() {}

    /**
     * Lets web pages of {@code origin} (scheme://host[:port], e.g. {@code app://obsidian.md}) call the
     * API from a browser (CORS); repeatable; default none, so no web page the user visits can reach the
     * model or the vault.
     */
    public Builder corsOrigin(String origin) {
      Objects.requireNonNull(origin, "origin");
      if (!origin.matches("[a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s]+")) {
        throw new IllegalArgumentException("a CORS origin is scheme://host[:port] such as app://obsidian.md, but got \"" + origin + "\"");
      }
      corsOrigins.add(origin);
      return this;
    }

    /** The model to serve (required; not closed by the server). */
    public Builder model(LocalModel model) {
      this.model = model;
      return this;
    }

    /** The LoRA wrapper of the model's decoder: each attached adapter is served under its name. */
    public Builder lora(LoraModel lora) {
      this.lora = lora;
      return this;
    }

    /** The base model's name in the API; default: the model's folder name. */
    public Builder servedModelName(String name) {
      this.servedName = name;
      return this;
    }

    /** The vault to ground requests in (retrieval on request); default none. */
    public Builder vault(VaultContextProvider vault) {
      this.vault = vault;
      return this;
    }

    /** Sampling defaults for fields a request leaves out (temperature, top_p, top_k); default OpenAI's (1, 1, off). */
    public Builder generationDefaults(GenerationConfig generation) {
      this.generation = generation;
      return this;
    }

    /** Address to listen on; default 127.0.0.1. Any non-loopback address needs {@link #apiKey}. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Port; 0 picks a free one; default 8000. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The key clients must send as {@code Authorization: Bearer KEY}; default none (loopback only). */
    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    /** Tokens generated when a request gives no max_tokens; default {@value OpenAiServer#DEFAULT_MAX_TOKENS}. */
    public Builder defaultMaxTokens(int n) {
      this.defaultMaxTokens = n;
      return this;
    }

    /** Most requests decoded together; default {@value BatchScheduler#DEFAULT_MAX_BATCH}. */
    public Builder maxBatch(int n) {
      this.maxBatch = n;
      return this;
    }

    /** Most requests waiting before the server answers 429; default {@value BatchScheduler#DEFAULT_QUEUE_CAPACITY}. */
    public Builder queueCapacity(int n) {
      this.queueCapacity = n;
      return this;
    }

    /**
     * @throws IllegalArgumentException for a bad value, or a non-loopback host without an API key
     */
    public OpenAiServer build() {
      Objects.requireNonNull(model, "model must be set");
      Objects.requireNonNull(host, "host");
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in [0, 65535] but got " + port);
      }
      if (defaultMaxTokens < 1) {
        throw new IllegalArgumentException("defaultMaxTokens must be >= 1 but got " + defaultMaxTokens);
      }
      if (apiKey != null && apiKey.isBlank()) {
        throw new IllegalArgumentException("the API key must not be blank");
      }
      if (apiKey == null && !isLoopback(host)) {
        throw new IllegalArgumentException("--host " + host + " serves beyond this machine: give --api-key KEY too "
            + "(clients then send \"Authorization: Bearer KEY\"), or keep the default --host 127.0.0.1");
      }
      return new OpenAiServer(this);
    }
  }

  /** Whether {@code host} names only this machine. */
  public static boolean isLoopback(String host) {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown host \"" + host + "\": give an address of this machine such as 127.0.0.1");
    }
  }
}
