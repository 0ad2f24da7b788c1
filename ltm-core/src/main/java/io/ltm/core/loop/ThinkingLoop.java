package io.ltm.core.loop;

import io.ltm.core.generate.ChatMessage;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.core.generate.TextGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A minimal thinking loop: generate, log, reflect, rewrite. Iteration 0 answers the prompt; each
 * later iteration shows the model its previous answer and asks it to reflect on it and rewrite it
 * ({@link #DEFAULT_REFLECT_PROMPT}). Every iteration becomes one {@link TraceRecord}, appended to the
 * trace writer when one is set. Build with {@link #builder()}; immutable, and thread-safe when the
 * generator is (the writer is not: give each thread its own).
 *
 * <p>Conversation of iteration {@code i > 0}: {@code user(prompt), assistant(answer_{i-1}),
 * user(reflectPrompt)}; the previous reasoning is not sent back (Qwen3's chat template drops the
 * reasoning of earlier turns too).
 */
public final class ThinkingLoop {
  /** The default instruction of a reflection turn. */
  public static final String DEFAULT_REFLECT_PROMPT =
      "Look again at your answer above. Check it, say what is wrong or missing, and then write an improved answer.";

  private final TextGenerator generator;
  private final GenerationRequest template;
  private final int iterations;
  private final String reflectPrompt;
  private final String runId;
  private final String adapter;
  private final Integer checkpoint;
  private final TraceWriter writer;
  private final Clock clock;

  private ThinkingLoop(Builder b) {
    this.generator = b.generator;
    this.template = b.template;
    this.iterations = b.iterations;
    this.reflectPrompt = b.reflectPrompt;
    this.runId = b.runId;
    this.adapter = b.adapter;
    this.checkpoint = b.checkpoint;
    this.writer = b.writer;
    this.clock = b.clock;
  }

  /** A builder; {@link Builder#generator} and {@link Builder#runId} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs the loop on one probe.
   *
   * @return one record per iteration, in order
   * @throws UncheckedIOException when appending to the trace file fails
   */
  public List<TraceRecord> run(String probeId, String prompt) {
    Objects.requireNonNull(probeId, "probeId");
    Objects.requireNonNull(prompt, "prompt");
    if (prompt.isBlank()) {
      throw new IllegalArgumentException("prompt must not be blank");
    }
    List<TraceRecord> out = new ArrayList<>(iterations);
    GenerationSettings settings = GenerationSettings.of(template);
    Generation previous = null;
    for (int i = 0; i < iterations; i++) {
      List<ChatMessage> messages = previous == null
          ? List.of(ChatMessage.user(prompt))
          : List.of(ChatMessage.user(prompt), ChatMessage.assistant(previous.answer(), ""), ChatMessage.user(reflectPrompt));
      Generation g = generator.generate(template.toBuilder().messages(messages).build());
      TraceRecord r = new TraceRecord(runId, probeId, prompt, i, generator.modelName(), adapter, checkpoint,
          g.reasoning(), g.answer(), g.tokens(), clock.instant(), settings);
      if (writer != null) {
        try {
          writer.append(r);
        } catch (IOException e) {
          throw new UncheckedIOException("appending iteration " + i + " of probe '" + probeId + "' to " + writer.file(), e);
        }
      }
      out.add(r);
      previous = g;
    }
    return out;
  }

  /** Builds a {@link ThinkingLoop}; {@link #build()} checks every value. */
  public static final class Builder {
    private TextGenerator generator;
    private GenerationRequest template;
    private int iterations = 2;
    private String reflectPrompt = DEFAULT_REFLECT_PROMPT;
    private String runId;
    private String adapter;
    private Integer checkpoint;
    private TraceWriter writer;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The model (required). */
    public Builder generator(TextGenerator generator) {
      this.generator = generator;
      return this;
    }

    /** Sampling settings to use (its messages are replaced); default {@link GenerationRequest#builder()}'s. */
    public Builder settings(GenerationRequest template) {
      this.template = template;
      return this;
    }

    /** Number of iterations, at least 1; default 2 (answer, then one reflection and rewrite). */
    public Builder iterations(int iterations) {
      this.iterations = iterations;
      return this;
    }

    /** The instruction of each reflection turn; default {@link #DEFAULT_REFLECT_PROMPT}. */
    public Builder reflectPrompt(String reflectPrompt) {
      this.reflectPrompt = reflectPrompt;
      return this;
    }

    /** The run id recorded in every trace record (required). */
    public Builder runId(String runId) {
      this.runId = runId;
      return this;
    }

    /** The adapter behind the generator, recorded in traces; default none (the base model). */
    public Builder adapter(String adapter) {
      this.adapter = adapter;
      return this;
    }

    /** The adapter checkpoint's training step, recorded in traces; default none. */
    public Builder checkpoint(Integer checkpoint) {
      this.checkpoint = checkpoint;
      return this;
    }

    /** Where to append each iteration's record; default none (records are only returned). */
    public Builder writer(TraceWriter writer) {
      this.writer = writer;
      return this;
    }

    /** The clock stamping records; default UTC system clock. */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public ThinkingLoop build() {
      Objects.requireNonNull(generator, "generator is required");
      if (runId == null || runId.isBlank()) {
        throw new IllegalArgumentException("runId is required and must not be blank");
      }
      if (iterations < 1) {
        throw new IllegalArgumentException("iterations must be >= 1 but got " + iterations);
      }
      if (reflectPrompt == null || reflectPrompt.isBlank()) {
        throw new IllegalArgumentException("reflectPrompt must not be blank");
      }
      if (checkpoint != null && checkpoint < 0) {
        throw new IllegalArgumentException("checkpoint must be >= 0 but got " + checkpoint);
      }
      if (template == null) {
        template = GenerationRequest.builder().prompt("-").build();
      }
      Objects.requireNonNull(clock, "clock");
      return new ThinkingLoop(this);
    }
  }
}
