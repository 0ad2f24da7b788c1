package io.ltm.lora.model;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;

/**
 * While open, libtorch runs the calling thread's operations on one intra-op thread; closing restores
 * the previous count. For single-row decoding on the CPU: a decode step is about 1700 tiny operations
 * (norms, RoPE, attention over the cache, residuals) between the matrix-vector products, and with
 * several intra-op threads each of them pays for waking and joining the others, while the part that
 * does scale with threads, streaming the weights, runs in {@link LinearProjection}'s Java kernel on its
 * own threads. libtorch's thread count is per calling thread, so other threads (a prefill elsewhere,
 * training) keep theirs.
 *
 * <p>A no-op unless the Java kernel is on, the device is the CPU and libtorch uses more than one thread
 * here. Use in try-with-resources on the decoding thread.
 */
public final class DecodeThreads implements AutoCloseable {
  private final int previous; // 0: nothing changed

  private DecodeThreads(int previous) {
    this.previous = previous;
  }

  /**
   * Switches this thread's libtorch operations to one thread if that helps decoding {@code rows} rows
   * on {@code device}: only a single row is decoded through the Java kernel.
   */
  public static DecodeThreads enter(Device device, int rows) {
    if (rows != 1 || !Gemv.enabled() || !Device.cpu().equals(device)) {
      return new DecodeThreads(0);
    }
    int n = JniUtils.getNumThreads();
    if (n <= 1) {
      return new DecodeThreads(0);
    }
    JniUtils.setNumThreads(1);
    return new DecodeThreads(n);
  }

  @Override
  public void close() {
    if (previous > 0) {
      JniUtils.setNumThreads(previous);
    }
  }
}
