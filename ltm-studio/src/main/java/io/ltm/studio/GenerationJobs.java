package io.ltm.studio;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.core.generate.ChatMessage;
import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.core.loop.ContextSnippet;
import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.LoopListener;
import io.ltm.core.loop.Probe;
import io.ltm.core.loop.ProbeResult;
import io.ltm.core.loop.ThinkingLoop;
import io.ltm.core.loop.TraceRecord;
import io.ltm.core.scene.Scene;
import io.ltm.core.scene.SceneReader;
import io.ltm.metrics.trace.Metric;
import io.ltm.metrics.trace.ThoughtMetrics;
import io.ltm.metrics.trace.TraceMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The three streaming tasks: Ask (one variant, optionally grounded in the vault), Compare (every
 * variant at once, each on its own thread) and Loop (the {@link ThinkingLoop} appending to {@code
 * RUN/traces/loop.jsonl} as {@code ltm loop} and {@code ltm seed} do). Each ends with the thought
 * metrics of what it generated, measured by {@link ThoughtMetrics} as the report measures them.
 * Only one loop writes to a run folder at a time (a second is refused with 409), so two tabs never
 * interleave in one trace file. Thread-safe.
 */
final class GenerationJobs {
  /** The trace file of the studio's loops inside a run folder (the seed experiment's too). */
  static final String TRACES = "traces/loop.jsonl";

  private final StudioModels models;
  private final Jobs jobs;
  private final ObjectMapper json;
  private final ThoughtMetrics metrics;
  private final NotesIndex notes;
  private final RootedPath runs;
  private final Path scenes;
  private final int defaultBudget;
  private final Map<Path, Object> activeLoops = new ConcurrentHashMap<>();

  GenerationJobs(StudioModels models, Jobs jobs, ObjectMapper json, NotesIndex notes, RootedPath runs, Path scenes,
      int defaultBudget, ThoughtMetrics metrics) {
    this.metrics = metrics;
    this.models = models;
    this.jobs = jobs;
    this.json = json;
    this.notes = notes;
    this.runs = runs;
    this.scenes = scenes;
    this.defaultBudget = defaultBudget;
  }

  int defaultBudget() {
    return defaultBudget;
  }

  /** Starts an Ask. */
  Job ask(Requests.Ask req) {
    StudioModels.Variant v = variant(req.variant());
    return jobs.start("ask", job -> {
      String user = req.prompt();
      if (req.notes() && notes != null) {
        String lang = lang(user);
        List<ContextSnippet> snippets = notes.provider().retrieve(user, lang);
        emitNotes(job, snippets);
        if (!snippets.isEmpty()) {
          String header = lang.equals("ru") ? ThinkingLoop.CONTEXT_HEADER_RU : ThinkingLoop.CONTEXT_HEADER_EN;
          user = ThinkingLoop.renderContext(header, snippets) + "\n\n" + user;
        }
      }
      TokenStream stream = new TokenStream(job, json, metrics.detectors(), v.index(), 0);
      Generation g = models.generator(v, req.sampling().thinkBudget())
          .generate(request(List.of(ChatMessage.user(user)), req.sampling(), stream));
      stream.finish();
      emitResult(job, v, 0, g, req.prompt(), req.sampling());
    });
  }

  /** Starts a Compare: every variant streams at once. */
  Job compare(Requests.Compare req) {
    return jobs.start("compare", job -> {
      List<StudioModels.Variant> vs = models.variants();
      ExecutorService pool = Executors.newFixedThreadPool(vs.size(), r -> {
        Thread t = new Thread(r, "ltm-studio-compare");
        t.setDaemon(true);
        return t;
      });
      try {
        List<Future<?>> futures = new ArrayList<>();
        for (StudioModels.Variant v : vs) {
          futures.add(pool.submit(() -> {
            TokenStream stream = new TokenStream(job, json, metrics.detectors(), v.index(), 0);
            Generation g = models.generator(v, req.sampling().thinkBudget())
                .generate(request(List.of(ChatMessage.user(req.prompt())), req.sampling(), stream));
            stream.finish();
            emitResult(job, v, 0, g, req.prompt(), req.sampling());
            return null;
          }));
        }
        for (Future<?> f : futures) {
          try {
            f.get();
          } catch (ExecutionException e) {
            job.cancel("another variant failed");
            if (e.getCause() instanceof RuntimeException re) {
              throw re;
            }
            throw e;
          }
        }
      } finally {
        pool.shutdown();
      }
    });
  }

  /**
   * Starts a Loop writing to {@code runs/RUN/traces/loop.jsonl}.
   *
   * @throws HttpError 409 when a loop is writing to that run already; 400 without {@code --runs}
   */
  Job loop(Requests.Loop req) {
    if (runs == null) {
      throw new HttpError(400, "run", "the studio was started without --runs, so a loop has no run folder to write its "
          + "trace to; restart it with --runs DIR");
    }
    StudioModels.Variant v = variant(req.variant());
    Probe probe = probe(req);
    Path runDir = runs.resolve(req.run());
    Path traces = runDir.resolve(TRACES);
    Object mine = new Object();
    if (activeLoops.putIfAbsent(traces, mine) != null) {
      throw HttpError.conflict("a loop is writing to run '" + req.run() + "' already (another tab?); wait for it or pick "
          + "another run name");
    }
    Job started;
    try {
      started = jobs.start("loop", job -> {
        try {
          runLoop(job, req, v, probe, traces);
        } finally {
          activeLoops.remove(traces, mine);
        }
      });
    } catch (RuntimeException e) {
      activeLoops.remove(traces, mine);
      throw e;
    }
    return started;
  }

  private void runLoop(Job job, Requests.Loop req, StudioModels.Variant v, Probe probe, Path traces) throws Exception {
    Requests.Sampling s = req.sampling();
    GenerationSettings settings = new GenerationSettings(s.maxNewTokens(), s.temperature(), 1.0, 0, 1.0, s.seed(), s.think());
    List<TraceRecord> done = new ArrayList<>();
    LoopListener listener = new LoopListener() {
      TokenStream stream;

      @Override
      public void contextRetrieved(Probe p, List<ContextSnippet> snippets) {
        emitNotes(job, snippets);
      }

      @Override
      public void iterationStarted(Probe p, int iteration) {
        job.checkCancelled();
        stream = new TokenStream(job, json, metrics.detectors(), v.index(), iteration);
        ObjectNode o = json.createObjectNode();
        o.put("it", iteration);
        job.emit("iterationStarted", o.toString());
      }

      @Override
      public void token(GeneratedToken token) {
        stream.accept(token);
      }

      @Override
      public void iterationDone(TraceRecord record, boolean changed) {
        stream.finish();
        emitIteration(job, record, done.isEmpty() ? null : done.get(done.size() - 1), changed, false);
        done.add(record);
      }

      @Override
      public void probeDone(ProbeResult result) {
        for (int i = 0; i < result.resumed(); i++) {
          emitIteration(job, result.records().get(i), i == 0 ? null : result.records().get(i - 1), true, true);
        }
      }
    };
    ThinkingLoop loop = ThinkingLoop.builder().generator(models.generator(v, s.thinkBudget())).variant(v.variant())
        .runId(req.run()).iterations(req.iterations()).settings(settings).listener(listener)
        .contextProvider(req.notes() && notes != null ? notes.provider() : null).build();
    List<ProbeResult> results = loop.run(List.of(probe), traces);
    ObjectNode o = json.createObjectNode();
    o.put("trace", runs.relative(traces));
    o.put("probe", probe.id());
    o.put("stoppedEarly", results.get(0).stoppedEarly());
    o.put("resumed", results.get(0).resumed());
    job.emit("loopDone", o.toString());
  }

  private Probe probe(Requests.Loop req) {
    if (!req.scene().isBlank()) {
      if (scenes == null) {
        throw new HttpError(400, "scene", "the studio was started without --scenes");
      }
      List<Scene> all = SceneReader.readLenient(List.of(scenes)).sceneList();
      for (Scene sc : all) {
        if (sc.id().equals(req.scene())) {
          return Probe.fromScene(sc);
        }
      }
      throw new HttpError(404, "scene", "no valid scene with id '" + req.scene() + "' under the scene folder");
    }
    return new Probe("studio-" + shortHash(req.prompt()), req.prompt(), "", lang(req.prompt()));
  }

  /**
   * The language of a typed prompt, for the reflection template and the context header: {@code ru} when
   * most of its letters are Cyrillic, else {@code en} (scenes carry their own {@code lang}).
   */
  static String lang(String text) {
    long letters = text.codePoints().filter(Character::isLetter).count();
    long cyrillic = text.codePoints().filter(c -> Character.UnicodeScript.of(c) == Character.UnicodeScript.CYRILLIC).count();
    return letters > 0 && cyrillic * 2 > letters ? "ru" : "en";
  }

  private StudioModels.Variant variant(int index) {
    if (index >= models.variants().size()) {
      throw HttpError.badRequest("variant", "must be below " + models.variants().size() + " (0 is the base)");
    }
    return models.variants().get(index);
  }

  private static GenerationRequest request(List<ChatMessage> messages, Requests.Sampling s, TokenStream stream) {
    return GenerationRequest.builder().messages(messages).maxNewTokens(s.maxNewTokens()).temperature(s.temperature())
        .seed(s.seed()).enableThinking(s.think()).listener(stream).build();
  }

  private void emitNotes(Job job, List<ContextSnippet> snippets) {
    ObjectNode o = json.createObjectNode();
    ArrayNode a = o.putArray("notes");
    int n = 1;
    for (ContextSnippet c : snippets) {
      ObjectNode x = a.addObject();
      x.put("n", n++);
      x.put("citation", c.citation());
      x.put("uri", c.uri().startsWith("obsidian://") ? c.uri() : "");
      x.put("text", c.text());
    }
    job.emit("notes", o.toString());
  }

  private void emitResult(Job job, StudioModels.Variant v, int iteration, Generation g, String prompt, Requests.Sampling s) {
    TraceRecord r = new TraceRecord("studio", "ask", prompt, iteration, v.variant().model(), v.variant().adapter(),
        v.variant().checkpoint(), g.reasoning(), g.answer(), g.tokens(), Instant.now(),
        new GenerationSettings(s.maxNewTokens(), s.temperature(), 1.0, 0, 1.0, s.seed(), s.think()));
    ObjectNode o = json.createObjectNode();
    o.put("v", v.index());
    o.put("finish", g.finishReason().name().toLowerCase(java.util.Locale.ROOT));
    o.put("tokens", g.tokens().size());
    o.set("metrics", metricsJson(metrics.measure(r)));
    job.emit("result", o.toString());
  }

  private void emitIteration(Job job, TraceRecord r, TraceRecord prev, boolean changed, boolean resumed) {
    ObjectNode o = json.createObjectNode();
    o.put("it", r.iteration());
    o.put("reasoning", r.reasoning());
    o.put("answer", r.answer());
    o.put("changed", changed);
    o.put("resumed", resumed);
    o.set("answerSpans", SpanJson.of(metrics.detectors().detect(r.answer())));
    o.set("reasoningSpans", SpanJson.of(metrics.detectors().detect(r.reasoning())));
    if (prev != null) {
      ArrayNode d = o.putArray("answerDiff");
      for (WordDiff.Part p : WordDiff.diff(prev.answer(), r.answer())) {
        d.addArray().add(p.op().name().toLowerCase(java.util.Locale.ROOT)).add(p.text());
      }
      ArrayNode rd = o.putArray("reasoningDiff");
      for (WordDiff.Part p : WordDiff.diff(prev.reasoning(), r.reasoning())) {
        rd.addArray().add(p.op().name().toLowerCase(java.util.Locale.ROOT)).add(p.text());
      }
    }
    o.set("metrics", metricsJson(metrics.measure(r, prev)));
    job.emit("iteration", o.toString());
  }

  private ObjectNode metricsJson(TraceMetrics tm) {
    ObjectNode m = json.createObjectNode();
    for (Metric k : Metric.values()) {
      double x = tm.get(k);
      if (Double.isFinite(x)) {
        m.put(k.key(), Math.round(x * 1000) / 1000.0);
      }
    }
    return m;
  }

  private static String shortHash(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)), 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
