package io.ltm.core.loop;

import io.ltm.core.generate.GeneratedToken;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One iteration of a thinking loop for one probe: what the model was asked, what it thought and
 * answered, and which model produced it. A trace file ({@code traces/*.jsonl}) holds one record per
 * line, appended in order by {@link TraceWriter} and read back by {@link TraceReader}. Immutable;
 * checked at construction.
 *
 * <p>The JSON shape of a line (keys in this order; {@code adapter}, {@code checkpoint} may be null;
 * a token's {@code logprob} and {@code entropy} are null when the backend did not give them):
 *
 * <pre>{@code
 * {"runId":"r1","probeId":"p1","prompt":"...","iteration":0,"model":"Qwen3-0.6B",
 *  "adapter":"runs/r1/adapter","checkpoint":200,"reasoning":"...","answer":"...",
 *  "tokens":[{"id":785,"text":"Wait","logprob":-0.31,"entropy":1.2,"reasoning":true}],
 *  "timestamp":"2026-01-01T00:00:00Z",
 *  "settings":{"maxNewTokens":512,"temperature":0.0,"topP":1.0,"topK":0,
 *              "repetitionPenalty":1.0,"seed":0,"enableThinking":true}}
 * }</pre>
 *
 * <p>Two optional keys follow {@code settings}, written only when set (so a record without them is
 * the same line as before they existed): {@code "entropyTopK":20} when the tokens' entropies are
 * estimates over the top 20 alternatives a remote server returned, renormalised (a lower bound of the
 * full distribution's entropy; see {@link io.ltm.core.generate.TextGenerator#entropyTopK()}), and
 * {@code "failure":"..."} when the generation failed part-way (a stream that dropped, a server that
 * kept refusing): such a record keeps what arrived before the failure, is not a finished iteration,
 * and the loop retries it when run again over the same file; {@link TraceReader#read} leaves it out
 * of {@link TraceReader.TraceLog#records()}.
 *
 * @param runId the run this record belongs to, never blank
 * @param probeId the probe (prompt) id, never blank; records of the same probe under different models
 *     are compared side by side
 * @param prompt the user prompt
 * @param iteration 0-based loop iteration (0 = first generation, then one per rewrite)
 * @param model the base model's name
 * @param adapter the adapter (name or path) applied on the base, or null for the base alone
 * @param checkpoint the training step of the adapter checkpoint, or null (final adapter or base)
 * @param reasoning the text inside {@code <think>...</think>}, empty when none
 * @param answer the text after the reasoning
 * @param tokens the generated tokens, empty when the backend gave none
 * @param timestamp when the iteration finished
 * @param settings the sampling settings
 * @param entropyTopK null when token entropies are exact (or absent); k when each is an estimate over
 *     the top-k alternatives a server returned, renormalised
 * @param failure null for a finished iteration; else why the generation failed, one line
 */
public record TraceRecord(
    String runId,
    String probeId,
    String prompt,
    int iteration,
    String model,
    String adapter,
    Integer checkpoint,
    String reasoning,
    String answer,
    List<GeneratedToken> tokens,
    Instant timestamp,
    GenerationSettings settings,
    Integer entropyTopK,
    String failure) {

  public TraceRecord {
    requireNotBlank(runId, "runId");
    requireNotBlank(probeId, "probeId");
    Objects.requireNonNull(prompt, "prompt");
    if (iteration < 0) {
      throw new IllegalArgumentException("iteration must be >= 0 but got " + iteration);
    }
    requireNotBlank(model, "model");
    if (adapter != null && adapter.isBlank()) {
      adapter = null;
    }
    if (checkpoint != null && checkpoint < 0) {
      throw new IllegalArgumentException("checkpoint must be >= 0 but got " + checkpoint);
    }
    reasoning = reasoning == null ? "" : reasoning;
    Objects.requireNonNull(answer, "answer");
    tokens = List.copyOf(tokens == null ? List.of() : tokens);
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(settings, "settings");
    if (entropyTopK != null && entropyTopK < 1) {
      throw new IllegalArgumentException("entropyTopK must be >= 1 (or null for exact entropies) but got " + entropyTopK);
    }
    if (failure != null && failure.isBlank()) {
      throw new IllegalArgumentException("failure must not be blank; null for a finished iteration");
    }
  }

  /** A finished iteration with exact (or absent) token entropies: the shape before remote backends. */
  public TraceRecord(String runId, String probeId, String prompt, int iteration, String model, String adapter,
      Integer checkpoint, String reasoning, String answer, List<GeneratedToken> tokens, Instant timestamp,
      GenerationSettings settings) {
    this(runId, probeId, prompt, iteration, model, adapter, checkpoint, reasoning, answer, tokens, timestamp, settings,
        null, null);
  }

  /** True when this iteration failed part-way (see {@link #failure()}); the loop retries it on resume. */
  public boolean failed() {
    return failure != null;
  }

  private static void requireNotBlank(String s, String name) {
    Objects.requireNonNull(s, name);
    if (s.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }

  /** True for a record of the base model alone (no adapter). */
  public boolean isBase() {
    return adapter == null;
  }

  /**
   * The label of the model variant: the base model's name, or {@code model+adapter}, with
   * {@code @step} appended when a checkpoint is set.
   */
  public String variant() {
    String v = adapter == null ? model : model + "+" + adapter;
    return checkpoint == null ? v : v + "@" + checkpoint;
  }
}
