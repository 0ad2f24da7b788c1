package io.ltm.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.ltm.core.problem.Problem;
import io.ltm.dataset.token.HfTokenizer;
import io.ltm.lora.io.LoadOptions;
import io.ltm.metrics.detect.Behaviour;
import io.ltm.rag.search.RetrievalRequest;
import io.ltm.rag.search.SearchMode;
import io.ltm.rag.search.SearchResult;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ltm studio}: a local web studio where the model reasons aloud. Pages: Ask (reasoning and
 * answer streaming into their panes, detected behaviours highlighted, entropy heat map, retrieved
 * notes), Compare (base and each adapter side by side), Loop (the thinking loop live, rewrites as
 * diffs, trace in the run folder), Runs (the report's charts and metrics), Scenes (edit with live
 * validation, ChatML preview, conflict-safe saving) and Notes (vault search with citations).
 *
 * <p>The server (Javalin) sends JSON, server-sent events and its own static assets only; the front end
 * is plain ES modules from the class path, one per page, with no build step and no network fetch.
 * The security rules are in {@link RequestGuard} and {@link RootedPath}. Build with {@link
 * #builder()}, {@link #start()} it, {@link #close()} it to stop generations, the server and free the
 * model. Thread-safe.
 */
public final class Studio implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Studio.class);
  /** Default largest request body, in bytes. */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 1 << 20;
  /** Thinking budget used with the built-in random model (it never closes its think block itself). */
  public static final int RANDOM_MODEL_THINK_BUDGET = 48;
  private static final String WEB = "/io/ltm/studio/web/";
  private static final List<String> ASSETS = List.of("index.html", "studio.css", "app.js", "common.js", "ask.js",
      "compare.js", "loop.js", "runs.js", "scenes.js", "notes.js");

  private final Builder cfg;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, byte[]> assets = new TreeMap<>();
  private StudioModels models;
  private HfTokenizer tokenizer;
  private NotesIndex notes;
  private Jobs jobs;
  private GenerationJobs generation;
  private SceneFiles scenes;
  private RunsView runs;
  private Javalin app;
  private int port;

  private Studio(Builder b) {
    this.cfg = b;
  }

  /** A builder; defaults: loopback 127.0.0.1, port 8080, the built-in random model, no folders. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads the model (and index), starts the server and returns this studio.
   *
   * @throws IOException when a folder cannot be read or the port is taken
   * @throws IllegalArgumentException when the model, an adapter or the index does not load
   */
  public Studio start() throws IOException {
    for (String a : ASSETS) {
      try (InputStream in = Studio.class.getResourceAsStream(WEB + a)) {
        if (in == null) {
          throw new IllegalStateException("asset " + a + " is missing from the ltm-studio jar");
        }
        assets.put(a, in.readAllBytes());
      }
    }
    boolean ok = false;
    try {
      models = StudioModels.open(cfg.base, cfg.adapters, cfg.load);
      Path modelDir = cfg.base;
      tokenizer = HfTokenizer.load(modelDir != null ? modelDir : io.ltm.lora.io.RandomCheckpointWriter.findDefaultTokenizerDir());
      notes = cfg.index == null ? null : NotesIndex.open(cfg.index);
      jobs = new Jobs(json);
      RootedPath runsRoot = cfg.runs == null ? null : new RootedPath(cfg.runs);
      io.ltm.metrics.trace.ThoughtMetrics metrics = cfg.detectors == null
          ? io.ltm.metrics.trace.ThoughtMetrics.builder().build()
          : io.ltm.metrics.trace.ThoughtMetrics.builder().detectors(cfg.detectors).build();
      runs = runsRoot == null ? null : new RunsView(runsRoot, json, metrics);
      scenes = cfg.scenes == null ? null : new SceneFiles(new RootedPath(cfg.scenes), tokenizer);
      int budget = cfg.thinkBudget != null ? cfg.thinkBudget : models.random() ? RANDOM_MODEL_THINK_BUDGET : 0;
      generation = new GenerationJobs(models, jobs, json, notes, runsRoot, cfg.scenes, budget, metrics);
      app = Javalin.create(c -> {
        c.showJavalinBanner = false;
        c.http.maxRequestSize = cfg.maxRequestBytes;
        c.http.disableCompression();
        c.http.prefer405over404 = true;
        c.startupWatcherEnabled = false;
      });
      routes(app);
      app.start(cfg.host, cfg.port);
      port = app.port();
      guard = new RequestGuard(cfg.host, port, cfg.token);
      ok = true;
      LOG.info("ltm studio on {}", url());
      return this;
    } finally {
      if (!ok) {
        close();
      }
    }
  }

  /** The URL to open ({@code http://host:port/}); with a token, {@code ?token=} is added. */
  public String url() {
    String h = cfg.host.contains(":") ? "[" + cfg.host + "]" : cfg.host;
    return "http://" + h + ":" + port + "/" + (cfg.token == null ? "" : "?token=" + cfg.token);
  }

  /** The port listened on (the one asked for, or the one chosen for port 0). */
  public int port() {
    return port;
  }

  /** True when running the built-in random model (no base given). */
  public boolean randomModel() {
    return models != null && models.random();
  }

  /** True when the address listened on is a loopback address. */
  public boolean loopback() {
    return RequestGuard.isLoopback(cfg.host);
  }

  /** Generations running now (for tests and monitoring). */
  int runningJobs() {
    return jobs == null ? 0 : jobs.running();
  }

  /** The socket address the server is bound to. */
  public InetSocketAddress boundAddress() {
    return new InetSocketAddress(cfg.host, port);
  }

  private void routes(Javalin a) {
    a.before(ctx -> guard().check(ctx));
    a.exception(HttpError.class, (e, ctx) -> error(ctx, e.status(), e.field(), e.getMessage()));
    a.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e.getStatus(), "", e.getMessage()));
    a.exception(Exception.class, (e, ctx) -> {
      LOG.warn("{} {} failed", ctx.method(), ctx.path(), e);
      error(ctx, 500, "", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    });
    a.error(404, ctx -> {
      if (ctx.result() == null || ctx.result().isEmpty()) {
        error(ctx, 404, "", ctx.path() + " not found");
      }
    });

    a.get("/", ctx -> asset(ctx, "index.html"));
    a.get("/assets/{file}", ctx -> asset(ctx, ctx.pathParam("file")));
    a.get("/api/info", ctx -> json(ctx, info()));

    a.post("/api/ask", ctx -> json(ctx, jobAnswer(generation.ask(Requests.Ask.parse(body(ctx), generation.defaultBudget())))));
    a.post("/api/compare", ctx -> json(ctx, jobAnswer(generation.compare(Requests.Compare.parse(body(ctx), generation.defaultBudget())))));
    a.post("/api/loop", ctx -> json(ctx, jobAnswer(generation.loop(Requests.Loop.parse(body(ctx), generation.defaultBudget())))));
    a.get("/api/jobs/{id}", ctx -> {
      Job j = job(ctx.pathParam("id"));
      ObjectNode o = json.createObjectNode();
      o.put("id", j.id());
      o.put("kind", j.kind());
      o.put("state", j.state().name().toLowerCase(Locale.ROOT));
      o.put("message", j.message());
      o.put("tokens", j.tokens());
      json(ctx, o);
    });
    a.post("/api/jobs/{id}/stop", ctx -> {
      Job j = job(ctx.pathParam("id"));
      j.cancel("stopped by the user");
      json(ctx, json.createObjectNode().put("stopping", true));
    });
    a.sse("/api/jobs/{id}/events", client -> {
      Job j = jobs.get(client.ctx().pathParam("id"));
      if (j == null) {
        client.sendEvent("end", "{\"state\":\"failed\",\"message\":\"no such job (it finished long ago, or the studio restarted)\"}");
        client.close();
        return;
      }
      client.keepAlive();
      client.onClose(j::disconnected);
      if (!j.attach(client)) {
        client.sendEvent("end", "{\"state\":\"failed\",\"message\":\"another page is watching this job\"}");
        client.close();
      }
    });

    a.get("/api/runs", ctx -> json(ctx, requireRuns().list()));
    a.get("/api/runs/{name}", ctx -> json(ctx, requireRuns().run(ctx.pathParam("name"))));

    a.get("/api/scenes", ctx -> {
      ArrayNode arr = json.createArrayNode();
      for (SceneFiles.FileInfo f : requireScenes().list()) {
        arr.addObject().put("name", f.name()).put("version", f.version()).put("size", f.size());
      }
      json(ctx, arr);
    });
    a.get("/api/scenes/ids", ctx -> {
      ArrayNode arr = json.createArrayNode();
      for (io.ltm.core.scene.SourcedScene s : requireScenes().scenes()) {
        arr.addObject().put("id", s.scene().id()).put("title", s.scene().title()).put("lang", s.scene().lang());
      }
      json(ctx, arr);
    });
    a.get("/api/scenes/file", ctx -> {
      SceneFiles.FileText t = requireScenes().read(ctx.queryParam("name"));
      json(ctx, json.createObjectNode().put("name", t.name()).put("text", t.text()).put("version", t.version()));
    });
    a.post("/api/scenes/validate", ctx -> {
      JsonNode b = body(ctx);
      Requests.known(b, "name", "text");
      json(ctx, validation(requireScenes().validate(Requests.textField(b, "name", "scene.yaml"), Requests.textField(b, "text", ""))));
    });
    a.put("/api/scenes/file", ctx -> {
      JsonNode b = body(ctx);
      Requests.known(b, "name", "text", "version");
      String version = requireScenes().save(Requests.textField(b, "name", ""), Requests.textField(b, "text", ""),
          Requests.textField(b, "version", SceneFiles.ABSENT));
      json(ctx, json.createObjectNode().put("saved", true).put("version", version));
    });
    a.post("/api/scenes/new", ctx -> {
      JsonNode b = body(ctx);
      Requests.known(b, "id");
      SceneFiles.FileText t = requireScenes().create(Requests.textField(b, "id", ""));
      json(ctx, json.createObjectNode().put("name", t.name()).put("text", t.text()).put("version", t.version()));
    });

    a.get("/api/notes/search", ctx -> json(ctx, search(ctx)));
  }

  private volatile RequestGuard guard;

  /** The guard, made once the port is known (port 0 picks one at start); until then every request is refused. */
  private RequestGuard guard() {
    RequestGuard g = guard;
    if (g == null) {
      throw new HttpError(503, "", "the studio is starting");
    }
    return g;
  }

  private ObjectNode info() {
    ObjectNode o = json.createObjectNode();
    o.put("model", models.baseName());
    o.put("randomModel", models.random());
    o.put("thinkBudget", generation.defaultBudget());
    ArrayNode vs = o.putArray("variants");
    for (StudioModels.Variant v : models.variants()) {
      vs.addObject().put("index", v.index()).put("label", v.label()).put("base", v.isBase());
    }
    o.put("runs", runs != null);
    o.put("scenes", scenes != null);
    o.put("notes", notes != null);
    if (notes != null) {
      o.put("vault", notes.vaultName());
      o.put("noteCount", notes.noteCount());
    }
    ArrayNode bs = o.putArray("behaviours");
    for (Behaviour b : Behaviour.values()) {
      bs.addObject().put("key", b.key()).put("label", b.label());
    }
    return o;
  }

  private ObjectNode validation(SceneFiles.Validation v) {
    ObjectNode o = json.createObjectNode();
    ArrayNode ps = o.putArray("problems");
    for (Problem p : v.problems()) {
      ps.addObject().put("line", p.line()).put("column", p.column()).put("severity", p.severity().label())
          .put("field", p.field()).put("message", p.message());
    }
    ArrayNode pv = o.putArray("previews");
    for (SceneFiles.Preview p : v.previews()) {
      pv.addObject().put("id", p.id()).put("chatml", p.chatml()).put("tokens", p.tokens());
    }
    return o;
  }

  private ObjectNode search(Context ctx) {
    if (notes == null) {
      throw new HttpError(400, "", "the studio was started without --index (and --vault); build one with `ltm index` and "
          + "restart with --vault DIR --index DIR");
    }
    String q = ctx.queryParam("q");
    if (q == null || q.isBlank()) {
      throw HttpError.badRequest("q", "must not be empty");
    }
    if (q.length() > 2000) {
      throw HttpError.badRequest("q", "is longer than 2000 characters");
    }
    SearchMode mode;
    try {
      mode = SearchMode.valueOf(Objects.requireNonNullElse(ctx.queryParam("mode"), "hybrid").toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw HttpError.badRequest("mode", "must be bm25, vector or hybrid");
    }
    RetrievalRequest.Builder r = RetrievalRequest.builder(q).mode(mode).k(10).expandLinks(true);
    String tag = ctx.queryParam("tag");
    if (tag != null && !tag.isBlank()) {
      r.tags(List.of(tag.strip()));
    }
    String folder = ctx.queryParam("folder");
    if (folder != null && !folder.isBlank()) {
      r.folder(folder.strip());
    }
    RetrievalRequest req;
    try {
      req = r.build();
    } catch (IllegalArgumentException e) {
      throw new HttpError(400, "", e.getMessage());
    }
    ObjectNode o = json.createObjectNode();
    ArrayNode rs = o.putArray("results");
    for (SearchResult s : notes.search(req)) {
      ObjectNode x = rs.addObject();
      x.put("title", s.title());
      x.put("citation", s.citation().label());
      x.put("path", s.path());
      x.put("uri", s.citation().uri().startsWith("obsidian://") ? s.citation().uri() : "");
      x.put("heading", String.join(" › ", s.headingPath()));
      x.put("text", s.text());
      x.put("score", Math.round(s.score() * 1000) / 1000.0);
      x.put("source", s.source().name().toLowerCase(Locale.ROOT));
      x.put("linkedFrom", s.linkedFrom());
      ArrayNode tags = x.putArray("tags");
      s.tags().forEach(tags::add);
    }
    return o;
  }

  private ObjectNode jobAnswer(Job j) {
    return json.createObjectNode().put("job", j.id());
  }

  private Job job(String id) {
    Job j = jobs.get(id);
    if (j == null) {
      throw HttpError.notFound("job " + id);
    }
    return j;
  }

  private RunsView requireRuns() {
    if (runs == null) {
      throw new HttpError(400, "", "the studio was started without --runs DIR");
    }
    return runs;
  }

  private SceneFiles requireScenes() {
    if (scenes == null) {
      throw new HttpError(400, "", "the studio was started without --scenes DIR");
    }
    return scenes;
  }

  private JsonNode body(Context ctx) {
    String text = ctx.body();
    try {
      return json.readTree(text);
    } catch (IOException e) {
      throw HttpError.badRequest("body", "is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
  }

  private void json(Context ctx, JsonNode node) {
    ctx.contentType("application/json; charset=utf-8");
    ctx.result(node.toString());
  }

  private void error(Context ctx, int status, String field, String message) {
    ctx.status(status);
    ObjectNode o = json.createObjectNode();
    o.put("error", message == null ? "" : message);
    o.put("field", field == null ? "" : field);
    json(ctx, o);
  }

  private void asset(Context ctx, String name) {
    byte[] b = name == null ? null : assets.get(name);
    if (b == null) {
      throw HttpError.notFound("asset " + name);
    }
    String type = name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css" : "text/html";
    ctx.contentType(type + "; charset=utf-8");
    ctx.result(b);
  }

  @Override
  public void close() {
    List<RuntimeException> errors = new ArrayList<>();
    Runnable[] steps = {
      () -> {
        if (jobs != null) {
          jobs.close();
        }
      },
      () -> {
        if (app != null) {
          app.stop();
        }
      },
      () -> {
        if (notes != null) {
          notes.close();
        }
      },
      () -> {
        if (tokenizer != null) {
          tokenizer.close();
        }
      },
      () -> {
        if (models != null) {
          models.close();
        }
      }
    };
    for (Runnable r : steps) {
      try {
        r.run();
      } catch (RuntimeException e) {
        errors.add(e);
      }
    }
    jobs = null;
    app = null;
    notes = null;
    tokenizer = null;
    models = null;
    if (!errors.isEmpty()) {
      RuntimeException first = errors.get(0);
      errors.subList(1, errors.size()).forEach(first::addSuppressed);
      throw first;
    }
  }

  /**
   * Settings of a {@link Studio}; {@link #build()} checks them. Defaults: host {@code 127.0.0.1}, port
   * 8080, no token, the built-in random model, no adapters, no folders, f32 on the CPU, request bodies
   * up to {@link #DEFAULT_MAX_REQUEST_BYTES}, thinking budget {@value #RANDOM_MODEL_THINK_BUDGET} with
   * the random model and none with a real one.
   */
  public static final class Builder {
    private Path runs;
    private Path base;
    private final List<StudioAdapter> adapters = new ArrayList<>();
    private Path scenes;
    private Path index;
    private String host = "127.0.0.1";
    private int port = 8080;
    private String token;
    private LoadOptions load = LoadOptions.cpu();
    private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private Integer thinkBudget;
    private io.ltm.metrics.detect.BehaviourClassifier detectors;

    private Builder() {}

    /**
     * The behaviour detector behind the highlights and the thought metrics on every page (default: the
     * metrics library's default, {@code ThoughtMetrics.builder()}'s).
     */
    public Builder detectors(io.ltm.metrics.detect.BehaviourClassifier detectors) {
      this.detectors = java.util.Objects.requireNonNull(detectors, "detectors");
      return this;
    }

    /** Folder whose subfolders are run directories; loops write there. */
    public Builder runs(Path runs) {
      this.runs = runs;
      return this;
    }

    /** Base model folder (Hugging Face layout); null for the built-in random model. */
    public Builder base(Path base) {
      this.base = base;
      return this;
    }

    /** Adds an adapter to run over the base. */
    public Builder adapter(StudioAdapter adapter) {
      adapters.add(Objects.requireNonNull(adapter, "adapter"));
      return this;
    }

    /** Scene folder to list and edit. */
    public Builder scenes(Path scenes) {
      this.scenes = scenes;
      return this;
    }

    /** Vault index folder (built by {@code ltm index}). */
    public Builder index(Path index) {
      this.index = index;
      return this;
    }

    /** Address to listen on; anything but a loopback address needs {@link #token}. */
    public Builder host(String host) {
      this.host = host;
      return this;
    }

    /** Port, 0 for any free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** Access token (at least 16 characters); required beyond the loopback. */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** Device and dtype of the model. */
    public Builder load(LoadOptions load) {
      this.load = Objects.requireNonNull(load, "load");
      return this;
    }

    /** Largest request body in bytes (larger ones get 413). */
    public Builder maxRequestBytes(long maxRequestBytes) {
      this.maxRequestBytes = maxRequestBytes;
      return this;
    }

    /** Default thinking budget in tokens (0 = none); see {@link ThinkingGenerator}. */
    public Builder thinkBudget(int thinkBudget) {
      this.thinkBudget = thinkBudget;
      return this;
    }

    /** @throws IllegalArgumentException naming the setting at fault */
    public Studio build() {
      Objects.requireNonNull(host, "host");
      if (host.isBlank()) {
        throw new IllegalArgumentException("--host must not be blank");
      }
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("--port must be in [0, 65535] but got " + port);
      }
      if (token != null && (token.length() < 16 || !token.matches("[A-Za-z0-9._~-]+"))) {
        throw new IllegalArgumentException("--token must be at least 16 characters of letters, digits, . _ ~ -");
      }
      if (!RequestGuard.isLoopback(host) && token == null) {
        throw new IllegalArgumentException("--host " + host + " is not a loopback address: anyone who reaches it could run "
            + "your model and edit your scenes; add --token with a secret of at least 16 characters");
      }
      if (maxRequestBytes < 1024) {
        throw new IllegalArgumentException("maxRequestBytes must be >= 1024 but got " + maxRequestBytes);
      }
      if (thinkBudget != null && thinkBudget < 0) {
        throw new IllegalArgumentException("thinkBudget must be >= 0 but got " + thinkBudget);
      }
      requireDir(runs, "--runs");
      requireDir(scenes, "--scenes");
      requireDir(index, "--index");
      if (base != null) {
        requireDir(base, "--base");
      }
      for (StudioAdapter a : adapters) {
        requireDir(a.dir(), "--adapter");
      }
      return new Studio(this);
    }

    private static void requireDir(Path p, String option) {
      if (p != null && !Files.isDirectory(p)) {
        throw new IllegalArgumentException(option + " " + p + " is not a folder");
      }
    }
  }

}
