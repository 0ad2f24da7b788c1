package io.ltm.lora.model;

import io.ltm.lora.io.HalfFloats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The small per-row kernels of {@link RowDecoder} (norms, dot products, the f16 cache's stores and dot products,
 * SwiGLU's activation; attention over the cache is {@link RowAttention}), written with the JDK's Vector API over
 * Java arrays and the KV cache's direct buffers. Only loaded when the {@code jdk.incubator.vector} module is present (as
 * {@link VectorGemv}). Every reduction sums its lanes in a fixed order, so a result is bit-identical
 * from call to call, JIT-compiled or not. Stateless and thread-safe.
 */
final class RowOps {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  private RowOps() {}

  /** Whether {@code x} is f32 on the CPU (so {@link #memory} can read it). */
  static boolean isCpuF32(ai.djl.ndarray.NDArray x) {
    return x.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32 && ai.djl.Device.cpu().equals(x.getDevice());
  }

  /**
   * {@code x}'s elements (f32 on the CPU, row-major) as a native-order buffer: its own memory when
   * contiguous, else a contiguous copy.
   */
  static ByteBuffer memory(ai.djl.ndarray.NDArray x) {
    return x.toByteBuffer(true).order(NATIVE);
  }


  /**
   * RMSNorm of {@code x[xOff .. xOff+n)} into {@code out[outOff ..]}: {@code w * (x / sqrt(mean(x^2) + eps))},
   * in that order of operations, as {@link RmsNorm}.
   */
  static void rmsNorm(float[] x, int xOff, float[] w, float[] out, int outOff, int n, float eps) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (; i <= n - F.length(); i += F.length()) {
      FloatVector v = FloatVector.fromArray(F, x, xOff + i);
      acc = v.fma(v, acc);
    }
    float[] lanes = new float[F.length()];
    acc.intoArray(lanes, 0); // summed lane 0 first, not by reduceLanes, whose order varies (VectorGemv.sumLanes)
    float ss = VectorGemv.sumLanes(lanes);
    for (; i < n; i++) {
      ss += x[xOff + i] * x[xOff + i];
    }
    float d = (float) Math.sqrt(ss / n + eps);
    i = 0;
    for (; i <= n - F.length(); i += F.length()) {
      FloatVector.fromArray(F, x, xOff + i).div(d).mul(FloatVector.fromArray(F, w, i)).intoArray(out, outOff + i);
    }
    for (; i < n; i++) {
      out[outOff + i] = x[xOff + i] / d * w[i];
    }
  }

  /**
   * RoPE in HF's non-interleaved layout on one head, in place: {@code x[off .. off+D) = x cos + rotate_half(x) sin},
   * {@code rotate_half(x) = cat(-x2, x1)}, each element as {@link Rope#apply} computes it:
   * {@code x_j cos_j + (-x_{j+half}) sin_j}, then {@code x_{j+half} cos_{j+half} + x_j sin_{j+half}}, where the
   * second half's angles are {@code cos[second + j]}, {@code sin[second + j]}: {@code second = half} for cos/sin
   * rows of {@code D} (as {@link Rope#cosSin} repeats them), 0 for the {@code D/2} angles of {@link Rope#angles}.
   */
  static void rotate(float[] x, int off, int half, float[] cos, float[] sin, int second) {
    int j = 0;
    for (; j <= half - F.length(); j += F.length()) {
      FloatVector x1 = FloatVector.fromArray(F, x, off + j);
      FloatVector x2 = FloatVector.fromArray(F, x, off + half + j);
      x1.mul(FloatVector.fromArray(F, cos, j)).add(x2.neg().mul(FloatVector.fromArray(F, sin, j)))
          .intoArray(x, off + j);
      x2.mul(FloatVector.fromArray(F, cos, second + j)).add(x1.mul(FloatVector.fromArray(F, sin, second + j)))
          .intoArray(x, off + half + j);
    }
    for (; j < half; j++) {
      float x1 = x[off + j];
      float x2 = x[off + half + j];
      x[off + j] = x1 * cos[j] + -x2 * sin[j];
      x[off + half + j] = x2 * cos[second + j] + x1 * sin[second + j];
    }
  }

  /** {@code q[qOff .. qOff+n) . k[kByte ..]} with {@code k} native-order f32 at byte offset {@code kByte}. */
  static float dot(float[] q, int qOff, ByteBuffer k, int kByte, int n) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (; i <= n - F.length(); i += F.length()) {
      acc = FloatVector.fromByteBuffer(F, k, kByte + i * Float.BYTES, NATIVE)
          .fma(FloatVector.fromArray(F, q, qOff + i), acc);
    }
    float[] lanes = new float[F.length()];
    acc.intoArray(lanes, 0);
    float s = VectorGemv.sumLanes(lanes);
    for (; i < n; i++) {
      s += q[qOff + i] * k.getFloat(kByte + i * Float.BYTES);
    }
    return s;
  }

  /** Writes {@code x[xOff .. xOff+n)} to {@code dst} at byte offset {@code dstByte} (native order f32). */
  static void store(float[] x, int xOff, ByteBuffer dst, int dstByte, int n) {
    int i = 0;
    for (; i <= n - F.length(); i += F.length()) {
      FloatVector.fromArray(F, x, xOff + i).intoByteBuffer(dst, dstByte + i * Float.BYTES, NATIVE);
    }
    for (; i < n; i++) {
      dst.putFloat(dstByte + i * Float.BYTES, x[xOff + i]);
    }
  }

  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  /** 2^112: an f16's exponent and mantissa, moved into an f32's fields, times this is the f16's value. */
  private static final float HALF_SCALE = 0x1p112f;
  /** Whether an f16 pair's low int half holds the even element (little-endian). */
  private static final boolean LOW_IS_EVEN = NATIVE == ByteOrder.LITTLE_ENDIAN;

  /**
   * Splits {@code q[qOff .. qOff+n)} ({@code n} even) into the elements a 16-bit pair's low and high int halves
   * meet ({@code low}, {@code high}, {@code n/2} each): the even and odd elements on a little-endian CPU. Used by
   * the f16 cache's kernels here and by {@link VectorGemv#multiplyBf16} for its x.
   */
  static void splitPairs(float[] q, int qOff, float[] low, float[] high, int n) {
    int lowColumn = LOW_IS_EVEN ? 0 : 1;
    for (int k = 0; k < n / 2; k++) {
      low[k] = q[qOff + 2 * k + lowColumn];
      high[k] = q[qOff + 2 * k + 1 - lowColumn];
    }
  }

  /** The inverse of {@link #splitPairs}: {@code out[outOff + ...] = } the interleaved {@code low} and {@code high}. */
  static void joinPairs(float[] low, float[] high, float[] out, int outOff, int n) {
    int lowColumn = LOW_IS_EVEN ? 0 : 1;
    for (int k = 0; k < n / 2; k++) {
      out[outOff + 2 * k + lowColumn] = low[k];
      out[outOff + 2 * k + 1 - lowColumn] = high[k];
    }
  }

  /*
   * The f16 kernels below widen an int lane's two f16 halves to f32 in registers: the sign moved across, the
   * exponent and mantissa placed in an f32's fields and scaled by 2^112, exact for zeros, subnormals and normals
   * (an f16 infinity or NaN, which the cache never holds for finite input, would read as a large finite value).
   * Written out in each method body, not in a helper: JDK 17's JIT does not always inline a helper that returns
   * a vector, and then boxes every vector (KvCacheBench, 2048 cached columns: decode 1.53x the f32 cache's time with
   * a widening helper, 0.88x written out).
   */

  /**
   * {@code q . k} with {@code k} {@code n} (even) f16 values at byte offset {@code kByte} and {@code q} given
   * as {@link #splitPairs}' halves; each f16 widened exactly, the products summed in f32.
   */
  static float dotHalf(float[] qLow, float[] qHigh, ByteBuffer k, int kByte, int n) {
    final int lanes = I.length();
    final int pairs = n / 2;
    FloatVector a0 = FloatVector.zero(F);
    FloatVector a1 = a0;
    int p = 0;
    for (; p <= pairs - lanes; p += lanes) {
      IntVector v = IntVector.fromByteBuffer(I, k, kByte + p * 4, NATIVE);
      IntVector lo = v.and(0xFFFF);
      IntVector hi = v.lanewise(VectorOperators.LSHR, 16);
      FloatVector fl = lo.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(HALF_SCALE)
          .reinterpretAsInts().or(lo.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
      FloatVector fh = hi.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(HALF_SCALE)
          .reinterpretAsInts().or(hi.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
      a0 = fl.fma(FloatVector.fromArray(F, qLow, p), a0);
      a1 = fh.fma(FloatVector.fromArray(F, qHigh, p), a1);
    }
    float[] sums = new float[F.length()];
    a0.add(a1).intoArray(sums, 0);
    float s = VectorGemv.sumLanes(sums);
    for (; p < pairs; p++) {
      int lo = LOW_IS_EVEN ? 0 : 2;
      s += qLow[p] * HalfFloats.fromF16(k.getShort(kByte + p * 4 + lo))
          + qHigh[p] * HalfFloats.fromF16(k.getShort(kByte + p * 4 + 2 - lo));
    }
    return s;
  }

  /** Writes {@code x[xOff .. xOff+n)} to {@code dst} at byte offset {@code dstByte} as f16, rounded to nearest even. */
  static void storeHalf(float[] x, int xOff, ByteBuffer dst, int dstByte, int n) {
    for (int i = 0; i < n; i++) {
      dst.putShort(dstByte + i * 2, HalfFloats.toF16(x[xOff + i]));
    }
  }

  /**
   * SwiGLU's activation {@code out[i] = silu(g[i]) * u[i] = g / (1 + exp(-g)) * u} with
   * {@code g = gu[i]}, {@code u = gu[n + i]} ({@code gu} is the fused gate/up output {@code [2n]}).
   * Scalar {@code Math.exp}: the same bits interpreted or compiled (the Vector API's EXP is not).
   */
  static void siluMul(float[] gu, float[] out, int n) {
    for (int i = 0; i < n; i++) {
      float g = gu[i];
      out[i] = g / (1f + (float) Math.exp(-g)) * gu[n + i];
    }
  }
}
