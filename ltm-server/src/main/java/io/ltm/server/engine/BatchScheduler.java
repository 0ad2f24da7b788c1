package io.ltm.server.engine;

import io.ltm.core.generate.GenerationRequest;
import io.ltm.lora.generate.BatchRow;
import io.ltm.lora.generate.LocalGenerator;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the generations of many concurrent callers on one model: jobs wait in a bounded FIFO queue; one
 * worker thread takes the oldest job together with up to {@code maxBatch - 1} more that use the same
 * adapter (waiting one {@code batchWindow} after the last arrival, at most five windows, for them to
 * arrive) and decodes them as one left-padded batch ({@link LocalGenerator#generateRows}). Each job ends
 * the step its own row is done; the batch runs to the end of its longest row, and jobs that arrive
 * meanwhile form the next batch. Each row samples with its own seed, so a greedy (or seeded) request
 * gets the same tokens alone or in any batch. A cancelled job leaves its batch at the next step; a
 * batch whose jobs are all cancelled ends at once.
 *
 * <p>Knows nothing of HTTP. Thread-safe; {@link #close()} stops the worker, fails the jobs still
 * queued, stops the running batch at its next step and waits for it to end. Does not own the model or
 * the LoRA wrapper.
 */
public final class BatchScheduler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BatchScheduler.class);

  /** Default most rows decoded together. */
  public static final int DEFAULT_MAX_BATCH = 16;
  /** Default most jobs waiting. */
  public static final int DEFAULT_QUEUE_CAPACITY = 64;
  /** Default time the worker waits for more jobs to join a batch, in milliseconds. */
  public static final long DEFAULT_BATCH_WINDOW_MS = 10;
  /** The gathering wait never exceeds this many windows. */
  static final int MAX_WINDOWS = 5;

  private final LocalGenerator generator;
  private final LoraModel lora;
  private final int maxBatch;
  private final int queueCapacity;
  private final long windowNanos;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private final Deque<Job> queue = new ArrayDeque<>();
  private final Thread worker;
  private volatile boolean closed;
  private volatile int lastBatchSize;
  private final java.util.concurrent.atomic.AtomicInteger largestBatch = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong generatedTokens = new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean running;
  private volatile List<Job> current = List.of();

  private BatchScheduler(Builder b) {
    this.generator = b.model.generator();
    this.lora = b.lora;
    this.maxBatch = b.maxBatch;
    this.queueCapacity = b.queueCapacity;
    this.windowNanos = TimeUnit.MILLISECONDS.toNanos(b.batchWindowMs);
    this.worker = new Thread(this::run, "ltm-serve-batch");
    this.worker.setDaemon(true);
    this.worker.start();
  }

  /** A builder; {@link Builder#model} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Queues a generation.
   *
   * @param adapter an attached adapter's name, or {@link AdapterSelection#BASE}
   * @param promptIds the prompt's token ids
   * @param settings sampling settings, budget and stop strings (messages ignored)
   * @param topLogprobs alternatives to report per token, 0 to 20
   * @throws QueueFullException when {@code queueCapacity} jobs are already waiting
   * @throws IllegalStateException after {@link #close()}
   */
  public Job submit(String adapter, int[] promptIds, GenerationRequest settings, int topLogprobs) {
    if (!AdapterSelection.BASE.equals(adapter) && (lora == null || !lora.adapters().containsKey(adapter))) {
      throw new IllegalArgumentException("no adapter named " + adapter + " is attached");
    }
    Job job = new Job(adapter, promptIds, settings, topLogprobs);
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("the scheduler is closed");
      }
      if (queue.size() >= queueCapacity) {
        throw new QueueFullException(queueCapacity);
      }
      queue.addLast(job);
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
    return job;
  }

  /** Jobs waiting now (not counting the running batch). */
  public int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /** The most rows any batch had so far. */
  public int largestBatch() {
    return largestBatch.get();
  }

  /** Tokens generated so far, all jobs together. */
  public long generatedTokens() {
    return generatedTokens.get();
  }

  /** True when no batch runs and no job waits. */
  public boolean idle() {
    lock.lock();
    try {
      return !running && queue.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /** Rows in the most recent batch (0 before the first). */
  public int lastBatchSize() {
    return lastBatchSize;
  }

  private void run() {
    while (true) {
      List<Job> batch;
      try {
        batch = nextBatch();
      } catch (InterruptedException e) {
        break;
      }
      if (batch == null) {
        break;
      }
      try {
        if (!batch.isEmpty()) {
          runBatch(batch);
        }
      } finally {
        running = false;
      }
    }
  }

  /** The next batch: the oldest job and those with the same adapter; null once closed. */
  private List<Job> nextBatch() throws InterruptedException {
    lock.lock();
    try {
      while (queue.isEmpty() && !closed) {
        arrived.await();
      }
      if (closed) {
        return null;
      }
      // gather: wait while jobs keep arriving (each arrival extends the wait by one window), at most
      // MAX_WINDOWS windows in all, so that clients that start together share one batch
      long start = System.nanoTime();
      long deadline = start + windowNanos;
      long cap = start + MAX_WINDOWS * windowNanos;
      long left;
      int seen = queue.size();
      while (queue.size() < maxBatch && (left = deadline - System.nanoTime()) > 0 && !closed) {
        arrived.awaitNanos(left);
        if (queue.size() > seen) {
          seen = queue.size();
          deadline = Math.min(cap, System.nanoTime() + windowNanos);
        }
      }
      if (closed || queue.isEmpty()) {
        return closed ? null : List.of(); // closed (or emptied) while gathering
      }
      String adapter = queue.peekFirst().adapter();
      List<Job> batch = new ArrayList<>();
      running = true;
      for (Iterator<Job> it = queue.iterator(); it.hasNext() && batch.size() < maxBatch; ) {
        Job j = it.next();
        if (j.cancelled()) {
          it.remove();
          j.emit(new Job.Failed(new IllegalStateException("cancelled before it started")));
        } else if (j.adapter().equals(adapter)) {
          it.remove();
          batch.add(j);
        }
      }
      return batch;
    } finally {
      lock.unlock();
    }
  }

  private void runBatch(List<Job> batch) {
    current = List.copyOf(batch);
    lastBatchSize = batch.size();
    largestBatch.accumulateAndGet(batch.size(), Math::max);
    List<BatchRow> rows = new ArrayList<>();
    for (Job j : batch) {
      // each job ends the step its row is done, not when the whole batch is
      rows.add(new BatchRow(j.promptIds(), j.settings(), j.topLogprobs(), j::cancelled, s -> {
        generatedTokens.incrementAndGet();
        j.emit(new Job.Step(s));
      }, g -> j.emit(closed && j.cancelled() ? new Job.Failed(new IllegalStateException("the server is shutting down"))
          : new Job.Finished(g))));
    }
    try {
      if (lora == null) {
        generator.generateRows(rows);
      } else {
        try (AdapterSelection.Scope s = lora.use(batch.get(0).adapter())) {
          generator.generateRows(rows);
        }
      }
    } catch (RuntimeException e) {
      LOG.error("a batch of {} failed", batch.size(), e);
      for (Job j : batch) {
        j.emit(new Job.Failed(e)); // ignored by a job that already finished
      }
    } catch (Error e) {
      for (Job j : batch) {
        j.emit(new Job.Failed(new IllegalStateException("the engine failed: " + e, e)));
      }
      throw e;
    } finally {
      current = List.of();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      for (Job j : queue) {
        j.emit(new Job.Failed(new IllegalStateException("the server is shutting down")));
      }
      queue.clear();
      for (Job j : current) {
        j.cancel(); // the running batch ends at its next step
      }
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      worker.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Thrown by {@link #submit} when the queue is full. */
  public static final class QueueFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    QueueFullException(int capacity) {
      super(capacity + " requests are already waiting; retry later");
    }
  }

  /** Builds a {@link BatchScheduler}; {@link #build()} checks the values and starts the worker. */
  public static final class Builder {
    private LocalModel model;
    private LoraModel lora;
    private int maxBatch = DEFAULT_MAX_BATCH;
    private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
    private long batchWindowMs = DEFAULT_BATCH_WINDOW_MS;

    private Builder() {}

    /** The model to generate with (required; not closed by the scheduler). */
    public Builder model(LocalModel model) {
      this.model = model;
      return this;
    }

    /** The LoRA wrapper of the model's decoder holding the adapters; null (the default) for none. */
    public Builder lora(LoraModel lora) {
      this.lora = lora;
      return this;
    }

    /** Most rows decoded together, at least 1; default {@value #DEFAULT_MAX_BATCH}. */
    public Builder maxBatch(int maxBatch) {
      this.maxBatch = maxBatch;
      return this;
    }

    /** Most jobs waiting before {@link #submit} refuses, at least 1; default {@value #DEFAULT_QUEUE_CAPACITY}. */
    public Builder queueCapacity(int queueCapacity) {
      this.queueCapacity = queueCapacity;
      return this;
    }

    /** How long the worker waits for more jobs to join a batch, >= 0 ms; default {@value #DEFAULT_BATCH_WINDOW_MS}. */
    public Builder batchWindowMs(long batchWindowMs) {
      this.batchWindowMs = batchWindowMs;
      return this;
    }

    public BatchScheduler build() {
      Objects.requireNonNull(model, "model must be set");
      if (lora != null && lora.decoder() != model.decoder()) {
        throw new IllegalArgumentException("the LoRA model wraps another decoder than " + model.name() + "'s");
      }
      if (maxBatch < 1) {
        throw new IllegalArgumentException("maxBatch must be >= 1 but got " + maxBatch);
      }
      if (queueCapacity < 1) {
        throw new IllegalArgumentException("queueCapacity must be >= 1 but got " + queueCapacity);
      }
      if (batchWindowMs < 0) {
        throw new IllegalArgumentException("batchWindowMs must be >= 0 but got " + batchWindowMs);
      }
      return new BatchScheduler(this);
    }
  }
}
