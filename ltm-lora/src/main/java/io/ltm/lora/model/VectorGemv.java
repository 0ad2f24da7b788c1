package io.ltm.lora.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The f32 and bf16 matrix-vector kernels behind {@link Gemv}, written with the JDK's Vector API (SIMD FMAs at
 * the CPU's widest vector). Only {@link Gemv} loads this class, and only when the
 * {@code jdk.incubator.vector} module is present, so that the rest of the engine runs without it.
 *
 * <p>Every kernel reads four rows a quarter of its range apart ({@code r}, {@code r + q}, {@code r + 2q},
 * {@code r + 3q}) in one loop: each load of {@code x} serves four rows, and the matrix is read as four sequential
 * streams, which keeps more of it in flight from memory than one stream (four neighbouring rows side by side would
 * not: the prefetcher does not follow that, docs/engine.md). Each row's arithmetic is the same whichever rows
 * share its loop, the rows left over (fewer than four) included, so a row's bits do not depend on how the rows are
 * split among threads or buffers. Four streams for every width since 2026-12-06 (before, one row at a time below
 * 4096 columns): on a 2-core Intel Xeon (Sapphire Rapids) VM, decode of the Qwen3-0.6B shape 8.60 vs 6.55
 * tokens/s in bf16 on one thread, 13.8 vs 10.6 on two, 4.39 vs 3.38 in f32 on one (medians of 5-6 rounds
 * alternating the two forms in one process); on the AMD EPYC machine of earlier sessions a probe over one bf16
 * matrix streamed 30.0 vs 29.3 GB/s at 1024 columns, 22.2 vs 24.9 at 3072, 21.2 vs 19.6 at 4096, 20.7 vs 11.0 at
 * 6144 (four streams vs one row); docs/engine.md.
 *
 * <p>Each kernel sums a row's lanes itself (lane 0 first, as {@link #sumLanes} does) rather than calling a helper:
 * a helper that C2 does not inline (it will not inline a callee whose own compiled code is large) costs a call per
 * row, and a boxed vector when it takes one: {@code finishBf16(FloatVector, ...)} took 13% of a decode at 1024
 * cached columns on 2026-12-06, and 9% when it took the lanes as an array. For the same reason the f32 and bf16
 * kernels are separate method bodies of the same shape.
 *
 * <p>The weights' loads go through {@link OffHeapLoads} (plain loads from the tensor's address where the JVM allows
 * it, which made one-thread f32 decoding 13% faster); each kernel checks its whole row range once, before its loops.
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
   *
   * <p>Four rows at once (see the class); each row accumulates its even and odd vectors of columns apart (two
   * vectors per step), adds the two, sums the lanes lane 0 first, then the columns that do not fill a pair of
   * vectors. All in this one method body, so that nothing depends on the JIT inlining helpers.
   */
  static void multiply(ByteBuffer w, int cols, float[] x, float[] y, int yOffset, int from, int to) {
    final int lanes = F.length();
    final int rowBytes = cols * Float.BYTES;
    OffHeapLoads.checkRange(w, (long) from * rowBytes, (long) to * rowBytes); // the loads below check none
    final long at = OffHeapLoads.address(w);
    final float[] lanesOut = new float[4 * lanes];
    final int quarter = (to - from) / 4;
    final int whole2 = cols - cols % (2 * lanes); // columns in whole pairs of vectors
    for (int i = 0; i < quarter; i++) {
      final int b0 = (from + i) * rowBytes;
      final int b1 = b0 + quarter * rowBytes;
      final int b2 = b1 + quarter * rowBytes;
      final int b3 = b2 + quarter * rowBytes;
      FloatVector e0 = FloatVector.zero(F);
      FloatVector o0 = e0;
      FloatVector e1 = e0;
      FloatVector o1 = e0;
      FloatVector e2 = e0;
      FloatVector o2 = e0;
      FloatVector e3 = e0;
      FloatVector o3 = e0;
      for (int c = 0; c < whole2; c += 2 * lanes) {
        FloatVector xe = FloatVector.fromArray(F, x, c);
        FloatVector xo = FloatVector.fromArray(F, x, c + lanes);
        int o = c * Float.BYTES;
        e0 = OffHeapLoads.floats(w, at, b0 + o).fma(xe, e0);
        e1 = OffHeapLoads.floats(w, at, b1 + o).fma(xe, e1);
        e2 = OffHeapLoads.floats(w, at, b2 + o).fma(xe, e2);
        e3 = OffHeapLoads.floats(w, at, b3 + o).fma(xe, e3);
        o0 = OffHeapLoads.floats(w, at, b0 + o + lanes * 4).fma(xo, o0);
        o1 = OffHeapLoads.floats(w, at, b1 + o + lanes * 4).fma(xo, o1);
        o2 = OffHeapLoads.floats(w, at, b2 + o + lanes * 4).fma(xo, o2);
        o3 = OffHeapLoads.floats(w, at, b3 + o + lanes * 4).fma(xo, o3);
      }
      e0.add(o0).intoArray(lanesOut, 0);
      e1.add(o1).intoArray(lanesOut, lanes);
      e2.add(o2).intoArray(lanesOut, 2 * lanes);
      e3.add(o3).intoArray(lanesOut, 3 * lanes);
      for (int q = 0; q < 4; q++) { // each row's lanes lane 0 first, then its columns left
        final int base = b0 + q * quarter * rowBytes;
        float sum = 0;
        for (int j = 0; j < lanes; j++) {
          sum += lanesOut[q * lanes + j];
        }
        for (int c = whole2; c < cols; c++) {
          sum += w.getFloat(base + c * Float.BYTES) * x[c];
        }
        y[yOffset + from + i + q * quarter] = sum;
      }
    }
    for (int r = from + 4 * quarter; r < to; r++) { // the rows left over: the same arithmetic, one row
      final int base = r * rowBytes;
      FloatVector e0 = FloatVector.zero(F);
      FloatVector o0 = e0;
      for (int c = 0; c < whole2; c += 2 * lanes) {
        e0 = OffHeapLoads.floats(w, at, base + c * Float.BYTES).fma(FloatVector.fromArray(F, x, c), e0);
        o0 = OffHeapLoads.floats(w, at, base + (c + lanes) * Float.BYTES)
            .fma(FloatVector.fromArray(F, x, c + lanes), o0);
      }
      e0.add(o0).intoArray(lanesOut, 0);
      float sum = 0;
      for (int j = 0; j < lanes; j++) {
        sum += lanesOut[j];
      }
      for (int c = whole2; c < cols; c++) {
        sum += w.getFloat(base + c * Float.BYTES) * x[c];
      }
      y[yOffset + r] = sum;
    }
  }

  /**
   * As {@link #multiply} for {@code W} stored as bf16 (native order, two bytes per element): each weight is
   * widened exactly to f32 in registers and the products accumulate in f32. A step loads one int vector of each of
   * the four rows, each int holding two neighbouring weights: the weight in an int's low half becomes an f32 by a
   * left shift of 16, the one in its high half by masking off the low half (no conversions). {@code x} is split
   * once per call into the columns that meet low halves and those that meet high halves (the even and odd columns
   * on a little-endian CPU), so each shifted or masked vector FMAs with a plain vector of {@code x}. Each row's low
   * and high halves accumulate apart; their sum's lanes are added lane 0 first, then the columns that did not fill
   * a vector. All in this one method body, so that nothing depends on the JIT inlining helpers.
   */
  static void multiplyBf16(ByteBuffer w, int cols, float[] x, float[] y, int yOffset, int from, int to) {
    final int lanes = I.length();
    final int pairs = cols / 2; // whole ints per row
    final int rowBytes = cols * 2;
    OffHeapLoads.checkRange(w, (long) from * rowBytes, (long) to * rowBytes); // the loads below check none
    final long at = OffHeapLoads.address(w);
    final float[] xLow = new float[pairs]; // xLow[k] / xHigh[k]: the x of the weight in the low / high half of int k
    final float[] xHigh = new float[pairs];
    RowOps.splitPairs(x, 0, xLow, xHigh, 2 * pairs);
    final IntVector highHalf = IntVector.broadcast(I, 0xFFFF0000);
    final float[] lanesOut = new float[4 * lanes];
    final int quarter = (to - from) / 4;
    final int whole = pairs - pairs % lanes; // ints in whole vectors
    for (int i = 0; i < quarter; i++) {
      final int b0 = (from + i) * rowBytes;
      final int b1 = b0 + quarter * rowBytes;
      final int b2 = b1 + quarter * rowBytes;
      final int b3 = b2 + quarter * rowBytes;
      FloatVector l0 = FloatVector.zero(F);
      FloatVector h0 = l0;
      FloatVector l1 = l0;
      FloatVector h1 = l0;
      FloatVector l2 = l0;
      FloatVector h2 = l0;
      FloatVector l3 = l0;
      FloatVector h3 = l0;
      for (int k = 0; k < whole; k += lanes) {
        FloatVector xl = FloatVector.fromArray(F, xLow, k);
        FloatVector xh = FloatVector.fromArray(F, xHigh, k);
        IntVector v0 = OffHeapLoads.ints(w, at, b0 + k * 4);
        IntVector v1 = OffHeapLoads.ints(w, at, b1 + k * 4);
        IntVector v2 = OffHeapLoads.ints(w, at, b2 + k * 4);
        IntVector v3 = OffHeapLoads.ints(w, at, b3 + k * 4);
        l0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xl, l0);
        h0 = v0.and(highHalf).reinterpretAsFloats().fma(xh, h0);
        l1 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xl, l1);
        h1 = v1.and(highHalf).reinterpretAsFloats().fma(xh, h1);
        l2 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xl, l2);
        h2 = v2.and(highHalf).reinterpretAsFloats().fma(xh, h2);
        l3 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xl, l3);
        h3 = v3.and(highHalf).reinterpretAsFloats().fma(xh, h3);
      }
      l0.add(h0).intoArray(lanesOut, 0);
      l1.add(h1).intoArray(lanesOut, lanes);
      l2.add(h2).intoArray(lanesOut, 2 * lanes);
      l3.add(h3).intoArray(lanesOut, 3 * lanes);
      for (int q = 0; q < 4; q++) { // each row's lanes lane 0 first, then its columns left
        final int base = b0 + q * quarter * rowBytes;
        float sum = 0;
        for (int j = 0; j < lanes; j++) {
          sum += lanesOut[q * lanes + j];
        }
        for (int c = 2 * whole; c < cols; c++) {
          sum += Float.intBitsToFloat((w.getShort(base + c * 2) & 0xFFFF) << 16) * x[c];
        }
        y[yOffset + from + i + q * quarter] = sum;
      }
    }
    for (int r = from + 4 * quarter; r < to; r++) { // the rows left over: the same arithmetic, one row
      final int base = r * rowBytes;
      FloatVector l0 = FloatVector.zero(F);
      FloatVector h0 = l0;
      for (int k = 0; k < whole; k += lanes) {
        IntVector v0 = OffHeapLoads.ints(w, at, base + k * 4);
        l0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xLow, k), l0);
        h0 = v0.and(highHalf).reinterpretAsFloats().fma(FloatVector.fromArray(F, xHigh, k), h0);
      }
      l0.add(h0).intoArray(lanesOut, 0);
      float sum = 0;
      for (int j = 0; j < lanes; j++) {
        sum += lanesOut[j];
      }
      for (int c = 2 * whole; c < cols; c++) {
        sum += Float.intBitsToFloat((w.getShort(base + c * 2) & 0xFFFF) << 16) * x[c];
      }
      y[yOffset + r] = sum;
    }
  }

  /** {@code lanes} (a vector's lanes, stored by the caller) summed lane 0 first. */
  static float sumLanes(float[] lanes) {
    float sum = 0;
    for (float v : lanes) {
      sum += v;
    }
    return sum;
  }
}
