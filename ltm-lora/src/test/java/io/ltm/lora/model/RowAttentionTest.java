package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.lora.io.HalfFloats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * {@link RowAttention}'s kernels against attention computed in double precision from the same cached keys and
 * values: head dims with and without a partial vector, column counts with and without a partial block of four,
 * columns hidden by the mask, f32 and f16 caches.
 */
class RowAttentionTest {

  @ParameterizedTest(name = "d={0}, s={1}, f16={2}")
  @CsvSource({"128,1,false", "128,7,false", "128,260,false", "40,37,false", "6,5,false",
      "128,1,true", "128,7,true", "128,260,true", "40,37,true", "6,5,true"})
  void twoHeadsMatchDoublePrecisionAttention(int d, int s, boolean f16) {
    SplittableRandom rnd = new SplittableRandom(d * 1000L + s);
    int rowBytes = d * (f16 ? 2 : 4);
    int base = 3 * rowBytes; // the keys of this kv head start a few rows into the buffer
    ByteBuffer keys = ByteBuffer.allocateDirect(base + s * rowBytes).order(ByteOrder.nativeOrder());
    ByteBuffer values = ByteBuffer.allocateDirect(base + s * rowBytes).order(ByteOrder.nativeOrder());
    double[][] k = new double[s][d];
    double[][] v = new double[s][d];
    for (int j = 0; j < s; j++) {
      for (int c = 0; c < d; c++) {
        k[j][c] = put(keys, base + j * rowBytes, c, (float) rnd.nextGaussian(), f16);
        v[j][c] = put(values, base + j * rowBytes, c, (float) rnd.nextGaussian(), f16);
      }
    }
    float[] q = new float[3 * d]; // heads 1 and 2 of three
    for (int i = 0; i < q.length; i++) {
      q[i] = (float) (rnd.nextGaussian() / Math.sqrt(d));
    }
    boolean[] visible = new boolean[s];
    for (int j = 0; j < s; j++) {
      visible[j] = j == s - 1 || rnd.nextInt(4) != 0; // the query's own column is always visible
    }

    float[] pa = new float[s];
    float[] pb = new float[s];
    float[] out = new float[4 * d];
    if (f16) {
      float[] la = new float[d / 2];
      float[] ha = new float[d / 2];
      float[] lb = new float[d / 2];
      float[] hb = new float[d / 2];
      RowOps.splitPairs(q, d, la, ha, d);
      RowOps.splitPairs(q, 2 * d, lb, hb, d);
      RowAttention.scoresHalf(la, ha, lb, hb, keys, base, rowBytes, s, d, pa, pb);
      RowAttention.softmax(pa, visible, s);
      RowAttention.softmax(pb, visible, s);
      RowAttention.mixHalf(pa, pb, values, base, rowBytes, s, d, la, ha, lb, hb);
      RowOps.joinPairs(la, ha, out, d, d);
      RowOps.joinPairs(lb, hb, out, 3 * d, d);
    } else {
      RowAttention.scores(q, d, 2 * d, keys, base, rowBytes, s, d, pa, pb);
      RowAttention.softmax(pa, visible, s);
      RowAttention.softmax(pb, visible, s);
      RowAttention.mix(pa, pb, values, base, rowBytes, s, d, out, d, 3 * d);
    }

    for (int h = 0; h < 2; h++) {
      double[] p = new double[s];
      double max = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < s; j++) {
        for (int c = 0; c < d; c++) {
          p[j] += q[(1 + h) * d + c] * k[j][c];
        }
        if (visible[j]) {
          max = Math.max(max, p[j]);
        }
      }
      double sum = 0;
      for (int j = 0; j < s; j++) {
        p[j] = visible[j] ? Math.exp(p[j] - max) : 0;
        sum += p[j];
      }
      float[] got = h == 0 ? pa : pb;
      for (int j = 0; j < s; j++) {
        assertThat((double) got[j]).as("head %d, probability of column %d", h, j).isCloseTo(p[j] / sum,
            org.assertj.core.data.Offset.offset(2e-6 + 1e-5 * p[j] / sum));
      }
      for (int c = 0; c < d; c++) {
        double o = 0;
        for (int j = 0; j < s; j++) {
          o += p[j] / sum * v[j][c];
        }
        assertThat((double) out[(1 + 2 * h) * d + c]).as("head %d, output %d", h, c)
            .isCloseTo(o, org.assertj.core.data.Offset.offset(1e-5));
      }
    }
  }

  @Test
  void expIsWithinTwoUlpOfMathExpAndZeroBelowTheFloor() {
    SplittableRandom rnd = new SplittableRandom(5);
    for (int i = 0; i < 200_000; i++) {
      float x = (float) (-87.3 * rnd.nextDouble());
      float want = (float) Math.exp(x);
      assertThat(Math.abs(RowAttention.exp(x) - want)).as("exp(%s)", x).isLessThanOrEqualTo(2 * Math.ulp(want));
    }
    assertThat(RowAttention.exp(0f)).isEqualTo(1f);
    assertThat(RowAttention.exp(-88f)).isZero();
    assertThat(RowAttention.exp(Float.NEGATIVE_INFINITY)).isZero();
  }

  @Test
  void softmaxGivesTheSameBitsOnEveryCall() {
    SplittableRandom rnd = new SplittableRandom(9);
    int s = 301;
    float[] z = new float[s];
    boolean[] visible = new boolean[s];
    for (int j = 0; j < s; j++) {
      z[j] = (float) (4 * rnd.nextGaussian());
      visible[j] = rnd.nextInt(3) != 0;
    }
    visible[0] = true;
    float[] first = z.clone();
    RowAttention.softmax(first, visible, s);
    for (int i = 0; i < 2000; i++) { // long enough for the JIT to compile it
      float[] again = z.clone();
      RowAttention.softmax(again, visible, s);
      assertThat(again).as("call %d", i).containsExactly(first);
    }
  }

  /** Writes {@code x} (rounded to f16 when {@code f16}) as element {@code c} of the row at {@code row}; returns the stored value. */
  private static double put(ByteBuffer b, int row, int c, float x, boolean f16) {
    if (f16) {
      short h = HalfFloats.toF16(x);
      b.putShort(row + 2 * c, h);
      return HalfFloats.fromF16(h);
    }
    b.putFloat(row + 4 * c, x);
    return x;
  }
}
