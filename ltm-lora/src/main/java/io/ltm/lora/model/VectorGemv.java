package io.ltm.lora.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The f32, bf16 and f16 matrix-vector kernels behind {@link Gemv}, written with the JDK's Vector API (SIMD FMAs at
 * the CPU's widest vector). Only {@link Gemv} loads this class, and only when the
 * {@code jdk.incubator.vector} module is present, so that the rest of the engine runs without it.
 */
final class VectorGemv {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED; // as many lanes as F
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  private VectorGemv() {}

  /**
   * {@code y[yOffset + r] = dot(W[r, :], x)} for the rows {@code r} in {@code [from, to)} of
   * {@code W [rows, cols]} stored row-major as native-order f32 in {@code w}
   * (whose own byte order must be native too).
   */
  static void multiply(ByteBuffer w, int cols, float[] x, float[] y, int yOffset, int from, int to) {
    final int lanes = F.length();
    final int rowBytes = cols * Float.BYTES;
    final float[] lanesOut = new float[lanes];
    int r = from;
    // eight rows at a time, one accumulator each: eight weight streams in flight (over the 151936 x 1024
    // matrix here: 12.2-12.7 GB/s against 11.2-11.7 for four rows and 8.7-9.7 for one row with four
    // accumulators), each x vector loaded once for eight rows, eight independent FMA chains to hide
    // the FMA latency; each weight byte is read once
    for (; r <= to - 8; r += 8) {
      final int b = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      int c = 0;
      for (; c <= cols - lanes; c += lanes) {
        FloatVector xv = FloatVector.fromArray(F, x, c);
        int o = b + c * Float.BYTES;
        a0 = FloatVector.fromByteBuffer(F, w, o, NATIVE).fma(xv, a0);
        a1 = FloatVector.fromByteBuffer(F, w, o + rowBytes, NATIVE).fma(xv, a1);
        a2 = FloatVector.fromByteBuffer(F, w, o + 2 * rowBytes, NATIVE).fma(xv, a2);
        a3 = FloatVector.fromByteBuffer(F, w, o + 3 * rowBytes, NATIVE).fma(xv, a3);
        a4 = FloatVector.fromByteBuffer(F, w, o + 4 * rowBytes, NATIVE).fma(xv, a4);
        a5 = FloatVector.fromByteBuffer(F, w, o + 5 * rowBytes, NATIVE).fma(xv, a5);
        a6 = FloatVector.fromByteBuffer(F, w, o + 6 * rowBytes, NATIVE).fma(xv, a6);
        a7 = FloatVector.fromByteBuffer(F, w, o + 7 * rowBytes, NATIVE).fma(xv, a7);
      }
      int yr = yOffset + r;
      y[yr] = finish(a0, lanesOut, w, b, x, c, cols);
      y[yr + 1] = finish(a1, lanesOut, w, b + rowBytes, x, c, cols);
      y[yr + 2] = finish(a2, lanesOut, w, b + 2 * rowBytes, x, c, cols);
      y[yr + 3] = finish(a3, lanesOut, w, b + 3 * rowBytes, x, c, cols);
      y[yr + 4] = finish(a4, lanesOut, w, b + 4 * rowBytes, x, c, cols);
      y[yr + 5] = finish(a5, lanesOut, w, b + 5 * rowBytes, x, c, cols);
      y[yr + 6] = finish(a6, lanesOut, w, b + 6 * rowBytes, x, c, cols);
      y[yr + 7] = finish(a7, lanesOut, w, b + 7 * rowBytes, x, c, cols);
    }
    for (; r < to; r++) { // the last rows, one at a time
      final int base = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      int c = 0;
      for (; c <= cols - lanes; c += lanes) {
        a0 = FloatVector.fromByteBuffer(F, w, base + c * Float.BYTES, NATIVE).fma(FloatVector.fromArray(F, x, c), a0);
      }
      y[yOffset + r] = finish(a0, lanesOut, w, base, x, c, cols);
    }
  }

  /**
   * Columns per step of the 16-bit kernel: one int vector holds {@code 2 * lanes} 16-bit values, element
   * {@code 2i} in lane {@code i}'s low half and {@code 2i + 1} in its high half (little-endian memory).
   */
  static int bf16Block() {
    return 2 * F.length();
  }

  /**
   * {@code x} rearranged for {@link #multiply16}: in each full block of {@link #bf16Block()} columns
   * starting at {@code c}, the even columns {@code x[c + 2i]} at {@code c + i} and the odd ones
   * {@code x[c + 2i + 1]} at {@code c + lanes + i}; the columns past the last full block as they are.
   */
  static float[] bf16Pairs(float[] x) {
    final int lanes = F.length();
    final int block = 2 * lanes;
    float[] p = x.clone();
    for (int c = 0; c + block <= x.length; c += block) {
      for (int i = 0; i < lanes; i++) {
        p[c + i] = x[c + 2 * i];
        p[c + lanes + i] = x[c + 2 * i + 1];
      }
    }
    return p;
  }

  /**
   * As {@link #multiply} for {@code W} stored as bf16, or as IEEE f16 when {@code f16} (little-endian,
   * two bytes per element), with {@code xp = bf16Pairs(x)}: each weight is widened exactly to f32 in
   * registers and the products accumulate in f32. One int-vector load carries two vectors of weights: the
   * low halves are the even columns, the high halves the odd ones, so no lane shuffles are needed, only
   * {@code x}'s one-off rearrangement. bf16 widens by a shift (low halves) or a mask (high halves); f16 by
   * {@link #f16Bits}.
   */
  static void multiply16(ByteBuffer w, int cols, float[] xp, float[] y, int yOffset, int from, int to, boolean f16) {
    final int lanes = F.length();
    final int block = 2 * lanes;
    final int rowBytes = cols * 2;
    final float[] lanesOut = new float[lanes];
    int r = from;
    for (; r <= to - 8; r += 8) { // eight rows at a time, as multiply
      final int b = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      int c = 0;
      for (; c <= cols - block; c += block) {
        FloatVector xe = FloatVector.fromArray(F, xp, c);
        FloatVector xo = FloatVector.fromArray(F, xp, c + lanes);
        int o = b + c * 2;
        if (f16) {
          a0 = f16Fma(w, o, xe, xo, a0);
          a1 = f16Fma(w, o + rowBytes, xe, xo, a1);
          a2 = f16Fma(w, o + 2 * rowBytes, xe, xo, a2);
          a3 = f16Fma(w, o + 3 * rowBytes, xe, xo, a3);
          a4 = f16Fma(w, o + 4 * rowBytes, xe, xo, a4);
          a5 = f16Fma(w, o + 5 * rowBytes, xe, xo, a5);
          a6 = f16Fma(w, o + 6 * rowBytes, xe, xo, a6);
          a7 = f16Fma(w, o + 7 * rowBytes, xe, xo, a7);
        } else {
          a0 = bf16Fma(w, o, xe, xo, a0);
          a1 = bf16Fma(w, o + rowBytes, xe, xo, a1);
          a2 = bf16Fma(w, o + 2 * rowBytes, xe, xo, a2);
          a3 = bf16Fma(w, o + 3 * rowBytes, xe, xo, a3);
          a4 = bf16Fma(w, o + 4 * rowBytes, xe, xo, a4);
          a5 = bf16Fma(w, o + 5 * rowBytes, xe, xo, a5);
          a6 = bf16Fma(w, o + 6 * rowBytes, xe, xo, a6);
          a7 = bf16Fma(w, o + 7 * rowBytes, xe, xo, a7);
        }
      }
      int yr = yOffset + r;
      y[yr] = finish16(a0, lanesOut, w, b, xp, c, cols, f16);
      y[yr + 1] = finish16(a1, lanesOut, w, b + rowBytes, xp, c, cols, f16);
      y[yr + 2] = finish16(a2, lanesOut, w, b + 2 * rowBytes, xp, c, cols, f16);
      y[yr + 3] = finish16(a3, lanesOut, w, b + 3 * rowBytes, xp, c, cols, f16);
      y[yr + 4] = finish16(a4, lanesOut, w, b + 4 * rowBytes, xp, c, cols, f16);
      y[yr + 5] = finish16(a5, lanesOut, w, b + 5 * rowBytes, xp, c, cols, f16);
      y[yr + 6] = finish16(a6, lanesOut, w, b + 6 * rowBytes, xp, c, cols, f16);
      y[yr + 7] = finish16(a7, lanesOut, w, b + 7 * rowBytes, xp, c, cols, f16);
    }
    for (; r < to; r++) { // the last rows, one at a time
      final int base = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      int c = 0;
      for (; c <= cols - block; c += block) {
        FloatVector xe = FloatVector.fromArray(F, xp, c);
        FloatVector xo = FloatVector.fromArray(F, xp, c + lanes);
        a0 = f16 ? f16Fma(w, base + c * 2, xe, xo, a0) : bf16Fma(w, base + c * 2, xe, xo, a0);
      }
      y[yOffset + r] = finish16(a0, lanesOut, w, base, xp, c, cols, f16);
    }
  }

  /** {@code acc + even * xe + odd * xo} for the {@code 2 * lanes} bf16 weights at byte {@code o}. */
  private static FloatVector bf16Fma(ByteBuffer w, int o, FloatVector xe, FloatVector xo, FloatVector acc) {
    IntVector v = IntVector.fromByteBuffer(I, w, o, NATIVE);
    FloatVector even = v.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    FloatVector odd = v.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
    return odd.fma(xo, even.fma(xe, acc));
  }

  /**
   * {@code acc + even * xe + odd * xo} for the {@code 2 * lanes} f16 weights at byte {@code o}, each widened
   * exactly by {@link #f16Bits}.
   */
  private static FloatVector f16Fma(ByteBuffer w, int o, FloatVector xe, FloatVector xo, FloatVector acc) {
    IntVector v = IntVector.fromByteBuffer(I, w, o, NATIVE);
    IntVector lo = v.lanewise(VectorOperators.LSHL, 16); // even column's half in the upper 16 bits
    IntVector hi = v.lanewise(VectorOperators.AND, 0xFFFF0000); // odd column's half in the upper 16 bits
    FloatVector even = f16Bits(lo);
    FloatVector odd = f16Bits(hi);
    return odd.fma(xo, even.fma(xe, acc));
  }

  /**
   * IEEE halves held in the upper 16 bits of each lane, as f32 (exact, no subnormal arithmetic): sign kept;
   * magnitude bits {@code (h & 0x7FFF) << 13} re-biased by {@code 112 << 23} for normal numbers, by
   * {@code 224 << 23} for infinity and NaN (exponent 31 to 255); a subnormal {@code m * 2^-24} is
   * {@code (2^-14 + m * 2^-24) - 2^-14}, both terms normal f32s, the difference exact.
   */
  private static FloatVector f16Bits(IntVector h) {
    IntVector sign = h.lanewise(VectorOperators.AND, 0x80000000);
    IntVector t = h.lanewise(VectorOperators.LSHR, 3).lanewise(VectorOperators.AND, 0x0FFFE000); // (h & 0x7FFF) << 13
    IntVector normal = t.add(0x38000000);
    IntVector special = t.add(0x70000000);
    FloatVector sub = t.add(0x38800000).reinterpretAsFloats().sub(0x1p-14f);
    IntVector mag = normal.blend(special, t.compare(VectorOperators.GE, 0x0F800000))
        .blend(sub.reinterpretAsInts(), t.compare(VectorOperators.LT, 0x00800000));
    return mag.lanewise(VectorOperators.OR, sign).reinterpretAsFloats();
  }

  /** As {@link #finish} for a 16-bit row ({@code x}'s columns past the last full block are in place). */
  private static float finish16(FloatVector acc, float[] lanesOut, ByteBuffer w, int base, float[] x, int c, int cols,
      boolean f16) {
    acc.intoArray(lanesOut, 0);
    float sum = 0;
    for (float v : lanesOut) {
      sum += v;
    }
    for (; c < cols; c++) {
      short h = w.getShort(base + c * 2);
      sum += (f16 ? io.ltm.lora.io.HalfFloats.fromF16(h) : Float.intBitsToFloat((h & 0xFFFF) << 16)) * x[c];
    }
    return sum;
  }

  /**
   * The lanes of {@code acc} summed in a fixed order (reduceLanes' order differs between the JIT and
   * the interpreter, which would make the same product differ in the last bit from one call to the
   * next), plus the row's columns {@code [c, cols)} that did not fill a vector.
   */
  private static float finish(FloatVector acc, float[] lanesOut, ByteBuffer w, int base, float[] x, int c, int cols) {
    acc.intoArray(lanesOut, 0);
    float sum = 0;
    for (float v : lanesOut) {
      sum += v;
    }
    for (; c < cols; c++) {
      sum += w.getFloat(base + c * Float.BYTES) * x[c];
    }
    return sum;
  }
}
