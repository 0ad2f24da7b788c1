package io.ltm.core.loop;

import io.ltm.core.generate.ChatMessage;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationFailedException;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.core.generate.TextGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thinking loop: for one probe, iteration 0 answers it; each later iteration shows the model its
 * previous reasoning and answer, asks it to reflect on them and rewrite (the {@link
 * ReflectionTemplate} of the probe's language), and so on for a fixed number of iterations or until
 * the answer stops changing. Every iteration is appended to a trace file ({@link TraceWriter}) as soon
 * as it completes, so an interrupted loop keeps everything it finished; running again over the same
 * file skips the probes already complete and continues a half-done probe from its last recorded
 * iteration.
 *
 * <p>The conversation of iteration {@code k > 0} is: the optional system message, the user turn of
 * iteration 0, the assistant turn of iteration {@code k-1} (answer with its reasoning), and the
 * reflection request, which repeats that reasoning and answer in its text (chat templates such as
 * Qwen3's drop the reasoning of earlier assistant turns). The user turn of iteration 0 is the probe's
 * {@link Probe#userText()}, preceded, when a {@link ContextProvider} is set, by the retrieved snippets
 * numbered {@code [1]}, {@code [2]}, ... each headed by its citation and link.
 *
 * <p>A record belongs to this loop when its run id, model, adapter and checkpoint equal this loop's;
 * its probe is identified by the probe id. Resuming checks that the recorded prompt and generation
 * settings are the ones asked for now and fails with a message naming the probe otherwise, so one
 * trace file never mixes two experiments under one name.
 *
 * <p>A generation that fails part-way ({@link GenerationFailedException}: a remote stream that
 * dropped, a server that kept refusing) is appended as a record marked {@link TraceRecord#failed()}
 * holding what arrived; that probe stops there and the loop goes on with the next one. Resuming
 * skips failed records, so running again over the same file retries exactly the failed iterations.
 *
 * <p>Immutable once built; {@link #run} calls the generator and the listener on the calling thread.
 * Do not run two loops on the same trace file at once.
 */
public final class ThinkingLoop {
  private static final Logger LOG = LoggerFactory.getLogger(ThinkingLoop.class);

  /** Default number of iterations: the first answer and two rewrites. */
  public static final int DEFAULT_ITERATIONS = 3;

  /** Default run id recorded in traces. */
  public static final String DEFAULT_RUN_ID = "loop";

  /** The English header above retrieved snippets. */
  public static final String CONTEXT_HEADER_EN = "Notes that may help (cite them by number, e.g. [1]):";

  /** The Russian header above retrieved snippets. */
  public static final String CONTEXT_HEADER_RU = "Заметки, которые могут помочь (ссылайся на них по номеру, например [1]):";

  private final TextGenerator generator;
  private final ModelVariant variant;
  private final String runId;
  private final int iterations;
  private final GenerationSettings settings;
  private final Map<String, ReflectionTemplate> templates;
  private final Map<String, String> contextHeaders;
  private final String systemPrompt;
  private final ContextProvider contextProvider;
  private final boolean stopWhenUnchanged;
  private final LoopListener listener;
  private final Clock clock;

  private ThinkingLoop(Builder b) {
    this.generator = b.generator;
    this.variant = b.variant != null ? b.variant : ModelVariant.base(b.generator.modelName());
    this.runId = b.runId;
    this.iterations = b.iterations;
    this.settings = b.settings;
    this.templates = Map.copyOf(b.templates);
    this.contextHeaders = Map.copyOf(b.contextHeaders);
    this.systemPrompt = b.systemPrompt;
    this.contextProvider = b.contextProvider;
    this.stopWhenUnchanged = b.stopWhenUnchanged;
    this.listener = b.listener;
    this.clock = b.clock;
  }

  /** A builder; {@link Builder#generator} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The variant recorded in this loop's traces. */
  public ModelVariant variant() {
    return variant;
  }

  /** The run id recorded in this loop's traces. */
  public String runId() {
    return runId;
  }

  /** Iterations per probe. */
  public int iterations() {
    return iterations;
  }

  /** The generation settings of every iteration. */
  public GenerationSettings settings() {
    return settings;
  }

  /**
   * Runs every probe, appending to {@code traceFile} (created with its folders when missing) and
   * resuming from what it already holds; see the class comment.
   *
   * @return one result per probe, in order
   * @throws IllegalArgumentException when two probes share an id
   * @throws IllegalStateException when the file holds a probe of this run and variant with another
   *     prompt or other generation settings
   * @throws TraceFormatException when the existing file has a malformed line
   * @throws IOException when the file cannot be read or written
   */
  public List<ProbeResult> run(List<Probe> probes, Path traceFile) throws IOException {
    Objects.requireNonNull(probes, "probes");
    Objects.requireNonNull(traceFile, "traceFile");
    Set<String> ids = new HashSet<>();
    for (Probe p : probes) {
      if (!ids.add(p.id())) {
        throw new IllegalArgumentException("two probes have the id '" + p.id() + "'; probe ids must be unique");
      }
    }
    Map<String, List<TraceRecord>> recorded = new HashMap<>();
    if (Files.isRegularFile(traceFile)) {
      TraceReader.forEach(traceFile, r -> {
        if (r.runId().equals(runId) && variant.matches(r) && ids.contains(r.probeId())) {
          recorded.computeIfAbsent(r.probeId(), k -> new ArrayList<>()).add(r);
        }
      });
    }
    List<ProbeResult> results = new ArrayList<>(probes.size());
    try (TraceWriter writer = TraceWriter.open(traceFile)) {
      for (Probe p : probes) {
        results.add(run(p, recorded.getOrDefault(p.id(), List.of()), writer));
      }
    }
    return results;
  }

  /**
   * Runs one probe, continuing after {@code recorded} (this probe's records of this run and variant
   * already in the trace file, in any order; empty to start afresh) and appending new iterations to
   * {@code writer}.
   *
   * @throws IllegalStateException when a recorded prompt or settings differ from this probe's and
   *     this loop's
   */
  public ProbeResult run(Probe probe, List<TraceRecord> recorded, TraceWriter writer) throws IOException {
    Objects.requireNonNull(probe, "probe");
    Objects.requireNonNull(writer, "writer");
    List<TraceRecord> done = contiguousPrefix(probe, recorded == null ? List.of() : recorded);
    int resumed = done.size();
    boolean stopped = resumed >= 2 && stopWhenUnchanged
        && sameAnswer(done.get(resumed - 2), done.get(resumed - 1));
    if (resumed >= iterations || stopped) {
      LOG.debug("probe {} ({}): {} iterations already recorded, skipped", probe.id(), variant.label(), resumed);
      listener.probeSkipped(probe, variant, resumed);
      ProbeResult result = new ProbeResult(probe, variant, done, resumed, stopped);
      listener.probeDone(result);
      return result;
    }
    listener.probeStarted(probe, variant, resumed, iterations);
    List<ChatMessage> opening = opening(probe);
    List<TraceRecord> records = new ArrayList<>(done);
    boolean stoppedEarly = false;
    for (int it = resumed; it < iterations; it++) {
      listener.iterationStarted(probe, it);
      List<ChatMessage> messages = new ArrayList<>(opening);
      if (it > 0) {
        TraceRecord prev = records.get(it - 1);
        messages.add(ChatMessage.assistant(prev.answer(), prev.reasoning()));
        messages.add(ChatMessage.user(reflection(probe, prev, it)));
      }
      Integer entropyTopK = generator.entropyTopK().isPresent() ? generator.entropyTopK().getAsInt() : null;
      Generation g;
      try {
        g = generator.generate(request(messages));
      } catch (GenerationFailedException e) {
        Generation part = e.partial().orElse(null);
        String why = oneLine(e.getMessage() == null ? e.toString() : e.getMessage());
        TraceRecord failed = new TraceRecord(runId, probe.id(), probe.prompt(), it, variant.model(), variant.adapter(),
            variant.checkpoint(), part == null ? "" : part.reasoning(), part == null ? "" : part.answer(),
            part == null ? List.of() : part.tokens(), clock.instant(), settings, entropyTopK, why);
        writer.append(failed);
        LOG.warn("probe {} ({}): iteration {} failed, recorded; run again over the same trace file to retry: {}",
            probe.id(), variant.label(), it, why);
        listener.iterationFailed(failed);
        ProbeResult result = new ProbeResult(probe, variant, records, resumed, false, failed);
        listener.probeDone(result);
        return result;
      }
      TraceRecord rec = new TraceRecord(runId, probe.id(), probe.prompt(), it, variant.model(), variant.adapter(),
          variant.checkpoint(), g.reasoning(), g.answer(), g.tokens(), clock.instant(), settings, entropyTopK, null);
      writer.append(rec);
      boolean changed = it == 0 || !sameAnswer(records.get(it - 1), rec);
      records.add(rec);
      listener.iterationDone(rec, changed);
      if (!changed && stopWhenUnchanged) {
        stoppedEarly = it + 1 < iterations;
        LOG.debug("probe {} ({}): answer unchanged at iteration {}, stopping", probe.id(), variant.label(), it);
        break;
      }
    }
    ProbeResult result = new ProbeResult(probe, variant, records, resumed, stoppedEarly);
    listener.probeDone(result);
    return result;
  }

  /**
   * The messages every iteration starts with: the system message (if any) and the user turn of
   * iteration 0, with retrieved context when a provider is set.
   */
  List<ChatMessage> opening(Probe probe) {
    List<ChatMessage> messages = new ArrayList<>(2);
    if (systemPrompt != null) {
      messages.add(ChatMessage.system(systemPrompt));
    }
    String user = probe.userText();
    if (contextProvider != null) {
      List<ContextSnippet> snippets = contextProvider.retrieve(user, probe.lang());
      snippets = snippets == null ? List.of() : List.copyOf(snippets);
      listener.contextRetrieved(probe, snippets);
      if (!snippets.isEmpty()) {
        user = renderContext(headerFor(probe.lang()), snippets) + "\n\n" + user;
      }
    }
    messages.add(ChatMessage.user(user));
    return messages;
  }

  /**
   * The context block: the header, then each snippet as {@code [n] citation}, its link on the next
   * line when it has one, and its text, snippets separated by a blank line.
   */
  public static String renderContext(String header, List<ContextSnippet> snippets) {
    StringBuilder sb = new StringBuilder(header);
    int n = 1;
    for (ContextSnippet s : snippets) {
      sb.append("\n\n[").append(n++).append("] ").append(s.citation().strip());
      if (!s.uri().isEmpty()) {
        sb.append('\n').append(s.uri());
      }
      sb.append('\n').append(s.text().strip());
    }
    return sb.toString();
  }

  private String headerFor(String lang) {
    String h = contextHeaders.get(lang);
    return h != null ? h : contextHeaders.get("en");
  }

  private String reflection(Probe probe, TraceRecord prev, int iteration) {
    ReflectionTemplate t = templates.get(probe.lang());
    String lang = t != null ? probe.lang() : "en";
    if (t == null) {
      t = templates.get("en");
    }
    String none = lang.equals("ru") ? "(нет)" : "(none)";
    Map<String, String> values = new HashMap<>();
    values.put("reasoning", prev.reasoning().isBlank() ? none : prev.reasoning().strip());
    values.put("answer", prev.answer().isBlank() ? none : prev.answer().strip());
    values.put("prompt", probe.prompt().strip());
    values.put("iteration", Integer.toString(iteration));
    return t.render(values);
  }

  private GenerationRequest request(List<ChatMessage> messages) {
    return GenerationRequest.builder()
        .messages(messages)
        .maxNewTokens(settings.maxNewTokens())
        .temperature(settings.temperature())
        .topP(settings.topP())
        .topK(settings.topK())
        .repetitionPenalty(settings.repetitionPenalty())
        .seed(settings.seed())
        .enableThinking(settings.enableThinking())
        .listener(listener::token)
        .build();
  }

  private List<TraceRecord> contiguousPrefix(Probe probe, List<TraceRecord> recorded) {
    List<TraceRecord> sorted = new ArrayList<>(recorded);
    sorted.sort(Comparator.comparingInt(TraceRecord::iteration));
    List<TraceRecord> prefix = new ArrayList<>();
    for (TraceRecord r : sorted) {
      if (r.failed()) {
        continue; // a failed iteration is retried
      }
      if (!r.probeId().equals(probe.id()) || !r.runId().equals(runId) || !variant.matches(r)) {
        throw new IllegalArgumentException("record of probe '" + r.probeId() + "' (" + r.variant() + ", run "
            + r.runId() + ") given as a record of probe '" + probe.id() + "' (" + variant.label() + ", run " + runId + ")");
      }
      if (!r.prompt().equals(probe.prompt())) {
        throw new IllegalStateException("the trace file already holds probe '" + probe.id() + "' for " + variant.label()
            + " in run '" + runId + "' with another prompt; give the changed probe a new id, or write to another trace file");
      }
      if (!r.settings().equals(settings)) {
        throw new IllegalStateException("the trace file already holds probe '" + probe.id() + "' for " + variant.label()
            + " in run '" + runId + "' generated with other settings (" + r.settings() + " there, " + settings
            + " now); use the same settings to resume, or write to another trace file");
      }
      if (r.iteration() == prefix.size()) {
        prefix.add(r);
      } else if (r.iteration() > prefix.size()) {
        LOG.warn("probe {} ({}): iteration {} recorded without iteration {}; resuming after iteration {}",
            probe.id(), variant.label(), r.iteration(), prefix.size(), prefix.size() - 1);
        break;
      }
      // a duplicate iteration (the same iteration twice) keeps the first
    }
    return prefix;
  }

  private static String oneLine(String s) {
    String t = s.strip().replaceAll("\\s*\\R\\s*", " ");
    return t.isEmpty() ? "generation failed" : t;
  }

  /** True when two records' answers are equal up to white space. */
  static boolean sameAnswer(TraceRecord a, TraceRecord b) {
    return normalize(a.answer()).equals(normalize(b.answer()));
  }

  private static String normalize(String s) {
    return s.strip().replaceAll("\\s+", " ");
  }

  /**
   * Builds a {@link ThinkingLoop}. Defaults: {@value #DEFAULT_ITERATIONS} iterations, {@link
   * GenerationSettings#defaults()}, run id {@value #DEFAULT_RUN_ID}, the variant {@code
   * ModelVariant.base(generator.modelName())}, the English and Russian {@link ReflectionTemplate}
   * defaults (English for any other language), no system prompt, no context provider, stop when the
   * answer stops changing, no listener, the system UTC clock. {@link #build()} checks everything.
   */
  public static final class Builder {
    private TextGenerator generator;
    private ModelVariant variant;
    private String runId = DEFAULT_RUN_ID;
    private int iterations = DEFAULT_ITERATIONS;
    private GenerationSettings settings = GenerationSettings.defaults();
    private final Map<String, ReflectionTemplate> templates = new LinkedHashMap<>();
    private final Map<String, String> contextHeaders = new LinkedHashMap<>();
    private String systemPrompt;
    private ContextProvider contextProvider;
    private boolean stopWhenUnchanged = true;
    private LoopListener listener = new LoopListener() {};
    private Clock clock = Clock.systemUTC();

    private Builder() {
      templates.put("en", ReflectionTemplate.ENGLISH);
      templates.put("ru", ReflectionTemplate.RUSSIAN);
      contextHeaders.put("en", CONTEXT_HEADER_EN);
      contextHeaders.put("ru", CONTEXT_HEADER_RU);
    }

    /** The model to run (required). */
    public Builder generator(TextGenerator generator) {
      this.generator = generator;
      return this;
    }

    /** The variant recorded in traces; default: the generator's model name, no adapter. */
    public Builder variant(ModelVariant variant) {
      this.variant = variant;
      return this;
    }

    /** The run id recorded in traces; default {@value #DEFAULT_RUN_ID}. */
    public Builder runId(String runId) {
      this.runId = runId;
      return this;
    }

    /** Iterations per probe, at least 1 (1 = answer only, no reflection). */
    public Builder iterations(int iterations) {
      this.iterations = iterations;
      return this;
    }

    /** Generation settings of every iteration. */
    public Builder settings(GenerationSettings settings) {
      this.settings = settings;
      return this;
    }

    /**
     * The reflection template for probes in {@code lang} (a BCP 47 primary tag such as {@code de});
     * replaces the default for {@code en} or {@code ru}.
     */
    public Builder reflectionTemplate(String lang, ReflectionTemplate template) {
      templates.put(langKey(lang), Objects.requireNonNull(template, "template"));
      return this;
    }

    /** The header above retrieved snippets for probes in {@code lang}. */
    public Builder contextHeader(String lang, String header) {
      Objects.requireNonNull(header, "header");
      if (header.isBlank()) {
        throw new IllegalArgumentException("context header must not be blank");
      }
      contextHeaders.put(langKey(lang), header);
      return this;
    }

    /** A system message for every iteration; null or blank for none. */
    public Builder systemPrompt(String systemPrompt) {
      this.systemPrompt = systemPrompt == null || systemPrompt.isBlank() ? null : systemPrompt.strip();
      return this;
    }

    /** Retrieval for each probe; null for none. */
    public Builder contextProvider(ContextProvider contextProvider) {
      this.contextProvider = contextProvider;
      return this;
    }

    /** Whether to stop a probe once an iteration's answer equals the previous one's (default true). */
    public Builder stopWhenUnchanged(boolean stopWhenUnchanged) {
      this.stopWhenUnchanged = stopWhenUnchanged;
      return this;
    }

    /** Progress callbacks; null for none. */
    public Builder listener(LoopListener listener) {
      this.listener = listener == null ? new LoopListener() {} : listener;
      return this;
    }

    /** The clock stamping records. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the setting at fault
     * @throws NullPointerException when the generator is missing
     */
    public ThinkingLoop build() {
      Objects.requireNonNull(generator, "generator is required");
      if (iterations < 1) {
        throw new IllegalArgumentException("iterations must be >= 1 but got " + iterations);
      }
      Objects.requireNonNull(settings, "settings");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(runId, "runId");
      if (runId.isBlank()) {
        throw new IllegalArgumentException("runId must not be blank");
      }
      if (variant == null && (generator.modelName() == null || generator.modelName().isBlank())) {
        throw new IllegalArgumentException("the generator has no model name; set variant(...)");
      }
      return new ThinkingLoop(this);
    }

    private static String langKey(String lang) {
      Objects.requireNonNull(lang, "lang");
      if (lang.isBlank()) {
        throw new IllegalArgumentException("lang must not be blank");
      }
      return new Probe("x", "x", "", lang).lang();
    }
  }

  @Override
  public String toString() {
    return "ThinkingLoop[" + variant.label() + ", run " + runId + ", " + iterations + " iterations]";
  }
}
