package io.ltm.lora.model;

import io.ltm.lora.io.HalfFloats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernels of {@link RowDecoder}'s attention over the KV cache for one query row: the scores of two query
 * heads that read the same kv head against every cached key, their softmax, and the two probability-weighted
 * sums of the cached values. Two heads at a time so that each cached key and value is loaded (and, in an f16
 * cache, widened) once for both (grouped-query attention: Qwen3's query heads come in groups of 2 to 8 per kv
 * head); the scores four cached columns at a time so that the CPU has independent sums in flight and one tree
 * of lane moves sums the four columns' lanes, instead of one dot product's chain and its own horizontal sum per
 * column. Keys and values are read row after row in memory order: four rows read side by side (each row's first
 * vector, then each row's second...) defeat the hardware prefetcher (6 GB/s from DRAM on this project's AMD EPYC
 * against 15 in order). Measured against the per-head form it replaced (2026-12-06, {@code RowAttentionTest}
 * checks the results; figures in docs/engine.md): 2 heads over 2048 cached f32 columns, 142 vs 238 us from
 * DRAM, 97 vs 243 from cache.
 *
 * <p>Every result is bit-identical from call to call, JIT-compiled or interpreted: the four columns' lane sums
 * are combined by a fixed tree of lane moves and adds, and {@code exp} is a fixed polynomial of FMAs (Cephes'
 * {@code expf}, within 2 ulp of {@code Math.exp}), not the Vector API's {@code EXP}, whose compiled and
 * interpreted forms differ. The weighted sums add each column's term in column order with one FMA (as the
 * per-head form before them did). Nothing here passes a vector to a helper (see {@link RowOps} and
 * {@link VectorGemv#multiplyBf16}). Only loaded with the {@code jdk.incubator.vector} module; stateless and
 * thread-safe.
 */
final class RowAttention {
  private static final Logger LOG = LoggerFactory.getLogger(RowAttention.class);
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
  /** Whether the four-column tree applies: at least four lanes (every x86 and ARM species). */
  static final boolean BLOCKED = L >= 4 && Integer.bitCount(L) == 1;
  // the four-column tree: swap halves, then quarters, then within each quarter (L >= 8, L >= 16)
  private static final VectorShuffle<Float> HALVES = VectorShuffle.fromOp(F, i -> i ^ Math.max(1, L / 2));
  private static final VectorShuffle<Float> QUARTERS = VectorShuffle.fromOp(F, i -> i ^ Math.max(1, L / 4));
  private static final VectorShuffle<Float> EIGHTHS = VectorShuffle.fromOp(F, i -> i ^ Math.max(1, L / 8));
  private static final VectorShuffle<Float> SIXTEENTHS = VectorShuffle.fromOp(F, i -> i ^ Math.max(1, L / 16));
  private static final VectorMask<Float> UPPER_HALF = mask(Math.max(1, L / 2));
  private static final VectorMask<Float> ODD_QUARTERS = mask(Math.max(1, L / 4));
  // exp(x) for x <= 0: x = n ln2 + r, exp(r) by Cephes' expf polynomial, times 2^n built in the exponent field
  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HIGH = 0.693359375f;
  private static final float LN2_LOW = -2.12194440e-4f;
  private static final float ROUND = 12582912f; // 1.5 * 2^23: x + ROUND - ROUND rounds x to an integer
  private static final float EXP_FLOOR = -87.33654f; // below: 0 (exp is under 2^-126 there)
  private static final float P0 = 1.9875691500e-4f;
  private static final float P1 = 1.3981999507e-3f;
  private static final float P2 = 8.3334519073e-3f;
  private static final float P3 = 4.1665795894e-2f;
  private static final float P4 = 1.6666665459e-1f;
  private static final float P5 = 5.0000001201e-1f;
  /** 2^112: an f16's exponent and mantissa, moved into an f32's fields, times this is the f16's value. */
  private static final float HALF_SCALE = 0x1p112f;

  private RowAttention() {}

  /** Whether {@link #warmUpHalf} has run (or was switched off) in this JVM. */
  private static volatile boolean warm = !Boolean.parseBoolean(System.getProperty("ltm.attention.warmup", "true"));

  /**
   * Runs {@link #scoresHalf} on a small made-up f16 cache until C2 has compiled it (8 calls in a row under 20 us; at
   * most 5 s), once per JVM: {@link RowDecoder#prepareHalfCache} calls it when an f16 cache is made on the CPU, and
   * {@link Decoder#prepare} when a generating model is opened, before any prefill. Compiled inside a decode instead,
   * its first steps after a long prompt run interpreted and in C1's code (about 190 us a call against C2's 1.3-1.7).
   * Run before any prefill, the compile also comes out well in a JVM started without {@link TrapLimit#FLAG}: the
   * JDK's Vector API methods have not yet picked up the type-check traps that, summed over the kernel's inlined
   * calls, make C2 box its vectors (38-55 KB of code, 2x slower decodes after 2,048 tokens; {@link TrapLimit}).
   * The made-up cache has 4k + 3 keys so the profile also covers the last keys' one-at-a-time path (a path never
   * taken when C2 compiles is a trap that recompiles the method later). {@code -Dltm.attention.warmup=false} skips it.
   */
  static void warmUpHalf() {
    if (warm) {
      return;
    }
    synchronized (RowAttention.class) {
      if (warm) {
        return;
      }
      final int d = 128;
      final int n = 67;
      ByteBuffer k = ByteBuffer.allocateDirect(n * d * 2).order(NATIVE);
      for (int i = 0; i < n * d; i++) {
        k.putShort(i * 2, HalfFloats.toF16((i % 7 - 3) * 0.1f));
      }
      float[] low = new float[d / 2];
      float[] high = new float[d / 2];
      java.util.Arrays.fill(low, 0.01f);
      java.util.Arrays.fill(high, 0.02f);
      float[] pa = new float[n];
      float[] pb = new float[n];
      final long deadline = System.nanoTime() + 5_000_000_000L;
      final long start = System.nanoTime();
      int fast = 0; // consecutive calls under 20 us: C2's code (1.3-1.7 us here; C1's about 190, the interpreter more)
      int call = 0;
      for (; fast < 8 && System.nanoTime() < deadline; call++) {
        long t = System.nanoTime();
        scoresHalf(low, high, low, high, k, 0, d * 2, n, d, pa, pb);
        fast = System.nanoTime() - t < 20_000 ? fast + 1 : 0;
      }
      warm = true;
      LOG.debug("f16 attention warm-up: {} calls in {} ms, {}", call, (System.nanoTime() - start) / 1_000_000,
          fast >= 8 ? "compiled" : "stopped at 5 s");
    }
  }

  private static VectorMask<Float> mask(int bit) {
    boolean[] set = new boolean[L];
    for (int i = 0; i < L; i++) {
      set[i] = (i & bit) != 0;
    }
    return VectorMask.fromArray(F, set, 0);
  }

  /**
   * {@code pa[j] = q[qa ..] . K_j} and {@code pb[j] = q[qb ..] . K_j} for the {@code s} cached keys {@code K_j}
   * ({@code d} native-order f32 each, key {@code j} at byte {@code base + j * rowBytes} of {@code k}); queries
   * already scaled by {@code 1/sqrt(D)}.
   */
  static void scores(float[] q, int qa, int qb, ByteBuffer k, int base, int rowBytes, int s, int d, float[] pa,
      float[] pb) {
    OffHeapLoads.checkRows(k, base, s, rowBytes, d * Float.BYTES); // the loads below check none
    final long at = OffHeapLoads.address(k);
    final int dv = d - d % L;
    int j = 0;
    for (; j <= s - 4; j += 4) {
      final int b0 = base + j * rowBytes;
      final int b1 = b0 + rowBytes;
      final int b2 = b1 + rowBytes;
      final int b3 = b2 + rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector c0 = a0;
      FloatVector c1 = a0;
      FloatVector c2 = a0;
      FloatVector c3 = a0;
      // row by row in memory order (four rows interleaved defeat the prefetcher: 6 GB/s from DRAM here)
      for (int c = 0; c < dv; c += L) {
        FloatVector kc = OffHeapLoads.floats(k, at, b0 + c * 4);
        a0 = kc.fma(FloatVector.fromArray(F, q, qa + c), a0);
        c0 = kc.fma(FloatVector.fromArray(F, q, qb + c), c0);
      }
      for (int c = 0; c < dv; c += L) {
        FloatVector kc = OffHeapLoads.floats(k, at, b1 + c * 4);
        a1 = kc.fma(FloatVector.fromArray(F, q, qa + c), a1);
        c1 = kc.fma(FloatVector.fromArray(F, q, qb + c), c1);
      }
      for (int c = 0; c < dv; c += L) {
        FloatVector kc = OffHeapLoads.floats(k, at, b2 + c * 4);
        a2 = kc.fma(FloatVector.fromArray(F, q, qa + c), a2);
        c2 = kc.fma(FloatVector.fromArray(F, q, qb + c), c2);
      }
      for (int c = 0; c < dv; c += L) {
        FloatVector kc = OffHeapLoads.floats(k, at, b3 + c * 4);
        a3 = kc.fma(FloatVector.fromArray(F, q, qa + c), a3);
        c3 = kc.fma(FloatVector.fromArray(F, q, qb + c), c3);
      }
      // the tree: [a0 | a1] halves, then [a0 | a2 | a1 | a3] quarters, then each quarter's lanes to its first
      FloatVector x01 = a0.rearrange(HALVES).blend(a1, UPPER_HALF).add(a0.blend(a1.rearrange(HALVES), UPPER_HALF));
      FloatVector x23 = a2.rearrange(HALVES).blend(a3, UPPER_HALF).add(a2.blend(a3.rearrange(HALVES), UPPER_HALF));
      FloatVector ta = x01.rearrange(QUARTERS).blend(x23, ODD_QUARTERS)
          .add(x01.blend(x23.rearrange(QUARTERS), ODD_QUARTERS));
      FloatVector y01 = c0.rearrange(HALVES).blend(c1, UPPER_HALF).add(c0.blend(c1.rearrange(HALVES), UPPER_HALF));
      FloatVector y23 = c2.rearrange(HALVES).blend(c3, UPPER_HALF).add(c2.blend(c3.rearrange(HALVES), UPPER_HALF));
      FloatVector tb = y01.rearrange(QUARTERS).blend(y23, ODD_QUARTERS)
          .add(y01.blend(y23.rearrange(QUARTERS), ODD_QUARTERS));
      if (L >= 8) {
        ta = ta.add(ta.rearrange(EIGHTHS));
        tb = tb.add(tb.rearrange(EIGHTHS));
      }
      if (L >= 16) {
        ta = ta.add(ta.rearrange(SIXTEENTHS));
        tb = tb.add(tb.rearrange(SIXTEENTHS));
      }
      float sa0 = ta.lane(0);
      float sa1 = ta.lane(L / 2);
      float sa2 = ta.lane(L / 4);
      float sa3 = ta.lane(3 * L / 4);
      float sb0 = tb.lane(0);
      float sb1 = tb.lane(L / 2);
      float sb2 = tb.lane(L / 4);
      float sb3 = tb.lane(3 * L / 4);
      for (int c = dv; c < d; c++) { // columns that did not fill a vector
        sa0 += q[qa + c] * k.getFloat(b0 + c * 4);
        sa1 += q[qa + c] * k.getFloat(b1 + c * 4);
        sa2 += q[qa + c] * k.getFloat(b2 + c * 4);
        sa3 += q[qa + c] * k.getFloat(b3 + c * 4);
        sb0 += q[qb + c] * k.getFloat(b0 + c * 4);
        sb1 += q[qb + c] * k.getFloat(b1 + c * 4);
        sb2 += q[qb + c] * k.getFloat(b2 + c * 4);
        sb3 += q[qb + c] * k.getFloat(b3 + c * 4);
      }
      pa[j] = sa0;
      pa[j + 1] = sa1;
      pa[j + 2] = sa2;
      pa[j + 3] = sa3;
      pb[j] = sb0;
      pb[j + 1] = sb1;
      pb[j + 2] = sb2;
      pb[j + 3] = sb3;
    }
    for (; j < s; j++) { // the last s % 4 keys one at a time
      pa[j] = RowOps.dot(q, qa, k, base + j * rowBytes, d);
      pb[j] = RowOps.dot(q, qb, k, base + j * rowBytes, d);
    }
  }

  /**
   * As {@link #scores} for an f16 cache ({@code d} even; each f16 widened exactly), the queries given as
   * {@link RowOps#splitPairs}' halves: {@code la/ha} of head a, {@code lb/hb} of head b ({@code d/2} each).
   */
  static void scoresHalf(float[] la, float[] ha, float[] lb, float[] hb, ByteBuffer k, int base, int rowBytes,
      int s, int d, float[] pa, float[] pb) {
    OffHeapLoads.checkRows(k, base, s, rowBytes, d * 2); // the loads below check none
    final long at = OffHeapLoads.address(k);
    final int pairs = d / 2;
    final int pv = pairs - pairs % L;
    int j = 0;
    for (; j <= s - 4; j += 4) {
      final int b0 = base + j * rowBytes;
      final int b1 = b0 + rowBytes;
      final int b2 = b1 + rowBytes;
      final int b3 = b2 + rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector c0 = a0;
      FloatVector c1 = a0;
      FloatVector c2 = a0;
      FloatVector c3 = a0;
      // row by row in memory order, as scores
      for (int p = 0; p < pv; p += L) {
        IntVector w = OffHeapLoads.ints(k, at, b0 + p * 4);
        IntVector lo = w.and(0xFFFF);
        IntVector hi = w.lanewise(VectorOperators.LSHR, 16);
        FloatVector fl = lo.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(HALF_SCALE)
            .reinterpretAsInts().or(lo.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
        FloatVector fh = hi.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(HALF_SCALE)
            .reinterpretAsInts().or(hi.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
        a0 = fh.fma(FloatVector.fromArray(F, ha, p), fl.fma(FloatVector.fromArray(F, la, p), a0));
        c0 = fh.fma(FloatVector.fromArray(F, hb, p), fl.fma(FloatVector.fromArray(F, lb, p), c0));
      }
      for (int p = 0; p < pv; p += L) {
        IntVector w = OffHeapLoads.ints(k, at, b1 + p * 4);
        IntVector lo = w.and(0xFFFF);
        IntVector hi = w.lanewise(VectorOperators.LSHR, 16);
        FloatVector fl = lo.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(HALF_SCALE)
            .reinterpretAsInts().or(lo.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
        FloatVector fh = hi.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(HALF_SCALE)
            .reinterpretAsInts().or(hi.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
        a1 = fh.fma(FloatVector.fromArray(F, ha, p), fl.fma(FloatVector.fromArray(F, la, p), a1));
        c1 = fh.fma(FloatVector.fromArray(F, hb, p), fl.fma(FloatVector.fromArray(F, lb, p), c1));
      }
      for (int p = 0; p < pv; p += L) {
        IntVector w = OffHeapLoads.ints(k, at, b2 + p * 4);
        IntVector lo = w.and(0xFFFF);
        IntVector hi = w.lanewise(VectorOperators.LSHR, 16);
        FloatVector fl = lo.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(HALF_SCALE)
            .reinterpretAsInts().or(lo.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
        FloatVector fh = hi.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(HALF_SCALE)
            .reinterpretAsInts().or(hi.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
        a2 = fh.fma(FloatVector.fromArray(F, ha, p), fl.fma(FloatVector.fromArray(F, la, p), a2));
        c2 = fh.fma(FloatVector.fromArray(F, hb, p), fl.fma(FloatVector.fromArray(F, lb, p), c2));
      }
      for (int p = 0; p < pv; p += L) {
        IntVector w = OffHeapLoads.ints(k, at, b3 + p * 4);
        IntVector lo = w.and(0xFFFF);
        IntVector hi = w.lanewise(VectorOperators.LSHR, 16);
        FloatVector fl = lo.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(HALF_SCALE)
            .reinterpretAsInts().or(lo.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
        FloatVector fh = hi.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(HALF_SCALE)
            .reinterpretAsInts().or(hi.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
        a3 = fh.fma(FloatVector.fromArray(F, ha, p), fl.fma(FloatVector.fromArray(F, la, p), a3));
        c3 = fh.fma(FloatVector.fromArray(F, hb, p), fl.fma(FloatVector.fromArray(F, lb, p), c3));
      }
      FloatVector x01 = a0.rearrange(HALVES).blend(a1, UPPER_HALF).add(a0.blend(a1.rearrange(HALVES), UPPER_HALF));
      FloatVector x23 = a2.rearrange(HALVES).blend(a3, UPPER_HALF).add(a2.blend(a3.rearrange(HALVES), UPPER_HALF));
      FloatVector ta = x01.rearrange(QUARTERS).blend(x23, ODD_QUARTERS)
          .add(x01.blend(x23.rearrange(QUARTERS), ODD_QUARTERS));
      FloatVector y01 = c0.rearrange(HALVES).blend(c1, UPPER_HALF).add(c0.blend(c1.rearrange(HALVES), UPPER_HALF));
      FloatVector y23 = c2.rearrange(HALVES).blend(c3, UPPER_HALF).add(c2.blend(c3.rearrange(HALVES), UPPER_HALF));
      FloatVector tb = y01.rearrange(QUARTERS).blend(y23, ODD_QUARTERS)
          .add(y01.blend(y23.rearrange(QUARTERS), ODD_QUARTERS));
      if (L >= 8) {
        ta = ta.add(ta.rearrange(EIGHTHS));
        tb = tb.add(tb.rearrange(EIGHTHS));
      }
      if (L >= 16) {
        ta = ta.add(ta.rearrange(SIXTEENTHS));
        tb = tb.add(tb.rearrange(SIXTEENTHS));
      }
      pa[j] = ta.lane(0);
      pa[j + 1] = ta.lane(L / 2);
      pa[j + 2] = ta.lane(L / 4);
      pa[j + 3] = ta.lane(3 * L / 4);
      pb[j] = tb.lane(0);
      pb[j + 1] = tb.lane(L / 2);
      pb[j + 2] = tb.lane(L / 4);
      pb[j + 3] = tb.lane(3 * L / 4);
      if (pv < pairs) {
        pa[j] += tailHalf(la, ha, k, b0, pv, pairs);
        pa[j + 1] += tailHalf(la, ha, k, b1, pv, pairs);
        pa[j + 2] += tailHalf(la, ha, k, b2, pv, pairs);
        pa[j + 3] += tailHalf(la, ha, k, b3, pv, pairs);
        pb[j] += tailHalf(lb, hb, k, b0, pv, pairs);
        pb[j + 1] += tailHalf(lb, hb, k, b1, pv, pairs);
        pb[j + 2] += tailHalf(lb, hb, k, b2, pv, pairs);
        pb[j + 3] += tailHalf(lb, hb, k, b3, pv, pairs);
      }
    }
    for (; j < s; j++) { // the last s % 4 keys one at a time
      pa[j] = RowOps.dotHalf(la, ha, k, base + j * rowBytes, d);
      pb[j] = RowOps.dotHalf(lb, hb, k, base + j * rowBytes, d);
    }
  }

  /** {@code sum_p l[p] k_lo(p) + h[p] k_hi(p)} over the f16 pairs {@code [from, pairs)} of the key at byte {@code at}. */
  private static float tailHalf(float[] l, float[] h, ByteBuffer k, int at, int from, int pairs) {
    final int lo = NATIVE == ByteOrder.LITTLE_ENDIAN ? 0 : 2;
    float sum = 0;
    for (int p = from; p < pairs; p++) {
      sum += l[p] * HalfFloats.fromF16(k.getShort(at + p * 4 + lo)) + h[p] * HalfFloats.fromF16(k.getShort(at + p * 4 + 2 - lo));
    }
    return sum;
  }

  /**
   * Softmax in place over the visible columns: {@code p[j] = exp(p[j] - max) / sum} where {@code visible[j]},
   * else 0; {@code max} and {@code sum} over the visible columns ({@code s >= 1}, at least one visible).
   */
  static void softmax(float[] p, boolean[] visible, int s) {
    FloatVector most = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
    int j = 0;
    for (; j <= s - L; j += L) {
      VectorMask<Float> hidden = VectorMask.fromArray(F, visible, j).not();
      most = most.max(FloatVector.fromArray(F, p, j).blend(Float.NEGATIVE_INFINITY, hidden));
    }
    float max = most.reduceLanes(VectorOperators.MAX); // a maximum: the same in any order of lanes
    for (; j < s; j++) {
      if (visible[j]) {
        max = Math.max(max, p[j]);
      }
    }
    final FloatVector top = FloatVector.broadcast(F, max);
    FloatVector acc = FloatVector.zero(F);
    for (j = 0; j <= s - L; j += L) {
      VectorMask<Float> seen = VectorMask.fromArray(F, visible, j);
      FloatVector x = FloatVector.fromArray(F, p, j).sub(top);
      FloatVector n = x.mul(LOG2E).add(ROUND); // round(x log2 e) in the low mantissa bits of n
      FloatVector nf = n.sub(ROUND);
      IntVector scale = n.reinterpretAsInts().sub(0x4B400000 - 127).lanewise(VectorOperators.LSHL, 23); // 2^n
      FloatVector r = nf.fma(FloatVector.broadcast(F, -LN2_HIGH), x);
      r = nf.fma(FloatVector.broadcast(F, -LN2_LOW), r);
      FloatVector e = FloatVector.broadcast(F, P0).fma(r, FloatVector.broadcast(F, P1));
      e = e.fma(r, FloatVector.broadcast(F, P2));
      e = e.fma(r, FloatVector.broadcast(F, P3));
      e = e.fma(r, FloatVector.broadcast(F, P4));
      e = e.fma(r, FloatVector.broadcast(F, P5));
      e = e.fma(r.mul(r), r.add(1f)).mul(scale.reinterpretAsFloats());
      e = e.blend(0f, seen.not().or(x.lt(EXP_FLOOR)));
      e.intoArray(p, j);
      acc = acc.add(e);
    }
    float[] lanes = new float[L];
    acc.intoArray(lanes, 0);
    float sum = VectorGemv.sumLanes(lanes);
    for (int t = j; t < s; t++) { // the columns that did not fill a vector: the same operations, one lane
      p[t] = visible[t] ? exp(p[t] - max) : 0f;
      sum += p[t];
    }
    final FloatVector total = FloatVector.broadcast(F, sum);
    for (j = 0; j <= s - L; j += L) {
      FloatVector.fromArray(F, p, j).div(total).intoArray(p, j);
    }
    for (; j < s; j++) {
      p[j] /= sum;
    }
  }

  /** {@code exp(x)} for {@code x <= 0} by the operations {@link #softmax} applies to each lane (0 below {@code EXP_FLOOR}). */
  static float exp(float x) {
    float n = x * LOG2E + ROUND;
    float nf = n - ROUND;
    float scale = Float.intBitsToFloat((Float.floatToRawIntBits(n) - (0x4B400000 - 127)) << 23);
    float r = Math.fma(nf, -LN2_HIGH, x);
    r = Math.fma(nf, -LN2_LOW, r);
    float e = Math.fma(P0, r, P1);
    e = Math.fma(e, r, P2);
    e = Math.fma(e, r, P3);
    e = Math.fma(e, r, P4);
    e = Math.fma(e, r, P5);
    e = Math.fma(e, r * r, r + 1f) * scale;
    return x < EXP_FLOOR ? 0f : e;
  }

  /**
   * {@code out[oa .. oa+d) = sum_j pa[j] V_j} and {@code out[ob .. ob+d) = sum_j pb[j] V_j} over the {@code s}
   * cached values (laid out as {@link #scores}' keys), each term added in column order with one FMA;
   * {@code oa != ob}. One pass over the values, in memory order, for both heads.
   */
  static void mix(float[] pa, float[] pb, ByteBuffer v, int base, int rowBytes, int s, int d, float[] out, int oa,
      int ob) {
    OffHeapLoads.checkRows(v, base, s, rowBytes, d * Float.BYTES); // the loads below check none
    final long at = OffHeapLoads.address(v);
    final int dv = d - d % L;
    java.util.Arrays.fill(out, oa, oa + d, 0f);
    java.util.Arrays.fill(out, ob, ob + d, 0f);
    for (int j = 0; j < s; j++) {
      final int b = base + j * rowBytes;
      final FloatVector wa = FloatVector.broadcast(F, pa[j]);
      final FloatVector wb = FloatVector.broadcast(F, pb[j]);
      for (int c = 0; c < dv; c += L) {
        FloatVector x = OffHeapLoads.floats(v, at, b + c * 4);
        x.fma(wa, FloatVector.fromArray(F, out, oa + c)).intoArray(out, oa + c);
        x.fma(wb, FloatVector.fromArray(F, out, ob + c)).intoArray(out, ob + c);
      }
      for (int c = dv; c < d; c++) {
        float x = v.getFloat(b + c * 4);
        out[oa + c] = Math.fma(x, pa[j], out[oa + c]);
        out[ob + c] = Math.fma(x, pb[j], out[ob + c]);
      }
    }
  }

  /**
   * As {@link #mix} for an f16 cache ({@code d} even; each f16 widened exactly), the sums left as
   * {@link RowOps#splitPairs}' halves: {@code la/ha} for head a, {@code lb/hb} for head b ({@code d/2} each,
   * overwritten).
   */
  static void mixHalf(float[] pa, float[] pb, ByteBuffer v, int base, int rowBytes, int s, int d, float[] la,
      float[] ha, float[] lb, float[] hb) {
    OffHeapLoads.checkRows(v, base, s, rowBytes, d * 2); // the loads below check none
    final long at = OffHeapLoads.address(v);
    final int pairs = d / 2;
    final int pv = pairs - pairs % L;
    final int lowAt = NATIVE == ByteOrder.LITTLE_ENDIAN ? 0 : 2;
    java.util.Arrays.fill(la, 0, pairs, 0f);
    java.util.Arrays.fill(ha, 0, pairs, 0f);
    java.util.Arrays.fill(lb, 0, pairs, 0f);
    java.util.Arrays.fill(hb, 0, pairs, 0f);
    for (int j = 0; j < s; j++) {
      final int b = base + j * rowBytes;
      final FloatVector wa = FloatVector.broadcast(F, pa[j]);
      final FloatVector wb = FloatVector.broadcast(F, pb[j]);
      for (int p = 0; p < pv; p += L) {
        IntVector w = OffHeapLoads.ints(v, at, b + p * 4);
        IntVector lo = w.and(0xFFFF);
        IntVector hi = w.lanewise(VectorOperators.LSHR, 16);
        FloatVector fl = lo.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(HALF_SCALE)
            .reinterpretAsInts().or(lo.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
        FloatVector fh = hi.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(HALF_SCALE)
            .reinterpretAsInts().or(hi.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
        fl.fma(wa, FloatVector.fromArray(F, la, p)).intoArray(la, p);
        fh.fma(wa, FloatVector.fromArray(F, ha, p)).intoArray(ha, p);
        fl.fma(wb, FloatVector.fromArray(F, lb, p)).intoArray(lb, p);
        fh.fma(wb, FloatVector.fromArray(F, hb, p)).intoArray(hb, p);
      }
      for (int p = pv; p < pairs; p++) {
        float vl = HalfFloats.fromF16(v.getShort(b + p * 4 + lowAt));
        float vh = HalfFloats.fromF16(v.getShort(b + p * 4 + 2 - lowAt));
        la[p] = Math.fma(vl, pa[j], la[p]);
        ha[p] = Math.fma(vh, pa[j], ha[p]);
        lb[p] = Math.fma(vl, pb[j], lb[p]);
        hb[p] = Math.fma(vh, pb[j], hb[p]);
      }
    }
  }
}
