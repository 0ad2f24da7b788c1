package io.ltm.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ltm.lora.model.LinearProjection;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One decode row through a frozen f32 projection: the Java Vector API GEMV ({@link LinearProjection}
 * with the kernel on) against libtorch's {@code linear} (kernel off), on the same weight, with the
 * read-only stream limit of that weight ({@code sum()} in libtorch) measured beside them. Shapes are
 * Qwen3-0.6B's MLP up/gate ({@code 3072x1024}), down ({@code 1024x3072}) and a 64 MB matrix that no
 * cache holds ({@code 16384x1024}). GB/s = weight bytes / time.
 *
 * <p>Threads: the kernel uses {@code ai.djl.pytorch.num_threads} like libtorch; pass the same to both
 * ({@code -jvmArgsAppend -Dai.djl.pytorch.num_threads=1}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class GemvJmh {
  @Param({"3072x1024", "1024x3072", "16384x1024"})
  public String shape;

  private NDManager manager;
  private NDArray weight; // (out, in)
  private LinearProjection projection;
  private float[] x; // (in)
  private int in;

  @Setup(Level.Trial)
  public void setUp() {
    String[] d = shape.split("x");
    int out = Integer.parseInt(d[0]);
    in = Integer.parseInt(d[1]);
    SplittableRandom rnd = new SplittableRandom(1);
    float[] w = new float[out * in];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (rnd.nextDouble() - 0.5);
    }
    x = new float[in];
    for (int i = 0; i < in; i++) {
      x[i] = (float) (rnd.nextDouble() - 0.5);
    }
    manager = NDManager.newBaseManager();
    weight = manager.create(w, new Shape(out, in));
    projection = new LinearProjection("bench", weight, null);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    LinearProjection.useJavaGemv(true);
    manager.close();
  }

  private float project(boolean java) {
    if (LinearProjection.useJavaGemv(java) != java) {
      throw new IllegalStateException("the Java GEMV is unavailable: run with --add-modules jdk.incubator.vector");
    }
    try (NDManager step = manager.newSubManager()) {
      NDArray y = projection.apply(step.create(x, new Shape(1, in))); // (1, out)
      return y.getFloat(0, 0);
    }
  }

  /** The Java Vector API kernel, as decoding uses it. */
  @Benchmark
  public float javaGemv() {
    return project(true);
  }

  /** libtorch's {@code linear} on the same row and weight (the peer). */
  @Benchmark
  public float libtorchLinear() {
    return project(false);
  }

  /** Limit: libtorch reading every weight once ({@code sum()}), no multiply. */
  @Benchmark
  public float streamLimit() {
    try (NDArray s = weight.sum()) { // a scalar, freed at once
      return s.getFloat();
    }
  }
}
