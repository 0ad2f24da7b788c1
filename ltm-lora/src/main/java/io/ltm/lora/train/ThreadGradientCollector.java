package io.ltm.lora.train;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;

/**
 * A gradient collector confined to the calling thread, for the PyTorch engine: it turns autograd's
 * (thread-local) grad mode on until closed, then restores it, and {@link #backward} back-propagates from a
 * target with a gradient of ones, exactly as DJL's {@code PtGradientCollector} does. Unlike DJL's, of
 * which only one may be open in the whole JVM at a time (a static flag), each thread may hold its own, so
 * the data-parallel replicas of {@link LoraTrainer} run their forward and backward passes concurrently.
 * libtorch supports concurrent backward passes over disjoint graphs; gradients accumulate into each
 * parameter's own {@code .grad} as with DJL's collector.
 *
 * <p>Use it in try-with-resources on one thread; not thread-safe itself. {@link #zeroGradients()} is not
 * supported (it would clear every array of the engine): use {@link Gradients#zero}.
 */
public final class ThreadGradientCollector implements GradientCollector {

  private final boolean previous;

  /** Turns grad mode on for this thread until {@link #close()}. */
  public ThreadGradientCollector() {
    this.previous = JniUtils.isGradMode();
    JniUtils.setGradMode(true);
    io.ltm.lora.model.Autograd.begin(); // single-row projections stay in libtorch (see LinearProjection)
  }

  /**
   * Back-propagates from {@code target} (a gradient of ones), accumulating into the gradients of the
   * arrays that require them.
   *
   * @param target the array to differentiate, typically a scalar loss (a PyTorch-engine array)
   */
  @Override
  public void backward(NDArray target) {
    try (NDArray ones = target.onesLike()) {
      JniUtils.backward((PtNDArray) target, (PtNDArray) ones, false, false);
    }
  }

  /** @throws UnsupportedOperationException always: zero the parameters' gradients with {@link Gradients#zero} */
  @Override
  public void zeroGradients() {
    throw new UnsupportedOperationException("zero the trained parameters' gradients with Gradients.zero(params)");
  }

  /** Restores this thread's previous grad mode. */
  @Override
  public void close() {
    io.ltm.lora.model.Autograd.end();
    JniUtils.setGradMode(previous);
  }
}
