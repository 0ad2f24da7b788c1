package io.ltm.lora.model;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;

/**
 * While open, libtorch runs the calling thread's operations on one intra-op thread; closing restores
 * the previous count. For single-row decoding on the CPU: a decode step is about 1700 tiny operations
 * (norms, RoPE, attention over the cache, residuals) between the matrix-vector products, and with
 * several intra-op threads each of them pays for waking and joining the others, while the part that
 * does scale with threads, streaming the weights, runs in {@link LinearProjection}'s Java kernel on its
 * own threads. Only the calling thread changes: libtorch's {@code set_num_threads} also stores the count
 * as the default that threads adopt when they first run a parallel op, so {@link #enter} puts that
 * default back at once from a short-lived thread; other threads (a prefill elsewhere, training, threads
 * started during the decode) keep their own count.
 *
 * <p>A single row over a CPU cache normally decodes in Java ({@link Decoder#useRowDecoder}), with no
 * libtorch operations per step; this matters for the libtorch layer path (the row path switched off, or
 * a projection wrapper it cannot run).
 *
 * <p>A no-op unless the Java kernel is on and applies (one row, f32 weights on the CPU) and libtorch uses
 * more than one thread here. Use in try-with-resources on the decoding thread.
 */
public final class DecodeThreads implements AutoCloseable {
  private final int previous; // 0: nothing changed

  private DecodeThreads(int previous) {
    this.previous = previous;
  }

  /**
   * Switches this thread's libtorch operations to one thread if that helps decoding {@code rows} rows
   * with {@code decoder}: only a single row over f32 or bf16 weights on the CPU goes through the Java kernel;
   * otherwise libtorch computes the projections and needs its threads.
   */
  public static DecodeThreads enter(Decoder decoder, int rows) {
    if (rows != 1 || !Gemv.enabled() || !Device.cpu().equals(decoder.device())
        || decoder.weights().lmHead().kernel() == null) {
      return new DecodeThreads(0);
    }
    int n = oneThreadHere();
    return new DecodeThreads(n > 1 ? n : 0);
  }

  /**
   * Sets libtorch's intra-op threads to one on the calling thread only, and returns the count it had (one:
   * nothing changed; the interrupted caller gets its count back and one is returned).
   */
  static int oneThreadHere() {
    int n = JniUtils.getNumThreads();
    if (n <= 1) {
      return n;
    }
    JniUtils.setNumThreads(1); // this thread's OpenMP and MKL count, and libtorch's default for new threads
    Thread restore = new Thread(() -> JniUtils.setNumThreads(n), "ltm-decode-threads");
    restore.start(); // the default back to n (that thread's own count is then n too, and it ends)
    try {
      restore.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      JniUtils.setNumThreads(n);
      return 1;
    }
    return n;
  }

  @Override
  public void close() {
    if (previous > 0) {
      JniUtils.setNumThreads(previous);
    }
  }
}
