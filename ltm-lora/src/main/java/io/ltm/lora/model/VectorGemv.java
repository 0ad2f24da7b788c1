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
   * <p>One row at a time with eight accumulators, as the bf16 kernel: the rows are read as one sequential
   * stream, which the CPU's prefetcher keeps ahead of. Eight vectors per step rather than four since
   * 2026-12-06: Qwen3-0.6B f32 decode on one thread 1.02x (11.25 vs 11.06 tokens/s, medians of 8 rounds
   * alternating the two forms in one process). Until 2026-12-06 this kernel read eight rows at once
   * (eight streams, each x vector loaded once for eight rows), which an earlier Intel machine streamed faster
   * (12.2-12.7 GB/s against 8.7-9.7 for one row, on 4 KiB pages); on this AMD EPYC with the weights on huge
   * pages one row decodes Qwen3-0.6B f32 on one thread at 8.6-9.0 tokens/s against 6.8-7.1 (alternating
   * `./ltm generate` runs, 48 tokens) and the same on two threads (9.5-10.4 either way); docs/engine.md.
   */
  static void multiply(ByteBuffer w, int cols, float[] x, float[] y, int yOffset, int from, int to) {
    final int lanes = F.length();
    final int rowBytes = cols * Float.BYTES;
    final float[] lanesOut = new float[lanes];
    for (int r = from; r < to; r++) {
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
      for (; c <= cols - 8 * lanes; c += 8 * lanes) {
        int o = b + c * Float.BYTES;
        a0 = FloatVector.fromByteBuffer(F, w, o, NATIVE).fma(FloatVector.fromArray(F, x, c), a0);
        a1 = FloatVector.fromByteBuffer(F, w, o + lanes * 4, NATIVE).fma(FloatVector.fromArray(F, x, c + lanes), a1);
        a2 = FloatVector.fromByteBuffer(F, w, o + lanes * 8, NATIVE).fma(FloatVector.fromArray(F, x, c + 2 * lanes), a2);
        a3 = FloatVector.fromByteBuffer(F, w, o + lanes * 12, NATIVE).fma(FloatVector.fromArray(F, x, c + 3 * lanes), a3);
        a4 = FloatVector.fromByteBuffer(F, w, o + lanes * 16, NATIVE).fma(FloatVector.fromArray(F, x, c + 4 * lanes), a4);
        a5 = FloatVector.fromByteBuffer(F, w, o + lanes * 20, NATIVE).fma(FloatVector.fromArray(F, x, c + 5 * lanes), a5);
        a6 = FloatVector.fromByteBuffer(F, w, o + lanes * 24, NATIVE).fma(FloatVector.fromArray(F, x, c + 6 * lanes), a6);
        a7 = FloatVector.fromByteBuffer(F, w, o + lanes * 28, NATIVE).fma(FloatVector.fromArray(F, x, c + 7 * lanes), a7);
      }
      for (; c <= cols - lanes; c += lanes) {
        a0 = FloatVector.fromByteBuffer(F, w, b + c * Float.BYTES, NATIVE).fma(FloatVector.fromArray(F, x, c), a0);
      }
      // the lanes summed lane 0 first, here and not in a helper (see multiplyBf16), then the columns left
      a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).intoArray(lanesOut, 0);
      float sum = 0;
      for (int i = 0; i < lanes; i++) {
        sum += lanesOut[i];
      }
      for (; c < cols; c++) {
        sum += w.getFloat(b + c * Float.BYTES) * x[c];
      }
      y[yOffset + r] = sum;
    }
  }

  /**
   * As {@link #multiply} for {@code W} stored as bf16 (native order, two bytes per element): each weight is
   * widened exactly to f32 in registers and the products accumulate in f32. A step loads 4 x {@code lanes}
   * int lanes of one row, each holding two neighbouring weights: the weight in an int's low half becomes an
   * f32 by a left shift of 16, the one in its high half by masking off the low half (no conversions). {@code
   * x} is split once per call into the columns that meet low halves and those that meet high halves (the
   * even and odd columns on a little-endian CPU), so each shifted or masked vector FMAs with a plain vector
   * of {@code x}; eight accumulators (low / high, four int vectors) per row. All in this one method body, so that
   * nothing depends on the JIT inlining helpers.
   *
   * <p>One row at a time, not eight as in the f32 kernel: the rows are then read as one sequential stream
   * through the matrix, which the CPU's prefetcher keeps ahead of; eight rows at once are eight streams of
   * 2 KiB each (at 1024 columns) that it has to pick up again every eight rows. Measured one thread over the
   * 151936 x 1024 lm head from DRAM ({@code Bf16GemvProbe}, docs/engine.md): 7.9-10.7 G weights per
   * CPU-second (16-21 GB/s) for this form, 5.0-5.4 for the same split eight rows at a time, 2.9 for the
   * earlier short load sign-extended to ints, f32's kernel 3.9-4.5 (one row gives f32 nothing). Four int vectors
   * per step rather than two since 2026-12-06: Qwen3-0.6B bf16 decode 1.05x on one thread (19.4 vs 18.6
   * tokens/s; a second run on a busier machine 16.7 vs 16.2) and 1.16x on two (22.4 vs 19.2), medians of 6-8
   * rounds alternating the two forms in one process, weights on huge pages; standalone ({@code Bf16GemvProbe}) the
   * two forms stream alike (25.8 vs 24.8 and 30.6 vs 29.2 GB/s from DRAM on a libtorch tensor in two runs). Rows of
   * {@link #WIDE_COLUMNS} or more go to {@link #multiplyBf16Wide} instead.
   */
  static void multiplyBf16(ByteBuffer w, int cols, float[] x, float[] y, int yOffset, int from, int to) {
    if (cols >= WIDE_COLUMNS) {
      multiplyBf16Wide(w, cols, x, y, yOffset, from, to);
      return;
    }
    final int lanes = I.length();
    final int pairs = cols / 2; // whole ints per row
    final int rowBytes = cols * 2;
    // xLow[k] / xHigh[k]: the x of the weight in the low / high half of the row's k-th int (shape [pairs])
    final float[] xLow = new float[pairs];
    final float[] xHigh = new float[pairs];
    RowOps.splitPairs(x, 0, xLow, xHigh, 2 * pairs);
    final IntVector highHalf = IntVector.broadcast(I, 0xFFFF0000);
    final float[] lanesOut = new float[lanes];
    for (int r = from; r < to; r++) {
      final int base = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      int k = 0;
      for (; k <= pairs - 4 * lanes; k += 4 * lanes) {
        int o = base + k * 4;
        IntVector v0 = IntVector.fromByteBuffer(I, w, o, NATIVE);
        IntVector v1 = IntVector.fromByteBuffer(I, w, o + lanes * 4, NATIVE);
        IntVector v2 = IntVector.fromByteBuffer(I, w, o + lanes * 8, NATIVE);
        IntVector v3 = IntVector.fromByteBuffer(I, w, o + lanes * 12, NATIVE);
        a0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xLow, k), a0);
        a1 = v0.and(highHalf).reinterpretAsFloats().fma(FloatVector.fromArray(F, xHigh, k), a1);
        a2 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
            .fma(FloatVector.fromArray(F, xLow, k + lanes), a2);
        a3 = v1.and(highHalf).reinterpretAsFloats().fma(FloatVector.fromArray(F, xHigh, k + lanes), a3);
        a4 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
            .fma(FloatVector.fromArray(F, xLow, k + 2 * lanes), a4);
        a5 = v2.and(highHalf).reinterpretAsFloats().fma(FloatVector.fromArray(F, xHigh, k + 2 * lanes), a5);
        a6 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
            .fma(FloatVector.fromArray(F, xLow, k + 3 * lanes), a6);
        a7 = v3.and(highHalf).reinterpretAsFloats().fma(FloatVector.fromArray(F, xHigh, k + 3 * lanes), a7);
      }
      for (; k <= pairs - lanes; k += lanes) { // whole int vectors left
        IntVector v0 = IntVector.fromByteBuffer(I, w, base + k * 4, NATIVE);
        a0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xLow, k), a0);
        a1 = v0.and(highHalf).reinterpretAsFloats().fma(FloatVector.fromArray(F, xHigh, k), a1);
      }
      // the lanes summed lane 0 first, then the columns left: written here, not in a helper. A helper that C2
      // does not inline (it will not inline a callee whose own compiled code is large) costs a call per row, and a
      // boxed vector when it takes one: finishBf16(FloatVector, ...) took 13% of a decode at 1024 cached columns
      // on 2026-12-06, and 9% when it took the lanes as an array
      a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).intoArray(lanesOut, 0);
      float sum = 0;
      for (int i = 0; i < lanes; i++) {
        sum += lanesOut[i];
      }
      for (int c = 2 * k; c < cols; c++) {
        sum += Float.intBitsToFloat((w.getShort(base + c * 2) & 0xFFFF) << 16) * x[c];
      }
      y[yOffset + r] = sum;
    }
  }

  /**
   * Rows at least this wide take {@link #multiplyBf16Wide}: from here the one-row kernel's split {@code x} (4 bytes
   * per column) and the streamed row no longer share the 32 KiB L1 cache well. One thread over a 192 MiB bf16 matrix
   * from DRAM (a probe, best of 10, 2026-12-06), one row / four streams in GB/s: 1024 columns 29.3 / 30.0, 3072
   * 24.9 / 22.2, 4096 19.6 / 21.2, 6144 11.0 / 20.7, 9728 10.4 / 20.4. Qwen3-0.6B's widest rows have 3072 columns;
   * Qwen3-1.7B's down projection has 6144, Qwen3-4B's 9728, Qwen3-30B-A3B's o projection 4096.
   */
  static final int WIDE_COLUMNS = 4096;

  /**
   * As {@link #multiplyBf16} for rows of {@link #WIDE_COLUMNS} or more: four rows a quarter of the range apart
   * ({@code r}, {@code r + q}, {@code r + 2q}, {@code r + 3q}) in one loop, so that each load of {@code x} serves
   * four rows, and the matrix is read as four sequential streams (four neighbouring rows read side by side would
   * not be: the prefetcher does not follow that, docs/engine.md). Each row's arithmetic is the same whichever rows
   * share its loop, the rows left over included: its low and high halves accumulate one int vector per step, and
   * their sum's lanes are added lane 0 first, then the columns that did not fill a vector.
   */
  static void multiplyBf16Wide(ByteBuffer w, int cols, float[] x, float[] y, int yOffset, int from, int to) {
    final int lanes = I.length();
    final int pairs = cols / 2; // whole ints per row
    final int rowBytes = cols * 2;
    final float[] xLow = new float[pairs]; // as in multiplyBf16
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
        IntVector v0 = IntVector.fromByteBuffer(I, w, b0 + k * 4, NATIVE);
        IntVector v1 = IntVector.fromByteBuffer(I, w, b1 + k * 4, NATIVE);
        IntVector v2 = IntVector.fromByteBuffer(I, w, b2 + k * 4, NATIVE);
        IntVector v3 = IntVector.fromByteBuffer(I, w, b3 + k * 4, NATIVE);
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
        IntVector v0 = IntVector.fromByteBuffer(I, w, base + k * 4, NATIVE);
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

  /**
   * As {@link #multiplyBf16} for a bf16 {@code W} copied onto the Java heap: {@code w} holds the matrix's bytes
   * read as native-order ints (two weights each; {@code cols} even), so an int is the one {@link #multiplyBf16}
   * loads from the buffer at the same place, and every row's sum is computed in the same order (the same bits).
   *
   * <p>Why a second copy of the kernel: JDK 17's C2 brackets each vector load from off-heap memory with a CPU
   * order barrier ({@code vectorIntrinsics.cpp}: {@code can_access_non_heap}), so the buffer's address, limit
   * and bounds are loaded and checked again for every 64-byte load of {@link #multiplyBf16}; loads from a heap
   * array carry none of that. One thread over a 192 MiB bf16 matrix on huge pages (a probe, 2026-12-06, three
   * JVMs): 2048 columns 25.7-29.4 GB/s from the heap against 20.9-26.1 from a libtorch tensor's buffer, 3072
   * columns 28.1-30.7 against 23.8-25.4, 4096 columns 25.1-26.4 against 19.0-19.7; 1024 columns alike. {@link
   * Gemv} uses it where {@code ltm.gemv.heap} asks for the copy (docs/engine.md).
   */
  static void multiplyBf16Heap(int[] w, int cols, float[] x, float[] y, int yOffset, int from, int to) {
    if (cols >= WIDE_COLUMNS) {
      multiplyBf16WideHeap(w, cols, x, y, yOffset, from, to);
      return;
    }
    final int lanes = I.length();
    final int pairs = cols / 2; // whole ints per row
    final int rowInts = pairs;
    // xLow[k] / xHigh[k]: the x of the weight in the low / high half of the row's k-th int (shape [pairs])
    final float[] xLow = new float[pairs];
    final float[] xHigh = new float[pairs];
    RowOps.splitPairs(x, 0, xLow, xHigh, 2 * pairs);
    final IntVector highHalf = IntVector.broadcast(I, 0xFFFF0000);
    final float[] lanesOut = new float[lanes];
    for (int r = from; r < to; r++) {
      final int base = r * rowInts;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      int k = 0;
      for (; k <= pairs - 4 * lanes; k += 4 * lanes) {
        int o = base + k;
        IntVector v0 = IntVector.fromArray(I, w, o);
        IntVector v1 = IntVector.fromArray(I, w, o + lanes);
        IntVector v2 = IntVector.fromArray(I, w, o + 2 * lanes);
        IntVector v3 = IntVector.fromArray(I, w, o + 3 * lanes);
        a0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xLow, k), a0);
        a1 = v0.and(highHalf).reinterpretAsFloats().fma(FloatVector.fromArray(F, xHigh, k), a1);
        a2 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
            .fma(FloatVector.fromArray(F, xLow, k + lanes), a2);
        a3 = v1.and(highHalf).reinterpretAsFloats().fma(FloatVector.fromArray(F, xHigh, k + lanes), a3);
        a4 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
            .fma(FloatVector.fromArray(F, xLow, k + 2 * lanes), a4);
        a5 = v2.and(highHalf).reinterpretAsFloats().fma(FloatVector.fromArray(F, xHigh, k + 2 * lanes), a5);
        a6 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats()
            .fma(FloatVector.fromArray(F, xLow, k + 3 * lanes), a6);
        a7 = v3.and(highHalf).reinterpretAsFloats().fma(FloatVector.fromArray(F, xHigh, k + 3 * lanes), a7);
      }
      for (; k <= pairs - lanes; k += lanes) { // whole int vectors left
        IntVector v0 = IntVector.fromArray(I, w, base + k);
        a0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xLow, k), a0);
        a1 = v0.and(highHalf).reinterpretAsFloats().fma(FloatVector.fromArray(F, xHigh, k), a1);
      }
      // the lanes summed lane 0 first, then the columns left (as multiplyBf16)
      a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).intoArray(lanesOut, 0);
      float sum = 0;
      for (int i = 0; i < lanes; i++) {
        sum += lanesOut[i];
      }
      for (int c = 2 * k; c < cols; c++) {
        sum += bf16At(w, base, c) * x[c];
      }
      y[yOffset + r] = sum;
    }
  }

  /** As {@link #multiplyBf16Wide} for a matrix copied onto the heap ({@link #multiplyBf16Heap}). */
  static void multiplyBf16WideHeap(int[] w, int cols, float[] x, float[] y, int yOffset, int from, int to) {
    final int lanes = I.length();
    final int pairs = cols / 2; // whole ints per row
    final int rowInts = pairs;
    final float[] xLow = new float[pairs]; // as in multiplyBf16Heap
    final float[] xHigh = new float[pairs];
    RowOps.splitPairs(x, 0, xLow, xHigh, 2 * pairs);
    final IntVector highHalf = IntVector.broadcast(I, 0xFFFF0000);
    final float[] lanesOut = new float[4 * lanes];
    final int quarter = (to - from) / 4;
    final int whole = pairs - pairs % lanes; // ints in whole vectors
    for (int i = 0; i < quarter; i++) {
      final int b0 = (from + i) * rowInts;
      final int b1 = b0 + quarter * rowInts;
      final int b2 = b1 + quarter * rowInts;
      final int b3 = b2 + quarter * rowInts;
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
        IntVector v0 = IntVector.fromArray(I, w, b0 + k);
        IntVector v1 = IntVector.fromArray(I, w, b1 + k);
        IntVector v2 = IntVector.fromArray(I, w, b2 + k);
        IntVector v3 = IntVector.fromArray(I, w, b3 + k);
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
        final int base = b0 + q * quarter * rowInts;
        float sum = 0;
        for (int j = 0; j < lanes; j++) {
          sum += lanesOut[q * lanes + j];
        }
        for (int c = 2 * whole; c < cols; c++) {
          sum += bf16At(w, base, c) * x[c];
        }
        y[yOffset + from + i + q * quarter] = sum;
      }
    }
    for (int r = from + 4 * quarter; r < to; r++) { // the rows left over: the same arithmetic, one row
      final int base = r * rowInts;
      FloatVector l0 = FloatVector.zero(F);
      FloatVector h0 = l0;
      for (int k = 0; k < whole; k += lanes) {
        IntVector v0 = IntVector.fromArray(I, w, base + k);
        l0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xLow, k), l0);
        h0 = v0.and(highHalf).reinterpretAsFloats().fma(FloatVector.fromArray(F, xHigh, k), h0);
      }
      l0.add(h0).intoArray(lanesOut, 0);
      float sum = 0;
      for (int j = 0; j < lanes; j++) {
        sum += lanesOut[j];
      }
      for (int c = 2 * whole; c < cols; c++) {
        sum += bf16At(w, base, c) * x[c];
      }
      y[yOffset + r] = sum;
    }
  }

  /** The bf16 weight of column {@code c} in the row of ints starting at {@code base}, widened to f32. */
  private static float bf16At(int[] w, int base, int c) {
    int v = w[base + c / 2];
    boolean lowHalf = (c % 2 == 0) == (NATIVE == ByteOrder.LITTLE_ENDIAN); // the earlier of an int's two shorts
    return Float.intBitsToFloat(lowHalf ? v << 16 : v & 0xFFFF0000);
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
