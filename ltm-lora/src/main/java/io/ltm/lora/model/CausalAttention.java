package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal attention of a prefill over new columns only, in Java: query {@code i} sees keys {@code 0..i}, with
 * grouped-query heads. The scores and the weighted sum of values are register tiles of {@link #ROWS} query rows by
 * four vectors ({@link #COLS}) of key columns or value dimensions: each loaded key or value vector serves four
 * rows, each broadcast query or probability element four vectors, no sum across lanes (the keys are transposed to
 * {@code [D, T]} once per kv head for that). Softmax is {@link RowAttention#softmax}. Columns past a tile's last
 * row are not computed but up to the next multiple of {@link #COLS}.
 *
 * <p>Why not libtorch's flash kernel ({@code scaled_dot_product_attention}, which {@link TorchKernels} calls):
 * its blocks of 64 query rows go through MKL's sgemm, whose "zen" AVX2 kernel and packing ran Qwen3-0.6B's
 * 512-token attention at 34 GFLOP/s on one core here, a quarter of a one-thread bf16 prefill (docs/engine.md,
 * "A prefill's attention, norms and RoPE in Java").
 *
 * <p>Each score is a sum over {@code D} in order, one FMA per term; each output element a sum over the columns
 * in order, one FMA per term, divided by nothing: the probabilities are normalised first, as the explicit path
 * does. Results match libtorch's to f32 rounding and are bit-identical from call to call (the work is split over
 * {@link Gemv#pool()}'s threads by query tile; no sum crosses tiles). Only where no gradient is needed. Loaded
 * only when the {@code jdk.incubator.vector} module is present ({@link Gemv#AVAILABLE}).
 */
final class CausalAttention {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final int L = F.length();
  /** Query rows per tile. */
  static final int ROWS = 4;
  /** Key columns (scores) or value dimensions (output) per tile: four vectors. */
  static final int COLS = 4 * L;
  /**
   * The longest prefill the Java kernel is used for; longer ones take libtorch's flash kernel. Measured on
   * Qwen3-0.6B's attention shape, two threads (2026-12-06): 1.3-1.5x the flash kernel's speed at 2048 columns,
   * level with it at 4096 and 8192 (where the flash kernel's blocking over keys pays off and this kernel's
   * transposed keys, 4 MB per kv head at 8192, no longer sit in the L2 cache); not measured beyond.
   */
  static final int MAX_COLUMNS = 8192;
  /** Calls since the JVM started: tests assert which path a forward took. */
  private static final LongAdder CALLS = new LongAdder();

  private CausalAttention() {}

  /**
   * {@code softmax(q k^T + causal mask) v} per head, {@code q} pre-scaled by {@code 1/sqrt(D)}: query head
   * {@code h} reads kv head {@code h / groups}.
   *
   * @param q {@code [B, nH, T, D]} f32 on the CPU (any strides: a view is copied to contiguous first)
   * @param k {@code [B, nKv, T, D]}
   * @param v {@code [B, nKv, T, D]}
   * @return {@code [B, nH, T, D]} in {@code q}'s manager (a transposed view of a {@code [B, T, nH, D]} array, so the
   *     caller's transpose back to {@code [B, T, nH, D]} is contiguous)
   */
  static NDArray apply(NDArray q, NDArray k, NDArray v, int groups) {
    CALLS.increment();
    Shape qs = q.getShape();
    final int b = (int) qs.get(0);
    final int nH = (int) qs.get(1);
    final int t = (int) qs.get(2);
    final int d = (int) qs.get(3);
    final int nKv = nH / groups;
    if (nKv * groups != nH || !k.getShape().equals(new Shape(b, nKv, t, d)) || !v.getShape().equals(k.getShape())) {
      throw new IllegalArgumentException("causal attention of q " + qs + " over k " + k.getShape() + ", v "
          + v.getShape() + " with " + groups + " query heads per kv head: expected k and v (B, nH / groups, T, D)");
    }
    PrefillOps.requireCpuF32(q, "q");
    PrefillOps.requireCpuF32(k, "k");
    PrefillOps.requireCpuF32(v, "v");
    final ByteBuffer qm = RowOps.memory(q); // (B, nH, T, D)
    final ByteBuffer km = RowOps.memory(k); // (B, nKv, T, D)
    final ByteBuffer vm = RowOps.memory(v); // (B, nKv, T, D)
    final int tCols = roundUp(t, COLS); // key columns, zero-padded
    final int dCols = roundUp(d, COLS); // value dimensions, zero-padded
    final float[][] keysT = new float[b * nKv][]; // (row, kv head) -> (D, tCols): keys transposed
    final float[][] values = new float[b * nKv][]; // (row, kv head) -> (T, dCols)
    Gemv.pool().run(b * nKv, 1, (from, to) -> {
      float[] row = new float[d];
      for (int bh = from; bh < to; bh++) {
        float[] kt = new float[d * tCols];
        float[] vs = new float[t * dCols];
        for (int j = 0; j < t; j++) {
          int at = (bh * t + j) * d; // element (bh, j, 0)
          km.asFloatBuffer().get(at, row);
          for (int e = 0; e < d; e++) {
            kt[e * tCols + j] = row[e];
          }
          vm.asFloatBuffer().get(at, vs, j * dCols, d);
        }
        keysT[bh] = kt;
        values[bh] = vs;
      }
    });
    final boolean[] seen = new boolean[tCols]; // every column softmax is given is visible
    Arrays.fill(seen, true);
    NDArray out = q.getManager().create(new Shape(b, t, nH, d), DataType.FLOAT32);
    final ByteBuffer om = PrefillOps.own(out); // (B, T, nH, D)
    final int tiles = (t + ROWS - 1) / ROWS;
    Gemv.pool().run(b * nH * tiles, 1, (from, to) -> {
      float[] qt = new float[ROWS * d]; // the tile's query rows (ROWS, D), zero past T
      float[][] p = new float[ROWS][tCols]; // per row: scores, then probabilities
      float[] o = new float[ROWS * dCols]; // the tile's output rows (ROWS, dCols)
      for (int u = from; u < to; u++) {
        int bh = u / tiles; // batch row * nH + query head
        int i0 = (u % tiles) * ROWS; // first query row of the tile
        int rows = Math.min(ROWS, t - i0);
        int bi = bh / nH;
        int h = bh % nH;
        int kv = bi * nKv + h / groups;
        Arrays.fill(qt, rows * d, qt.length, 0f);
        qm.asFloatBuffer().get((bh * t + i0) * d, qt, 0, rows * d);
        int n = i0 + rows; // columns any row of the tile sees
        int cols = roundUp(n, COLS);
        scores(qt, d, keysT[kv], tCols, cols, p);
        for (int r = 0; r < ROWS; r++) {
          if (r < rows) {
            RowAttention.softmax(p[r], seen, i0 + r + 1); // columns 0..i0+r
            Arrays.fill(p[r], i0 + r + 1, n, 0f); // masked: past the row's own position
          } else {
            Arrays.fill(p[r], 0, n, 0f);
          }
        }
        mix(p, values[kv], dCols, n, o);
        for (int r = 0; r < rows; r++) {
          RowOps.store(o, r * dCols, om, (((bi * t + i0 + r) * nH) + h) * d * Float.BYTES, d);
        }
      }
    });
    return out.transpose(0, 2, 1, 3); // (B, nH, T, D)
  }

  /**
   * {@code p[r][j] = qt[r] . K_j} for the tile's {@link #ROWS} rows and columns {@code [0, cols)} ({@code cols} a
   * multiple of {@link #COLS}): {@code kt} is {@code (D, tCols)}. Sixteen accumulators in registers: per
   * dimension {@code e}, four key vectors loaded and four query elements broadcast.
   */
  private static void scores(float[] qt, int d, float[] kt, int tCols, int cols, float[][] p) {
    float[] p0 = p[0];
    float[] p1 = p[1];
    float[] p2 = p[2];
    float[] p3 = p[3];
    for (int j0 = 0; j0 < cols; j0 += COLS) {
      FloatVector a00 = FloatVector.zero(F);
      FloatVector a01 = a00;
      FloatVector a02 = a00;
      FloatVector a03 = a00;
      FloatVector a10 = a00;
      FloatVector a11 = a00;
      FloatVector a12 = a00;
      FloatVector a13 = a00;
      FloatVector a20 = a00;
      FloatVector a21 = a00;
      FloatVector a22 = a00;
      FloatVector a23 = a00;
      FloatVector a30 = a00;
      FloatVector a31 = a00;
      FloatVector a32 = a00;
      FloatVector a33 = a00;
      for (int e = 0; e < d; e++) {
        int at = e * tCols + j0;
        FloatVector k0 = FloatVector.fromArray(F, kt, at);
        FloatVector k1 = FloatVector.fromArray(F, kt, at + L);
        FloatVector k2 = FloatVector.fromArray(F, kt, at + 2 * L);
        FloatVector k3 = FloatVector.fromArray(F, kt, at + 3 * L);
        FloatVector q0 = FloatVector.broadcast(F, qt[e]);
        a00 = k0.fma(q0, a00);
        a01 = k1.fma(q0, a01);
        a02 = k2.fma(q0, a02);
        a03 = k3.fma(q0, a03);
        FloatVector q1 = FloatVector.broadcast(F, qt[d + e]);
        a10 = k0.fma(q1, a10);
        a11 = k1.fma(q1, a11);
        a12 = k2.fma(q1, a12);
        a13 = k3.fma(q1, a13);
        FloatVector q2 = FloatVector.broadcast(F, qt[2 * d + e]);
        a20 = k0.fma(q2, a20);
        a21 = k1.fma(q2, a21);
        a22 = k2.fma(q2, a22);
        a23 = k3.fma(q2, a23);
        FloatVector q3 = FloatVector.broadcast(F, qt[3 * d + e]);
        a30 = k0.fma(q3, a30);
        a31 = k1.fma(q3, a31);
        a32 = k2.fma(q3, a32);
        a33 = k3.fma(q3, a33);
      }
      a00.intoArray(p0, j0);
      a01.intoArray(p0, j0 + L);
      a02.intoArray(p0, j0 + 2 * L);
      a03.intoArray(p0, j0 + 3 * L);
      a10.intoArray(p1, j0);
      a11.intoArray(p1, j0 + L);
      a12.intoArray(p1, j0 + 2 * L);
      a13.intoArray(p1, j0 + 3 * L);
      a20.intoArray(p2, j0);
      a21.intoArray(p2, j0 + L);
      a22.intoArray(p2, j0 + 2 * L);
      a23.intoArray(p2, j0 + 3 * L);
      a30.intoArray(p3, j0);
      a31.intoArray(p3, j0 + L);
      a32.intoArray(p3, j0 + 2 * L);
      a33.intoArray(p3, j0 + 3 * L);
    }
  }

  /**
   * {@code o[r] = sum_{j < n} p[r][j] V_j} for the tile's {@link #ROWS} rows over all {@code dCols} (a multiple of
   * {@link #COLS}) value dimensions: {@code vs} is {@code (T, dCols)}. Per column, four value vectors loaded and
   * four probabilities broadcast.
   */
  private static void mix(float[][] p, float[] vs, int dCols, int n, float[] o) {
    float[] p0 = p[0];
    float[] p1 = p[1];
    float[] p2 = p[2];
    float[] p3 = p[3];
    for (int c0 = 0; c0 < dCols; c0 += COLS) {
      FloatVector a00 = FloatVector.zero(F);
      FloatVector a01 = a00;
      FloatVector a02 = a00;
      FloatVector a03 = a00;
      FloatVector a10 = a00;
      FloatVector a11 = a00;
      FloatVector a12 = a00;
      FloatVector a13 = a00;
      FloatVector a20 = a00;
      FloatVector a21 = a00;
      FloatVector a22 = a00;
      FloatVector a23 = a00;
      FloatVector a30 = a00;
      FloatVector a31 = a00;
      FloatVector a32 = a00;
      FloatVector a33 = a00;
      for (int j = 0; j < n; j++) {
        int at = j * dCols + c0;
        FloatVector v0 = FloatVector.fromArray(F, vs, at);
        FloatVector v1 = FloatVector.fromArray(F, vs, at + L);
        FloatVector v2 = FloatVector.fromArray(F, vs, at + 2 * L);
        FloatVector v3 = FloatVector.fromArray(F, vs, at + 3 * L);
        FloatVector w0 = FloatVector.broadcast(F, p0[j]);
        a00 = v0.fma(w0, a00);
        a01 = v1.fma(w0, a01);
        a02 = v2.fma(w0, a02);
        a03 = v3.fma(w0, a03);
        FloatVector w1 = FloatVector.broadcast(F, p1[j]);
        a10 = v0.fma(w1, a10);
        a11 = v1.fma(w1, a11);
        a12 = v2.fma(w1, a12);
        a13 = v3.fma(w1, a13);
        FloatVector w2 = FloatVector.broadcast(F, p2[j]);
        a20 = v0.fma(w2, a20);
        a21 = v1.fma(w2, a21);
        a22 = v2.fma(w2, a22);
        a23 = v3.fma(w2, a23);
        FloatVector w3 = FloatVector.broadcast(F, p3[j]);
        a30 = v0.fma(w3, a30);
        a31 = v1.fma(w3, a31);
        a32 = v2.fma(w3, a32);
        a33 = v3.fma(w3, a33);
      }
      a00.intoArray(o, c0);
      a01.intoArray(o, c0 + L);
      a02.intoArray(o, c0 + 2 * L);
      a03.intoArray(o, c0 + 3 * L);
      a10.intoArray(o, dCols + c0);
      a11.intoArray(o, dCols + c0 + L);
      a12.intoArray(o, dCols + c0 + 2 * L);
      a13.intoArray(o, dCols + c0 + 3 * L);
      a20.intoArray(o, 2 * dCols + c0);
      a21.intoArray(o, 2 * dCols + c0 + L);
      a22.intoArray(o, 2 * dCols + c0 + 2 * L);
      a23.intoArray(o, 2 * dCols + c0 + 3 * L);
      a30.intoArray(o, 3 * dCols + c0);
      a31.intoArray(o, 3 * dCols + c0 + L);
      a32.intoArray(o, 3 * dCols + c0 + 2 * L);
      a33.intoArray(o, 3 * dCols + c0 + 3 * L);
    }
  }

  private static int roundUp(int n, int m) {
    return (n + m - 1) / m * m;
  }

  /** Calls so far, all threads. */
  static long calls() {
    return CALLS.sum();
  }
}
