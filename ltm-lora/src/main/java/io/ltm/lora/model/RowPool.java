package io.ltm.lora.model;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One persistent pool of {@code threads - 1} daemon workers that split an index range with the calling
 * thread: {@link #run} publishes a job of about {@link #CHUNKS_PER_THREAD} chunks per thread, and the
 * caller and every awake worker take chunks from a shared counter until none is left; it returns when
 * every chunk is done. So the caller never waits for a worker to wake up (it starts at once and a worker
 * that wakes late finds less or nothing left), and at the end waits at most for the chunks other threads
 * are still computing. Made for decode-step work (a matrix-vector product's rows, attention heads), which
 * comes in bursts of many short jobs: a hand-off is one volatile write of a small job record (no
 * {@code Future}), idle workers spin for {@link #SPIN_NANOS} and then park, so a burst reuses awake
 * workers and a pause (sampling, the user's code) leaves the cores free. Each index is computed by
 * exactly one thread, so results do not depend on the split.
 *
 * <p>Thread-safe: one job runs at a time; a thread that finds the pool busy (a second generation
 * running concurrently) runs its whole job itself rather than wait. Jobs must not call {@link #run}
 * from inside a slice (such a nested call also runs inline). Nothing to close: the workers are daemons.
 */
final class RowPool {
  /**
   * How long an idle worker (or the caller waiting for the last chunks) spins before it parks. Short: on
   * a machine with more runnable threads than cores, a thread that spins long loses its turn to the
   * scheduler (a waking sleeper is preferred).
   */
  static final long SPIN_NANOS = 30_000;
  /** Chunks per thread of one job: small enough that a thread that falls behind leaves little to wait for. */
  static final int CHUNKS_PER_THREAD = 8;

  /** The work of one slice: indices {@code [from, to)}. */
  @FunctionalInterface
  interface Slice {
    void run(int from, int to);
  }

  /** One published job: chunk {@code c} covers units {@code [units * c / chunks, units * (c + 1) / chunks)} of {@code grain} indices. */
  private static final class Job {
    final Slice slice;
    final int n;
    final int grain;
    final int units;
    final int chunks;
    final Thread caller;
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger finished = new AtomicInteger();
    volatile Throwable failure;

    Job(Slice slice, int n, int grain, int chunks, Thread caller) {
      this.slice = slice;
      this.n = n;
      this.grain = grain;
      this.units = (n + grain - 1) / grain;
      this.chunks = chunks;
      this.caller = caller;
    }

    /** Takes and runs chunks until none is left. */
    void work() {
      int c;
      while ((c = next.getAndIncrement()) < chunks) {
        try {
          int from = (int) ((long) units * c / chunks) * grain;
          int to = Math.min(n, (int) ((long) units * (c + 1) / chunks) * grain);
          if (from < to) {
            slice.run(from, to);
          }
        } catch (Throwable t) {
          if (failure == null) {
            failure = t;
          }
        } finally {
          if (finished.incrementAndGet() == chunks && Thread.currentThread() != caller) {
            LockSupport.unpark(caller);
          }
        }
      }
    }
  }

  private final int threads;
  private final Thread[] workers;
  private final ReentrantLock busy = new ReentrantLock();
  private final AtomicIntegerArray parked; // (worker) 1 while it is parked or about to park
  private volatile Job current; // the latest job; workers run each job at most once

  /** A pool that splits work over {@code threads} threads in all (the caller included). */
  RowPool(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1 but got " + threads);
    }
    this.threads = threads;
    this.workers = new Thread[threads - 1];
    this.parked = new AtomicIntegerArray(threads - 1);
    for (int i = 0; i < workers.length; i++) {
      final int slot = i;
      Thread t = new Thread(() -> work(slot), "ltm-decode-" + (slot + 1));
      t.setDaemon(true);
      workers[i] = t;
      t.start();
    }
  }

  /** Threads a job is split over, the caller included. */
  int threads() {
    return threads;
  }

  /**
   * Runs {@code slice} over {@code [0, n)} in contiguous chunks of multiples of {@code grain} indices
   * (except the last), on the calling thread and the pool's; returns when all are done.
   *
   * @throws RuntimeException what a slice threw (the first, if several did)
   */
  void run(int n, int grain, Slice slice) {
    if (n <= 0) {
      return;
    }
    int units = (n + grain - 1) / grain;
    if (threads == 1 || units <= 1 || busy.isHeldByCurrentThread() || !busy.tryLock()) {
      slice.run(0, n);
      return;
    }
    try {
      Job job = new Job(slice, n, grain, Math.min(units, threads * CHUNKS_PER_THREAD), Thread.currentThread());
      current = job; // volatile write: publishes the job
      for (int i = 0; i < workers.length; i++) {
        // a worker sets its flag before it checks for a new job once more and parks; we published the
        // job before reading the flag: either it sees the job or we see the flag and wake it
        if (parked.get(i) != 0) {
          LockSupport.unpark(workers[i]);
        }
      }
      job.work();
      if (job.finished.get() < job.chunks) { // chunks still running elsewhere: spin a little, then park
        long start = System.nanoTime();
        int spins = 0;
        while (job.finished.get() < job.chunks) {
          if ((++spins & 63) != 0 || System.nanoTime() - start < SPIN_NANOS) {
            Thread.onSpinWait();
          } else {
            LockSupport.parkNanos(this, 1_000_000); // the thread finishing the last chunk unparks us
          }
        }
      }
      Throwable f = job.failure;
      if (f != null) {
        if (f instanceof RuntimeException r) {
          throw r;
        }
        if (f instanceof Error e) {
          throw e;
        }
        throw new IllegalStateException(f);
      }
    } finally {
      busy.unlock();
    }
  }

  private void work(int slot) {
    Job last = null;
    while (true) {
      Job j = current;
      if (j == last) {
        long start = System.nanoTime();
        int spins = 0;
        while ((j = current) == last) {
          if ((++spins & 63) != 0 || System.nanoTime() - start < SPIN_NANOS) {
            Thread.onSpinWait();
          } else {
            parked.set(slot, 1);
            if (current == last) {
              LockSupport.park(this);
            }
            parked.set(slot, 0);
            start = System.nanoTime();
          }
        }
      }
      last = j;
      j.work();
    }
  }
}
