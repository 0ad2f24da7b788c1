package io.ltm.core.loop;

import io.ltm.core.generate.GeneratedToken;
import java.util.List;

/**
 * Progress of a {@link ThinkingLoop}, for a terminal or a log. Every method has an empty default;
 * all are called on the thread running the loop, in order. A listener that throws stops the loop
 * (records already appended stay in the trace file).
 */
public interface LoopListener {

  /** A probe starts at {@code fromIteration} (above 0 when resuming a probe left half-done). */
  default void probeStarted(Probe probe, ModelVariant variant, int fromIteration, int iterations) {}

  /** A probe is already complete in the trace file and is skipped. */
  default void probeSkipped(Probe probe, ModelVariant variant, int recordedIterations) {}

  /** Retrieval gave these snippets for the probe (called only with a context provider). */
  default void contextRetrieved(Probe probe, List<ContextSnippet> snippets) {}

  /** An iteration starts. */
  default void iterationStarted(Probe probe, int iteration) {}

  /** One generated token (streaming). */
  default void token(GeneratedToken token) {}

  /**
   * An iteration finished and was appended to the trace file.
   *
   * @param changed false when its answer equals the previous iteration's (always true for iteration 0)
   */
  default void iterationDone(TraceRecord record, boolean changed) {}

  /**
   * An iteration failed part-way and was appended to the trace file marked failed; the probe stops
   * (the next run over the same file retries it).
   */
  default void iterationFailed(TraceRecord failed) {}

  /** A probe finished (run, skipped or failed). */
  default void probeDone(ProbeResult result) {}
}
