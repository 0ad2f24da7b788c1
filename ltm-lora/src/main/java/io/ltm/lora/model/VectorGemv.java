package io.ltm.lora.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The f32 and bf16 matrix-vector kernels behind {@link Gemv}, written with the JDK's Vector API (SIMD FMAs at
 * the CPU's widest vector). Only {@link Gemv} loads this class, and only when the
 * {@code jdk.incubator.vector} module is present, so that the rest of the engine runs without it.
 */
final class VectorGemv {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED; // as many lanes as F
  private static final VectorSpecies<Short> S = // as many lanes as F, half the bits
      ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(F.vectorBitSize() / 2));
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
   * As {@link #multiply} for {@code W} stored as bf16 (native order, two bytes per element): each weight is
   * widened exactly to f32 in registers (its bits shifted into the upper half of an f32) and the products
   * accumulate in f32. A step loads {@code lanes} weights of a row as a half-width short vector,
   * sign-extends them to int lanes and shifts each left by 16. (A full-width int load split into even and
   * odd columns by a shift and a mask was tried first: 3-4x slower per weight on JDK 17, whose JIT stopped
   * inlining the eight-row loop's helpers. This form computes 13.6 G weights per CPU-second from cache,
   * f32's kernel 10.4, but from DRAM only about 5 against f32's 4.2-4.6: bound by its instructions, not by
   * the bytes; docs/engine.md.)
   */
  static void multiplyBf16(ByteBuffer w, int cols, float[] x, float[] y, int yOffset, int from, int to) {
    final int lanes = F.length();
    final int rowBytes = cols * 2;
    final float[] lanesOut = new float[lanes];
    int r = from;
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
        int o = b + c * 2;
        a0 = upper(w, o).reinterpretAsFloats().fma(xv, a0);
        a1 = upper(w, o + rowBytes).reinterpretAsFloats().fma(xv, a1);
        a2 = upper(w, o + 2 * rowBytes).reinterpretAsFloats().fma(xv, a2);
        a3 = upper(w, o + 3 * rowBytes).reinterpretAsFloats().fma(xv, a3);
        a4 = upper(w, o + 4 * rowBytes).reinterpretAsFloats().fma(xv, a4);
        a5 = upper(w, o + 5 * rowBytes).reinterpretAsFloats().fma(xv, a5);
        a6 = upper(w, o + 6 * rowBytes).reinterpretAsFloats().fma(xv, a6);
        a7 = upper(w, o + 7 * rowBytes).reinterpretAsFloats().fma(xv, a7);
      }
      int yr = yOffset + r;
      y[yr] = finishBf16(a0, lanesOut, w, b, x, c, cols);
      y[yr + 1] = finishBf16(a1, lanesOut, w, b + rowBytes, x, c, cols);
      y[yr + 2] = finishBf16(a2, lanesOut, w, b + 2 * rowBytes, x, c, cols);
      y[yr + 3] = finishBf16(a3, lanesOut, w, b + 3 * rowBytes, x, c, cols);
      y[yr + 4] = finishBf16(a4, lanesOut, w, b + 4 * rowBytes, x, c, cols);
      y[yr + 5] = finishBf16(a5, lanesOut, w, b + 5 * rowBytes, x, c, cols);
      y[yr + 6] = finishBf16(a6, lanesOut, w, b + 6 * rowBytes, x, c, cols);
      y[yr + 7] = finishBf16(a7, lanesOut, w, b + 7 * rowBytes, x, c, cols);
    }
    for (; r < to; r++) { // the last rows, one at a time
      final int base = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      int c = 0;
      for (; c <= cols - lanes; c += lanes) {
        a0 = upper(w, base + c * 2).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, c), a0);
      }
      y[yOffset + r] = finishBf16(a0, lanesOut, w, base, x, c, cols);
    }
  }

  /** The {@code lanes} 16-bit values at byte {@code o}, each in the upper half of an int lane (low half zero). */
  private static IntVector upper(ByteBuffer w, int o) {
    IntVector v = (IntVector) ShortVector.fromByteBuffer(S, w, o, NATIVE).convertShape(VectorOperators.S2I, I, 0);
    return v.lanewise(VectorOperators.LSHL, 16);
  }

  /** As {@link #finish} for a bf16 row. */
  private static float finishBf16(FloatVector acc, float[] lanesOut, ByteBuffer w, int base, float[] x, int c, int cols) {
    acc.intoArray(lanesOut, 0);
    float sum = 0;
    for (float v : lanesOut) {
      sum += v;
    }
    for (; c < cols; c++) {
      sum += Float.intBitsToFloat((w.getShort(base + c * 2) & 0xFFFF) << 16) * x[c];
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
