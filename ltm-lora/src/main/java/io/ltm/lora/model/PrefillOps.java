package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

/**
 * The element-wise steps of a multi-row forward on the CPU (a prefill, a scored sequence) in Java, one pass over
 * the tensors' own memory per step: RMSNorm, and Qwen3's q/k norm with RoPE written head-major for attention.
 * libtorch runs each as a chain of passes, each allocating its result (RMSNorm: square, mean, add, sqrt, div,
 * mul; RoPE: two products, a matMul by the rotate-half matrix, an add, after a transposing copy); docs/engine.md,
 * "A prefill's attention, norms and RoPE in Java". Rows are split over {@link Gemv#pool()}'s threads, which are
 * idle during a prefill.
 *
 * <p>The arithmetic is {@link RmsNorm}'s and {@link Rope#apply}'s, in the same order of operations, except the
 * order of the sum of squares (a fixed lane order here, as {@link RowOps#rmsNorm}), so results match libtorch's
 * to f32 rounding, and are bit-identical from call to call. Only for inputs no gradient flows through: the
 * results carry no graph. Loaded only when the {@code jdk.incubator.vector} module is present ({@link Gemv#AVAILABLE}).
 */
final class PrefillOps {
  private static final int ROW_GRAIN = 4; // rows per unit of work
  /** Calls since the JVM started: tests assert which path a forward took. */
  private static final LongAdder CALLS = new LongAdder();

  private PrefillOps() {}

  /**
   * RMSNorm over the last axis: {@code x [..., n]} (f32, CPU) -> {@code weight * x / sqrt(mean(x^2) + eps)}
   * {@code [..., n]} in {@code x}'s manager, as {@link RmsNorm#apply}.
   *
   * @param weight {@code [n]} f32
   */
  static NDArray rmsNorm(NDArray x, NDArray weight, float eps) {
    CALLS.increment();
    requireCpuF32(x, "x");
    float[] w = weight.toFloatArray(); // (n)
    Shape shape = x.getShape();
    int n = (int) shape.get(shape.dimension() - 1);
    int rows = (int) (shape.size() / n);
    requireLength(w, n, "RMSNorm weight");
    ByteBuffer src = RowOps.memory(x); // (rows, n)
    NDArray out = x.getManager().create(shape, DataType.FLOAT32);
    ByteBuffer dst = own(out); // (rows, n)
    Gemv.pool().run(rows, ROW_GRAIN, (from, to) -> {
      float[] row = new float[n];
      for (int r = from; r < to; r++) {
        src.asFloatBuffer().get(r * n, row); // row r, one bulk copy
        RowOps.rmsNorm(row, 0, w, row, 0, n, eps);
        RowOps.store(row, 0, dst, r * n * Float.BYTES, n);
      }
    });
    return out;
  }

  /**
   * Per head, RMSNorm over D (when {@code weight} is not null: Qwen3's q/k norm), then RoPE in HF's
   * non-interleaved layout, written head-major: {@code x [B, T, heads, D]} -> {@code [B, heads, T, D]} (f32, in
   * {@code x}'s manager), as {@code Rope.apply(RmsNorm.apply(x, weight, eps).transpose(0, 2, 1, 3), cos, sin, R)}.
   *
   * @param x {@code [B, T, heads, D]} f32 on the CPU, any strides (a view is copied to contiguous first)
   * @param weight {@code [D]} f32, or null for no norm
   * @param cos {@code [B, 1, T, D]}
   * @param sin {@code [B, 1, T, D]}
   */
  static NDArray normRotate(NDArray x, NDArray weight, float eps, NDArray cos, NDArray sin) {
    CALLS.increment();
    requireCpuF32(x, "x");
    requireCpuF32(cos, "cos");
    requireCpuF32(sin, "sin");
    float[] w = weight == null ? null : weight.toFloatArray(); // (D)
    Shape shape = x.getShape();
    int b = (int) shape.get(0);
    int t = (int) shape.get(1);
    int heads = (int) shape.get(2);
    int d = (int) shape.get(3);
    if (d % 2 != 0 || !cos.getShape().equals(new Shape(b, 1, t, d)) || !sin.getShape().equals(cos.getShape())) {
      throw new IllegalArgumentException("RoPE of x " + shape + " with cos " + cos.getShape() + " and sin "
          + sin.getShape() + ": expected cos/sin (B, 1, T, D) and an even D");
    }
    if (w != null) {
      requireLength(w, d, "q/k norm weight");
    }
    ByteBuffer src = RowOps.memory(x); // (B, T, heads, D)
    ByteBuffer cosMem = RowOps.memory(cos); // (B, T, D)
    ByteBuffer sinMem = RowOps.memory(sin); // (B, T, D)
    NDArray out = x.getManager().create(new Shape(b, heads, t, d), DataType.FLOAT32);
    ByteBuffer dst = own(out); // (B, heads, T, D)
    int width = heads * d;
    Gemv.pool().run(b * t, ROW_GRAIN, (from, to) -> {
      float[] row = new float[width]; // (heads, D)
      float[] c = new float[d];
      float[] s = new float[d];
      for (int r = from; r < to; r++) { // r = batch row * T + position
        src.asFloatBuffer().get(r * width, row);
        cosMem.asFloatBuffer().get(r * d, c);
        sinMem.asFloatBuffer().get(r * d, s);
        int bi = r / t;
        int ti = r % t;
        for (int h = 0; h < heads; h++) {
          int off = h * d;
          if (w != null) {
            RowOps.rmsNorm(row, off, w, row, off, d, eps);
          }
          RowOps.rotate(row, off, d / 2, c, s, d / 2); // c, s: (D), both halves
          RowOps.store(row, off, dst, (((bi * heads + h) * t) + ti) * d * Float.BYTES, d);
        }
      }
    });
    return out;
  }

  /** Throws unless {@code x} is f32 on the CPU, the only layout these kernels read. */
  static void requireCpuF32(NDArray x, String what) {
    if (!RowOps.isCpuF32(x)) {
      throw new IllegalArgumentException(what + " " + x.getShape() + " is " + x.getDataType() + " on " + x.getDevice()
          + ": the Java kernels read f32 on the CPU");
    }
  }

  private static void requireLength(float[] w, int n, String what) {
    if (w.length != n) {
      throw new IllegalArgumentException(what + " has " + w.length + " elements for rows of " + n);
    }
  }

  /** {@code out}'s own memory (a new contiguous f32 CPU array) as a native-order buffer to write its elements to. */
  static ByteBuffer own(NDArray out) {
    ByteBuffer b = RowOps.memory(out);
    if (!b.isDirect() || b.capacity() != out.getShape().size() * Float.BYTES) {
      throw new IllegalStateException("libtorch did not hand out the memory of a new " + out.getShape()
          + " array; run with -Dltm.fused=off and report this");
    }
    return b;
  }

  /** Calls of either kernel so far, all threads. */
  static long calls() {
    return CALLS.sum();
  }
}
