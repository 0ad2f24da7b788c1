package io.ltm.lora.model;

import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/**
 * Runs a mixture-of-experts layer's experts side by side on the CPU, one libtorch thread each. An expert's
 * SwiGLU over the few rows routed to it (16 per expert for 256 tokens of Qwen3-30B-A3B) is three small
 * matMuls that libtorch's intra-op threads barely speed up, so with two threads a prefill's expert part
 * ran at the speed of one; here each worker computes whole experts on one thread of its own, in parallel.
 * Used only for inference (no autograd graph is built from several threads) over the checkpoint's own
 * expert projections (a LoRA reads its adapter choice, training mode and dropout from the calling thread)
 * with at least two intra-op threads on the calling thread; the workers are daemon threads started once,
 * as many as that count.
 * Each expert is computed by exactly one thread with the same single-threaded kernels whatever the split,
 * so a result does not depend on the number of workers beyond what one-thread libtorch gives.
 */
final class ExpertThreads {
  private static volatile ExecutorService pool;
  private static int poolSize;
  private static final AtomicLong LAYERS = new AtomicLong();

  private ExpertThreads() {}

  /** The workers to use from the calling thread: its libtorch intra-op count (1: run serially). */
  static int available() {
    return JniUtils.getNumThreads();
  }

  /**
   * Calls {@code expert} for each {@code j} in {@code [0, experts)} with {@code rows[j+1] > rows[j]} (those
   * with tokens; {@code rows} as the MoE block's counting sort leaves them, {@code [experts + 1]}), split
   * into {@code threads} groups of consecutive experts with about equal rows, each group on one worker;
   * returns when all are done and rethrows the first failure.
   */
  static void forEachExpert(int[] rows, int experts, int threads, IntConsumer expert) {
    LAYERS.incrementAndGet();
    ExecutorService p = pool(threads);
    long total = rows[experts] - rows[0];
    CountDownLatch done = new CountDownLatch(threads);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    int from = 0;
    for (int g = 0; g < threads; g++) {
      long target = rows[0] + total * (g + 1) / threads; // this group ends where the rows reach target
      int to = from;
      while (to < experts && (g == threads - 1 || rows[to + 1] <= target)) {
        to++;
      }
      final int a = from;
      final int b = to;
      p.execute(() -> {
        try {
          for (int j = a; j < b && failure.get() == null; j++) {
            if (rows[j + 1] > rows[j]) {
              expert.accept(j);
            }
          }
        } catch (Throwable t) {
          failure.compareAndSet(null, t);
        } finally {
          done.countDown();
        }
      });
      from = to;
    }
    try {
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the experts ran", e);
    }
    Throwable t = failure.get();
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error err) {
      throw err;
    }
    if (t != null) {
      throw new IllegalStateException(t);
    }
  }

  /** How many layers have run their experts side by side in this JVM (for tests). */
  static long layersRun() {
    return LAYERS.get();
  }

  private static synchronized ExecutorService pool(int threads) {
    if (pool == null || poolSize < threads) {
      ExecutorService old = pool;
      int[] id = {0};
      pool = Executors.newFixedThreadPool(threads, r -> {
        Thread t = new Thread(() -> {
          DecodeThreads.oneThreadHere(); // this worker's libtorch ops on one thread; others keep theirs
          JniUtils.setGradMode(false); // inference only: on by default in a new thread, it would record graphs
          r.run();
        }, "ltm-experts-" + id[0]++);
        t.setDaemon(true);
        return t;
      });
      poolSize = threads;
      if (old != null) {
        old.shutdown();
      }
    }
    return pool;
  }
}
