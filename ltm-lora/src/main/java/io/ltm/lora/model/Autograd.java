package io.ltm.lora.model;

/**
 * Whether the calling thread is recording a graph for backpropagation: true between the opening and the
 * closing of ltm's gradient collector ({@code io.ltm.lora.train.ThreadGradientCollector}) on this thread.
 * {@link LinearProjection} keeps a single-row input in libtorch while it is (the Java GEMV's result would
 * cut the graph), and streams it through the Java GEMV otherwise.
 *
 * <p>libtorch's own grad mode cannot tell: it is on by default in every thread but the one that started
 * the engine, whether or not anything is trained there. Thread-confined state; nothing to close.
 */
public final class Autograd {
  private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  private Autograd() {}

  /** True while a gradient collector is open on this thread. */
  public static boolean recording() {
    return DEPTH.get()[0] > 0;
  }

  /**
   * Whether libtorch records no graph on this thread: no collector open and libtorch's grad mode off (a DJL
   * gradient collector turns it on; so does a new thread, by default). For the fused kernels
   * ({@link TorchKernels}), whose results carry no graph: where nothing is recorded they lose nothing. (Asking
   * an intermediate array's {@code requires_grad} through DJL answered false under a collector, so the mode
   * is what is asked.)
   */
  static boolean off() {
    return !recording() && !ai.djl.pytorch.jni.JniUtils.isGradMode();
  }

  /**
   * Runs {@code body} with libtorch's grad mode off on this thread, restoring it after: for inference (generation,
   * scoring), which then records no graph and may use the fused kernels. Inside a collector it runs as is.
   */
  public static <T> T inference(java.util.function.Supplier<T> body) {
    if (recording()) {
      return body.get();
    }
    boolean previous = ai.djl.pytorch.jni.JniUtils.isGradMode();
    ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    try {
      return body.get();
    } finally {
      ai.djl.pytorch.jni.JniUtils.setGradMode(previous);
    }
  }

  /** Marks the start of recording on this thread (a collector opens); pair with {@link #end}. */
  public static void begin() {
    DEPTH.get()[0]++;
  }

  /** Marks the end of recording on this thread (a collector closes). */
  public static void end() {
    int[] d = DEPTH.get();
    if (d[0] > 0) {
      d[0]--;
    }
  }
}
