package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ltm.lora.io.HalfFloats;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bf16 GEMV kernel (weights read in 16 bits, widened in registers, f32 accumulation) against a
 * scalar float64 reference over the exactly widened weights ({@link HalfFloats}), on shapes that are not multiples of the
 * vector length or of its four-row step; and the libtorch path of a bf16 (and an f16) {@link LinearProjection}
 * (widened to f32 a chunk of rows at a time) against the same.
 */
class VectorGemv16BitTest {
  private static final int[][] SHAPES = {{1, 1}, {3, 5}, {7, 31}, {8, 32}, {9, 33}, {17, 63}, {23, 100}, {16, 1031},
      {41, 257}, {300, 1031}, {13, 4099}, {6, 6144}}; // (rows, cols); 300 x 1031 is over the pool's parallel
  // threshold; 13 x 4099 and 6 x 6144: wide rows, with rows left over after the four-row groups

  /**
   * Random bit patterns of {@code format} for values in [-1, 1) (rounded from f32 as torch's casts do); for
   * f16 every tenth one below 2^-14 (a subnormal half), and one of each special: -0, +-inf, the largest half.
   */
  private static short[] bits(WeightFormat format, SplittableRandom rnd, int n) {
    short[] out = new short[n];
    for (int i = 0; i < n; i++) {
      float v = (float) (rnd.nextDouble() * 2 - 1);
      out[i] = format == WeightFormat.BF16 ? HalfFloats.toBf16(v) : HalfFloats.toF16(i % 10 == 3 ? v * 6e-5f : v);
    }
    return out;
  }

  private static float widen(WeightFormat format, short h) {
    return format == WeightFormat.BF16 ? HalfFloats.fromBf16(h) : HalfFloats.fromF16(h);
  }

  private static float[] floats(SplittableRandom rnd, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (rnd.nextDouble() * 2 - 1);
    }
    return x;
  }

  /**
   * Checks {@code got} against the float64 products of the widened weights: f32 accumulation of
   * {@code cols} terms errs by at most about {@code cols * 2^-24 * sum |w x|}; 1e-6 relative to
   * {@code sum |w x|} allows 16 ulps at the 1031 columns here and catches any wrong or missing term
   * (each term is about 1/cols of the sum).
   */
  private static void assertMatchesReference(WeightFormat format, float[] got, short[] bits, float[] x, float[] bias,
      int rows, int cols) {
    for (int r = 0; r < rows; r++) {
      double want = bias == null ? 0 : bias[r];
      double mag = 0;
      for (int c = 0; c < cols; c++) {
        double t = (double) widen(format, bits[r * cols + c]) * x[c];
        want += t;
        mag += Math.abs(t);
      }
      assertThat((double) got[r]).as("row %d of [%d, %d]", r, rows, cols).isCloseTo(want,
          org.assertj.core.data.Offset.offset(1e-6 * mag + 1e-7));
    }
  }

  @ParameterizedTest
  @EnumSource(value = WeightFormat.class, names = {"BF16"})
  void kernelMatchesTheScalarReferenceOnOddShapesWithAndWithoutBias(WeightFormat format) {
    SplittableRandom rnd = new SplittableRandom(5);
    try (NDManager m = NDManager.newBaseManager()) {
      for (int[] s : SHAPES) {
        for (boolean withBias : new boolean[] {false, true}) {
          short[] bits = bits(format, rnd, s[0] * s[1]);
          float[] bias = withBias ? floats(rnd, s[0]) : null;
          float[] x = floats(rnd, s[1]);
          NDArray w = WeightFormat.array16(m, bits, new Shape(s[0], s[1]));
          Gemv kernel = Gemv.of(w, bias == null ? null : m.create(bias), format);
          assertThat(kernel).as("%s kernel for %s", format, w.getShape()).isNotNull();
          assertThat(kernel.format()).isEqualTo(format);
          assertThat(kernel.weightBytes()).isEqualTo(2L * s[0] * s[1]);
          float[] y = new float[s[0]];
          kernel.apply(x, y);
          assertMatchesReference(format, y, bits, x, bias, s[0], s[1]);
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = WeightFormat.class, names = {"BF16"})
  void weightsSplitIntoSeveralBuffersGiveTheSameBits(WeightFormat format) {
    weightsSplitIntoSeveralBuffersGiveTheSameBits(format, 101, 97);
    weightsSplitIntoSeveralBuffersGiveTheSameBits(format, 23, 4099); // wide rows
  }

  private static void weightsSplitIntoSeveralBuffersGiveTheSameBits(WeightFormat format, int rows, int cols) {
    SplittableRandom rnd = new SplittableRandom(6);
    short[] bits = bits(format, rnd, rows * cols);
    float[] x = floats(rnd, cols);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = WeightFormat.array16(m, bits, new Shape(rows, cols));
      float[] whole = new float[rows];
      Gemv.of(w, null, format).apply(x, whole);
      for (long chunk : new long[] {cols * 2L, cols * 2L * 7, cols * 2L * 50}) { // 1, 7 and 50 rows per buffer
        float[] y = new float[rows];
        Gemv.of(w, null, format, chunk).apply(x, y);
        assertThat(y).as("%d bytes per buffer", chunk).containsExactly(whole);
      }
      assertMatchesReference(format, whole, bits, x, null, rows, cols);
    }
  }

  /**
   * Wide and narrow rows (odd widths included) in one buffer and split over several, each buffer's loads
   * range-checked on its own: every output the same bits, and within tolerance of the reference.
   */
  @Test
  void wideRowsInOneBufferOrSplitGiveTheSameBits() {
    SplittableRandom rnd = new SplittableRandom(9);
    try (NDManager m = NDManager.newBaseManager()) {
      java.util.List<int[]> shapes = new java.util.ArrayList<>(java.util.Arrays.asList(SHAPES));
      shapes.add(new int[] {37, 8194}); // wide, 37 = 4 quarters of 9 + 1 row left
      shapes.add(new int[] {64, 2048});
      for (int[] s : shapes) {
        short[] bits = bits(WeightFormat.BF16, rnd, s[0] * s[1]);
        float[] x = floats(rnd, s[1]);
        NDArray w = WeightFormat.array16(m, bits, new Shape(s[0], s[1]));
        float[] want = new float[s[0]];
        Gemv.of(w, null, WeightFormat.BF16).apply(x, want);
        float[] split = new float[s[0]];
        Gemv.of(w, null, WeightFormat.BF16, s[1] * 2L * 3).apply(x, split); // three rows per buffer
        assertThat(split).as("[%d, %d], three rows per buffer", s[0], s[1]).containsExactly(want);
        assertMatchesReference(WeightFormat.BF16, want, bits, x, null, s[0], s[1]);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = WeightFormat.class, names = {"BF16", "F16"})
  void aProjectionMatchesTheReferenceThroughTheKernelAndThroughLibtorchWidenedInChunks(WeightFormat format) {
    SplittableRandom rnd = new SplittableRandom(7);
    int rows = 45;
    int cols = 71;
    short[] bits = bits(format, rnd, rows * cols);
    float[] bias = floats(rnd, rows);
    try (NDManager m = NDManager.newBaseManager()) {
      LinearProjection p = new LinearProjection("p", WeightFormat.array16(m, bits, new Shape(rows, cols)), m.create(bias), format);
      float[] x1 = floats(rnd, cols);
      long calls = Gemv.calls();
      float[] one = p.apply(m.create(x1, new Shape(1, 1, cols))).toFloatArray(); // one row: the bf16 kernel
      if (format == WeightFormat.BF16) {
        assertThat(Gemv.calls() - calls).isGreaterThanOrEqualTo(1);
      } else {
        assertThat(p.kernel()).as("no f16 kernel: libtorch over the widened weight").isNull();
      }
      assertMatchesReference(format, one, bits, x1, bias, rows, cols);
      float[] x3 = floats(rnd, 3 * cols);
      NDArray batch = m.create(x3, new Shape(3, cols));
      float[] all = p.apply(batch).toFloatArray(); // three rows: libtorch over the weight widened to f32
      assertThat(all).hasSize(3 * rows);
      for (long chunk : new long[] {cols, 7L * cols, 1L << 20}) { // 1 row, 7 rows, all rows per widening
        float[] got = chunk == 1L << 20 ? all : p.widened(batch, chunk).toFloatArray();
        for (int i = 0; i < 3; i++) {
          float[] xi = java.util.Arrays.copyOfRange(x3, i * cols, (i + 1) * cols);
          assertMatchesReference(format, java.util.Arrays.copyOfRange(got, i * rows, (i + 1) * rows), bits, xi, bias,
              rows, cols);
        }
      }
    }
  }

  @Test
  void widenedRowsAreTheExactBf16Values() {
    SplittableRandom rnd = new SplittableRandom(8);
    short[] bits = bits(WeightFormat.BF16, rnd, 6 * 10);
    bits[3] = (short) 0x8000; // -0
    bits[4] = (short) 0x0001; // the smallest subnormal
    bits[5] = (short) 0x7F80; // +inf
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = WeightFormat.array16(m, bits, new Shape(6, 10));
      float[] got = WeightFormat.BF16.rows(m, w).toFloatArray();
      float[] direct = WeightFormat.BF16.floats(w);
      for (int i = 0; i < bits.length; i++) {
        assertThat(Float.floatToRawIntBits(got[i])).isEqualTo((bits[i] & 0xFFFF) << 16);
        assertThat(Float.floatToRawIntBits(direct[i])).isEqualTo((bits[i] & 0xFFFF) << 16);
      }
    }
  }
}
