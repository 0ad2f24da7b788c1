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
 * grouped-query heads. The scores and the weighted sum of values are the same register tile ({@link #tile}) of {@link #ROWS} query rows by
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
      float[][] qt = new float[ROWS][d]; // the tile's query rows (ROWS, D), zero past T
      float[][] p = new float[ROWS][tCols]; // per row: scores, then probabilities
      float[][] o = new float[ROWS][dCols]; // the tile's output rows (ROWS, dCols)
      for (int u = from; u < to; u++) {
        int bh = u / tiles; // batch row * nH + query head
        int i0 = (u % tiles) * ROWS; // first query row of the tile
        int rows = Math.min(ROWS, t - i0);
        int bi = bh / nH;
        int h = bh % nH;
        int kv = bi * nKv + h / groups;
        for (int r = 0; r < ROWS; r++) {
          if (r < rows) {
            qm.asFloatBuffer().get((bh * t + i0 + r) * d, qt[r]);
          } else {
            Arrays.fill(qt[r], 0f);
          }
        }
        int n = i0 + rows; // columns any row of the tile sees
        tile(qt, d, keysT[kv], tCols, roundUp(n, COLS), p); // scores, (ROWS, columns)
        for (int r = 0; r < ROWS; r++) {
          if (r < rows) {
            RowAttention.softmax(p[r], seen, i0 + r + 1); // columns 0..i0+r
            Arrays.fill(p[r], i0 + r + 1, n, 0f); // masked: past the row's own position
          } else {
            Arrays.fill(p[r], 0, n, 0f);
          }
        }
        tile(p, n, values[kv], dCols, dCols, o); // the probability-weighted sum of values, (ROWS, dCols)
        for (int r = 0; r < rows; r++) {
          RowOps.store(o[r], 0, om, (((bi * t + i0 + r) * nH) + h) * d * Float.BYTES, d);
        }
      }
    });
    return out.transpose(0, 2, 1, 3); // (B, nH, T, D)
  }

  /**
   * The register tile both halves of attention are: {@code c[r][x .. x + COLS) = sum_{e < k} a[r][e] *
   * b[e * bStride + x ..]} for the {@link #ROWS} rows and every {@link #COLS}-wide block {@code x} of {@code
   * [0, width)}. Sixteen accumulators in registers: per {@code e}, four vectors of {@code b} loaded and four
   * elements of {@code a} broadcast; each sum in order of {@code e}, one FMA per term. Scores: {@code a} the
   * query rows, {@code b} the keys transposed ({@code (D, tCols)}), {@code k = D}. Output: {@code a} the
   * probabilities, {@code b} the values ({@code (T, dCols)}), {@code k} the columns any row sees.
   */
  private static void tile(float[][] a, int k, float[] b, int bStride, int width, float[][] c) {
    float[] a0 = a[0];
    float[] a1 = a[1];
    float[] a2 = a[2];
    float[] a3 = a[3];
    for (int x = 0; x < width; x += COLS) {
      FloatVector s00 = FloatVector.zero(F);
      FloatVector s01 = s00;
      FloatVector s02 = s00;
      FloatVector s03 = s00;
      FloatVector s10 = s00;
      FloatVector s11 = s00;
      FloatVector s12 = s00;
      FloatVector s13 = s00;
      FloatVector s20 = s00;
      FloatVector s21 = s00;
      FloatVector s22 = s00;
      FloatVector s23 = s00;
      FloatVector s30 = s00;
      FloatVector s31 = s00;
      FloatVector s32 = s00;
      FloatVector s33 = s00;
      for (int e = 0; e < k; e++) {
        int at = e * bStride + x;
        FloatVector b0 = FloatVector.fromArray(F, b, at);
        FloatVector b1 = FloatVector.fromArray(F, b, at + L);
        FloatVector b2 = FloatVector.fromArray(F, b, at + 2 * L);
        FloatVector b3 = FloatVector.fromArray(F, b, at + 3 * L);
        FloatVector w0 = FloatVector.broadcast(F, a0[e]);
        s00 = b0.fma(w0, s00);
        s01 = b1.fma(w0, s01);
        s02 = b2.fma(w0, s02);
        s03 = b3.fma(w0, s03);
        FloatVector w1 = FloatVector.broadcast(F, a1[e]);
        s10 = b0.fma(w1, s10);
        s11 = b1.fma(w1, s11);
        s12 = b2.fma(w1, s12);
        s13 = b3.fma(w1, s13);
        FloatVector w2 = FloatVector.broadcast(F, a2[e]);
        s20 = b0.fma(w2, s20);
        s21 = b1.fma(w2, s21);
        s22 = b2.fma(w2, s22);
        s23 = b3.fma(w2, s23);
        FloatVector w3 = FloatVector.broadcast(F, a3[e]);
        s30 = b0.fma(w3, s30);
        s31 = b1.fma(w3, s31);
        s32 = b2.fma(w3, s32);
        s33 = b3.fma(w3, s33);
      }
      s00.intoArray(c[0], x);
      s01.intoArray(c[0], x + L);
      s02.intoArray(c[0], x + 2 * L);
      s03.intoArray(c[0], x + 3 * L);
      s10.intoArray(c[1], x);
      s11.intoArray(c[1], x + L);
      s12.intoArray(c[1], x + 2 * L);
      s13.intoArray(c[1], x + 3 * L);
      s20.intoArray(c[2], x);
      s21.intoArray(c[2], x + L);
      s22.intoArray(c[2], x + 2 * L);
      s23.intoArray(c[2], x + 3 * L);
      s30.intoArray(c[3], x);
      s31.intoArray(c[3], x + L);
      s32.intoArray(c[3], x + 2 * L);
      s33.intoArray(c[3], x + 3 * L);
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
