package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link PrefillOps}' kernels against the libtorch ops they replace ({@link RmsNorm#apply}, {@link Rope#apply} after a
 * transpose), on contiguous inputs and on the strided views a fused q/k/v projection's split gives: head dims with
 * and without a partial vector, with and without the q/k norm.
 */
class PrefillOpsTest {

  @ParameterizedTest(name = "n={0}")
  @CsvSource({"1024", "40", "7"})
  void rmsNormMatchesLibtorch(int n) {
    SplittableRandom rnd = new SplittableRandom(n);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(CausalAttentionTest.gaussian(rnd, 2 * 9 * n, 3), new Shape(2, 9, n));
      NDArray w = m.create(CausalAttentionTest.gaussian(rnd, n, 1), new Shape(n));
      float[] want = RmsNorm.apply(x, w, 1e-6f).toFloatArray();
      float[] got = PrefillOps.rmsNorm(x, w, 1e-6f).toFloatArray();
      assertThat(RowDecoderTest.maxDiff(got, want)).isLessThan(1e-5);
    }
  }

  @ParameterizedTest(name = "d={0}, heads={1}, norm={2}")
  @CsvSource({"128,3,true", "128,3,false", "40,2,true", "6,5,true", "6,1,false"})
  void normRotateMatchesNormThenRope(int d, int heads, boolean norm) {
    int b = 2;
    int t = 11;
    SplittableRandom rnd = new SplittableRandom(d * 10L + heads);
    try (NDManager m = NDManager.newBaseManager()) {
      // a fused projection's output, split: the first part is a strided view, as in Decoder.layer
      NDArray fused = m.create(CausalAttentionTest.gaussian(rnd, b * t * (heads + 2) * d, 2),
          new Shape(b, t, (long) (heads + 2) * d));
      NDList parts = fused.split(new long[] {(long) heads * d}, 2);
      NDArray x = parts.get(0).reshape(b, t, heads, d); // (B, T, heads, D)
      NDArray w = norm ? m.create(CausalAttentionTest.gaussian(rnd, d, 1), new Shape(d)) : null;
      float[] angles = CausalAttentionTest.gaussian(rnd, b * t * d / 2, 3);
      float[] cos = new float[b * t * d];
      float[] sin = new float[b * t * d];
      for (int r = 0; r < b * t; r++) { // both halves of a row equal, as Rope builds them
        for (int j = 0; j < d / 2; j++) {
          float a = angles[r * d / 2 + j];
          cos[r * d + j] = cos[r * d + d / 2 + j] = (float) Math.cos(a) * 0.3f;
          sin[r * d + j] = sin[r * d + d / 2 + j] = (float) Math.sin(a) * 0.3f;
        }
      }
      NDArray c = m.create(cos, new Shape(b, 1, t, d));
      NDArray s = m.create(sin, new Shape(b, 1, t, d));
      NDArray normed = w == null ? x : RmsNorm.apply(x, w, 1e-6f);
      float[] want = Rope.apply(normed.transpose(0, 2, 1, 3), c, s, Rope.rotateHalfMatrix(m, d)).toFloatArray();
      NDArray got = PrefillOps.normRotate(x, w, 1e-6f, c, s);
      assertThat(got.getShape()).isEqualTo(new Shape(b, heads, t, d));
      assertThat(RowDecoderTest.maxDiff(got.toFloatArray(), want)).isLessThan(1e-5);
      if (w == null) { // no sum of squares: the same operations in the same order, the same bits
        assertThat(got.toFloatArray()).isEqualTo(want);
      }
    }
  }
}
