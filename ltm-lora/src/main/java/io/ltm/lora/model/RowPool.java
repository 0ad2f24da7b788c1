package io.ltm.lora.model;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One persistent pool of {@code threads - 1} daemon workers that split an index range with the calling
 * thread: {@link #run} hands each worker one slice, works on the first slice itself and returns when
 * every slice is done. Made for decode-step work (a matrix-vector product's rows, attention heads),
 * which comes in bursts of many short jobs: a hand-off costs one volatile write (no task object, no
 * {@code Future}), idle workers spin for {@link #SPIN_NANOS} and then park, so a burst reuses awake
 * workers and a pause (sampling, the user's code) leaves the cores free.
 *
 * <p>Thread-safe: one job runs at a time; a thread that finds the pool busy (a second generation
 * running concurrently) runs its whole job itself rather than wait. Jobs must not call {@link #run}
 * from inside a slice (such a nested call also runs inline). Nothing to close: the workers are daemons.
 */
final class RowPool {
  /**
   * How long an idle worker (or the caller waiting for the workers) spins before it parks. Short: on a
   * machine with more runnable threads than cores, a thread that spins long loses its turn to the
   * scheduler (a waking sleeper is preferred), and the step then waits a whole time slice for it.
   */
  static final long SPIN_NANOS = 30_000;

  /** The work of one slice: indices {@code [from, to)}. */
  @FunctionalInterface
  interface Slice {
    void run(int from, int to);
  }

  private final int threads;
  private final Thread[] workers;
  private final ReentrantLock busy = new ReentrantLock();
  private final AtomicInteger pending = new AtomicInteger();
  private volatile long generation; // bumped once per job
  private final AtomicIntegerArray parked; // (worker) 1 while it is parked or about to park
  // the current job; written before generation is bumped, read after workers see the bump
  private Slice job;
  private int[] bounds; // (threads + 1) slice boundaries
  private volatile Throwable failure;
  private volatile Thread waiter; // the caller, parked until the last worker finishes

  /** A pool that splits work over {@code threads} threads in all (the caller included). */
  RowPool(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1 but got " + threads);
    }
    this.threads = threads;
    this.workers = new Thread[threads - 1];
    this.parked = new AtomicIntegerArray(threads - 1);
    for (int i = 0; i < workers.length; i++) {
      final int slot = i + 1;
      Thread t = new Thread(() -> work(slot), "ltm-decode-" + slot);
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
   * Runs {@code slice} over {@code [0, n)} split into at most {@link #threads} contiguous parts of
   * multiples of {@code grain} indices (except the last); returns when all are done.
   *
   * @throws RuntimeException what a slice threw (the first, if several did)
   */
  void run(int n, int grain, Slice slice) {
    if (n <= 0) {
      return;
    }
    int parts = Math.min(threads, (n + grain - 1) / grain);
    if (parts <= 1 || busy.isHeldByCurrentThread() || !busy.tryLock()) {
      slice.run(0, n);
      return;
    }
    try {
      int units = (n + grain - 1) / grain;
      int[] b = new int[threads + 1];
      for (int i = 0; i <= threads; i++) {
        b[i] = i >= parts ? n : Math.min(n, (int) ((long) units * i / parts) * grain);
      }
      job = slice;
      bounds = b;
      failure = null;
      pending.set(threads - 1);
      generation++; // volatile write: publishes job and bounds to the workers
      for (int i = 0; i < workers.length; i++) {
        // a worker sets its flag before it checks the generation once more and parks; we bumped the
        // generation before reading the flag: either it sees the new job or we see the flag and wake it
        if (parked.get(i) != 0) {
          LockSupport.unpark(workers[i]);
        }
      }
      slice.run(b[0], b[1]);
      if (pending.get() > 0) { // the workers' slices are about as long as ours: spin a little, then park
        waiter = Thread.currentThread();
        long start = System.nanoTime();
        int spins = 0;
        while (pending.get() > 0) {
          if ((++spins & 63) != 0 || System.nanoTime() - start < SPIN_NANOS) {
            Thread.onSpinWait();
          } else {
            LockSupport.parkNanos(this, 1_000_000); // the last worker unparks us; the timeout is a safety net
          }
        }
        waiter = null;
      }
      job = null;
      Throwable f = failure;
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
    long seen = 0;
    while (true) {
      long g = generation;
      if (g == seen) {
        long start = System.nanoTime();
        int spins = 0;
        while ((g = generation) == seen) {
          if ((++spins & 63) != 0 || System.nanoTime() - start < SPIN_NANOS) {
            Thread.onSpinWait();
          } else {
            parked.set(slot - 1, 1);
            if (generation == seen) {
              LockSupport.park(this);
            }
            parked.set(slot - 1, 0);
            start = System.nanoTime();
          }
        }
      }
      seen = g;
      int[] b = bounds;
      Slice s = job;
      try {
        if (b[slot] < b[slot + 1]) {
          s.run(b[slot], b[slot + 1]);
        }
      } catch (Throwable t) {
        if (failure == null) {
          failure = t;
        }
      } finally {
        if (pending.decrementAndGet() == 0) {
          Thread w = waiter;
          if (w != null) {
            LockSupport.unpark(w);
          }
        }
      }
    }
  }
}
