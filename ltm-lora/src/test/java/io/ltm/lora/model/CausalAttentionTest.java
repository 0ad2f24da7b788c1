package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link CausalAttention} against causal grouped-query attention computed in double precision: query counts with
 * and without a partial tile of rows or of columns, head dims with and without a partial tile of value dimensions,
 * one and several query heads per kv head, two batch rows, and values given as a strided view.
 */
class CausalAttentionTest {

  @ParameterizedTest(name = "t={0}, d={1}, heads={2}/{3}")
  @CsvSource({"1,128,2,1", "2,6,3,3", "5,40,6,2", "67,128,4,2", "130,64,2,2", "33,80,3,1"})
  void matchesDoublePrecisionCausalAttention(int t, int d, int nH, int nKv) {
    int b = 2;
    int groups = nH / nKv;
    SplittableRandom rnd = new SplittableRandom(t * 1000L + d);
    float[] q = gaussian(rnd, b * nH * t * d, 1 / Math.sqrt(d)); // (B, nH, T, D), pre-scaled
    float[] k = gaussian(rnd, b * nKv * t * d, 1); // (B, nKv, T, D)
    float[] v = gaussian(rnd, b * nKv * t * d, 1); // (B, nKv, T, D)
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray qa = m.create(q, new Shape(b, nH, t, d));
      NDArray ka = m.create(k, new Shape(b, nKv, t, d));
      float[] vt = m.create(v, new Shape(b, nKv, t, d)).transpose(0, 2, 1, 3).toFloatArray(); // (B, T, nKv, D)
      NDArray va = m.create(vt, new Shape(b, t, nKv, d)).transpose(0, 2, 1, 3); // (B, nKv, T, D), a strided view
      NDArray out = CausalAttention.apply(qa, ka, va, groups);
      assertThat(out.getShape()).isEqualTo(new Shape(b, nH, t, d));
      assertMatchesFloat64(out.toFloatArray(), q, k, v, b, nH, nKv, t, d, 2e-6);
    }
  }

  /**
   * Asserts {@code got [B, nH, T, D]} is causal grouped-query attention of {@code q [B, nH, T, D]} (pre-scaled) over
   * {@code k, v [B, nKv, T, D]} computed in double precision, within {@code tolerance} per element.
   */
  static void assertMatchesFloat64(float[] got, float[] q, float[] k, float[] v, int b, int nH, int nKv, int t, int d,
      double tolerance) {
    assertThat(got).hasSize(q.length);
    for (int r = 0; r < b; r++) {
      for (int h = 0; h < nH; h++) {
        int kv = h / (nH / nKv);
        for (int i = 0; i < t; i++) {
          double[] w = new double[i + 1]; // query i sees keys 0..i
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= i; j++) {
            for (int c = 0; c < d; c++) {
              w[j] += (double) q[((r * nH + h) * t + i) * d + c] * k[((r * nKv + kv) * t + j) * d + c];
            }
            max = Math.max(max, w[j]);
          }
          double sum = 0;
          for (int j = 0; j <= i; j++) {
            w[j] = Math.exp(w[j] - max);
            sum += w[j];
          }
          for (int c = 0; c < d; c++) {
            double want = 0;
            for (int j = 0; j <= i; j++) {
              want += w[j] / sum * v[((r * nKv + kv) * t + j) * d + c];
            }
            assertThat((double) got[((r * nH + h) * t + i) * d + c]).as("row %d head %d query %d col %d", r, h, i, c)
                .isCloseTo(want, org.assertj.core.data.Offset.offset(tolerance));
          }
        }
      }
    }
  }

  @Test
  void givesTheSameBitsEveryCall() {
    SplittableRandom rnd = new SplittableRandom(5);
    int t = 97;
    int d = 64;
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray q = m.create(gaussian(rnd, 4 * t * d, 0.125), new Shape(1, 4, t, d));
      NDArray k = m.create(gaussian(rnd, 2 * t * d, 1), new Shape(1, 2, t, d));
      NDArray v = m.create(gaussian(rnd, 2 * t * d, 1), new Shape(1, 2, t, d));
      float[] first = CausalAttention.apply(q, k, v, 2).toFloatArray();
      for (int i = 0; i < 20; i++) {
        assertThat(CausalAttention.apply(q, k, v, 2).toFloatArray()).as("call %d", i).isEqualTo(first);
      }
    }
  }

  @Test
  void rejectsKeysOfTheWrongShape() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray q = m.zeros(new Shape(1, 4, 3, 8));
      NDArray k = m.zeros(new Shape(1, 2, 4, 8));
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> CausalAttention.apply(q, k, k, 2))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(1, 2, 4, 8)");
    }
  }

  static float[] gaussian(SplittableRandom rnd, int n, double scale) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) (rnd.nextGaussian() * scale);
    }
    return x;
  }
}
