package io.ltm.server.engine;

import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.lora.generate.TokenStep;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One generation submitted to a {@link BatchScheduler}: its tokens arrive as {@link Event}s, in order,
 * on a queue the submitter drains ({@link #next}), ending with {@link Finished} or {@link Failed}.
 * {@link #cancel()} stops it (in the queue or mid-batch). Thread-safe: the scheduler's worker produces,
 * one consumer drains.
 */
public final class Job {
  /** Something that happened to a job. */
  public sealed interface Event permits Step, Finished, Failed {}

  /** A generated token with its alternatives. */
  public record Step(TokenStep step) implements Event {}

  /** The generation ended; no events follow. */
  public record Finished(Generation generation) implements Event {}

  /** The generation failed; no events follow. */
  public record Failed(RuntimeException error) implements Event {}

  private final String adapter;
  private final int[] promptIds;
  private final GenerationRequest settings;
  private final int topLogprobs;
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private volatile boolean cancelled;

  Job(String adapter, int[] promptIds, GenerationRequest settings, int topLogprobs) {
    this.adapter = Objects.requireNonNull(adapter, "adapter");
    this.promptIds = promptIds.clone();
    this.settings = Objects.requireNonNull(settings, "settings");
    this.topLogprobs = topLogprobs;
  }

  /** The adapter this job runs with ({@code ""} for the base). */
  public String adapter() {
    return adapter;
  }

  /** Prompt length in tokens. */
  public int promptTokens() {
    return promptIds.length;
  }

  int[] promptIds() {
    return promptIds;
  }

  GenerationRequest settings() {
    return settings;
  }

  int topLogprobs() {
    return topLogprobs;
  }

  /** Stops the job: it leaves the queue or its batch row at the next step. Idempotent. */
  public void cancel() {
    cancelled = true;
  }

  /** Whether {@link #cancel()} was called. */
  public boolean cancelled() {
    return cancelled;
  }

  /** The next event, waiting at most {@code timeout}; null on timeout. */
  public Event next(long timeout, TimeUnit unit) throws InterruptedException {
    return events.poll(timeout, unit);
  }

  void emit(Event e) {
    events.add(e);
  }
}
