package io.ltm.lora.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The small per-row kernels of {@link RowDecoder} (norms, dot products with cached keys, weighted sums
 * of cached values, SwiGLU's activation), written with the JDK's Vector API over Java arrays and the KV
 * cache's direct buffers. Only loaded when the {@code jdk.incubator.vector} module is present (as
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

  /** The sum of {@code v}'s lanes, lane 0 first (not {@code reduceLanes}, whose order varies). */
  private static float sum(FloatVector v) {
    return VectorGemv.sumLanes(v, new float[F.length()]);
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
    float ss = sum(acc);
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

  /** {@code q[qOff .. qOff+n) . k[kByte ..]} with {@code k} native-order f32 at byte offset {@code kByte}. */
  static float dot(float[] q, int qOff, ByteBuffer k, int kByte, int n) {
    FloatVector acc = FloatVector.zero(F);
    int i = 0;
    for (; i <= n - F.length(); i += F.length()) {
      acc = FloatVector.fromByteBuffer(F, k, kByte + i * Float.BYTES, NATIVE)
          .fma(FloatVector.fromArray(F, q, qOff + i), acc);
    }
    float s = sum(acc);
    for (; i < n; i++) {
      s += q[qOff + i] * k.getFloat(kByte + i * Float.BYTES);
    }
    return s;
  }

  /** {@code out[outOff .. outOff+n) += a * v[vByte ..]} with {@code v} native-order f32 at byte offset {@code vByte}. */
  static void axpy(float a, ByteBuffer v, int vByte, float[] out, int outOff, int n) {
    FloatVector av = FloatVector.broadcast(F, a);
    int i = 0;
    for (; i <= n - F.length(); i += F.length()) {
      FloatVector.fromByteBuffer(F, v, vByte + i * Float.BYTES, NATIVE)
          .fma(av, FloatVector.fromArray(F, out, outOff + i)).intoArray(out, outOff + i);
    }
    for (; i < n; i++) {
      out[outOff + i] += a * v.getFloat(vByte + i * Float.BYTES);
    }
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
