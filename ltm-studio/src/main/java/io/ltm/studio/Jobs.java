package io.ltm.studio;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running and recently finished {@link Job}s: at most {@link #MAX_RUNNING} at once (one more is
 * refused with 429), each on its own thread. A job whose stream has not attached within {@link
 * #ATTACH_TIMEOUT_S} seconds is cancelled (the page that asked for it is gone); a finished job is
 * forgotten after {@link #KEEP_FINISHED_S} seconds. Streams get a heartbeat every second, which is how
 * a closed page is noticed while a model is still prefilling. Thread-safe; close it to stop every job.
 */
final class Jobs implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Jobs.class);
  static final int MAX_RUNNING = 4;
  static final int ATTACH_TIMEOUT_S = 15;
  static final int KEEP_FINISHED_S = 120;

  /** A job's work. */
  @FunctionalInterface
  interface Body {
    void run(Job job) throws Exception;
  }

  private final ObjectMapper json;
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();
  private final AtomicInteger running = new AtomicInteger();
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "ltm-studio-job");
    t.setDaemon(true);
    return t;
  });
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ltm-studio-heartbeat");
    t.setDaemon(true);
    return t;
  });
  private final SecureRandom random = new SecureRandom();

  Jobs(ObjectMapper json) {
    this.json = json;
    ticker.scheduleWithFixedDelay(this::tick, 1, 1, TimeUnit.SECONDS);
  }

  /**
   * Starts {@code body} as a new job.
   *
   * @throws HttpError 429 when {@link #MAX_RUNNING} jobs run already
   */
  Job start(String kind, Body body) {
    if (running.incrementAndGet() > MAX_RUNNING) {
      running.decrementAndGet();
      throw new HttpError(429, "", MAX_RUNNING + " generations are running already; stop one or wait");
    }
    byte[] b = new byte[12];
    random.nextBytes(b);
    Job job = new Job(HexFormat.of().formatHex(b), kind);
    jobs.put(job.id(), job);
    workers.execute(() -> {
      try {
        body.run(job);
        job.emit("end", "{\"state\":\"done\"}");
        job.finish(Job.State.DONE, "");
      } catch (Job.Cancelled c) {
        job.emit("end", event("state", "stopped", "message", c.getMessage()));
        job.finish(Job.State.STOPPED, c.getMessage());
      } catch (Exception | Error e) {
        LOG.warn("job {} ({}) failed", job.id(), kind, e);
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        job.emit("end", event("state", "failed", "message", msg));
        job.finish(Job.State.FAILED, msg);
      } finally {
        running.decrementAndGet();
      }
    });
    return job;
  }

  /** The job, or null. */
  Job get(String id) {
    return id == null ? null : jobs.get(id);
  }

  /** Jobs running now. */
  int running() {
    return running.get();
  }

  private String event(String k1, String v1, String k2, String v2) {
    ObjectNode o = json.createObjectNode();
    o.put(k1, v1);
    o.put(k2, v2);
    return o.toString();
  }

  private void tick() {
    try {
      for (Job j : jobs.values()) {
        if (j.state() == Job.State.RUNNING) {
          if (!j.attachedOnce() && j.ageNanos() > TimeUnit.SECONDS.toNanos(ATTACH_TIMEOUT_S)) {
            j.cancel("no page is watching (the event stream never attached)");
          }
          j.heartbeat();
        } else if (j.ageNanos() > TimeUnit.SECONDS.toNanos(KEEP_FINISHED_S)) {
          jobs.remove(j.id());
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("heartbeat failed", e);
    }
  }

  @Override
  public void close() {
    jobs.values().forEach(j -> j.cancel("the studio is shutting down"));
    ticker.shutdownNow();
    workers.shutdown();
    try {
      // A cancelled job stops at its next token; a long prefill can take a while. The model is freed
      // after this returns, so wait for the generating threads rather than free weights under them.
      while (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
        LOG.warn("waiting for {} generation(s) to stop before freeing the model", running.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
