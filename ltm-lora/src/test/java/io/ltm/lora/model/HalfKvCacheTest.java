package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.HalfFloats;
import io.ltm.lora.io.TensorDType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The f16 KV cache: its kernels against scalar references and libtorch's own f16 rounding, and generation
 * with it against the f32 cache: logprobs over the whole vocabulary within {@link #TOLERANCE} (the stated
 * tolerance), the chosen token's within half of it, on every architecture, through both decode paths,
 * for as long as both caches choose the same greedy tokens (on these random checkpoints near-ties are
 * common, and a flip is allowed after the first 8 steps).
 */
class HalfKvCacheTest {
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
  /** Largest |logprob| change over the vocabulary an f16 cache may make, against an f32 cache. */
  static final double TOLERANCE = 1e-2;

  @AfterEach
  void pathBackOn() {
    Decoder.useRowDecoder(true);
  }

  @Test
  void storedHalvesRoundAsLibtorchDoesAndReadBackExactly() {
    Random rnd = new Random(3);
    int n = 4096;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      // normals over a wide range, subnormal halves, zeros of both signs, ties
      x[i] = switch (i % 5) {
        case 0 -> (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(30) - 15));
        case 1 -> (float) (rnd.nextGaussian() * 1e-6);
        case 2 -> i % 2 == 0 ? 0f : -0f;
        case 3 -> Float.intBitsToFloat(Float.floatToRawIntBits(1f + rnd.nextInt(1024) / 1024f) | 0x1000); // an f16 tie
        default -> (float) rnd.nextGaussian();
      };
    }
    ByteBuffer buf = ByteBuffer.allocateDirect(n * 2).order(NATIVE);
    RowOps.storeHalf(x, 0, buf, 0, n);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray torch = m.create(x).toType(DataType.FLOAT16, false);
      ByteBuffer tb = torch.toByteBuffer().order(NATIVE);
      for (int i = 0; i < n; i++) {
        assertThat(buf.getShort(i * 2)).as("f16 bits of %s", x[i]).isEqualTo(tb.getShort(i * 2));
      }
    }
    // widened back by the vector kernels: a dot with a one-hot q reads each element exactly
    int d = 128;
    float[] low = new float[d / 2];
    float[] high = new float[d / 2];
    float[] one = new float[d];
    for (int c = 0; c < n / d; c++) {
      for (int j = 0; j < d; j += 7) {
        java.util.Arrays.fill(one, 0f);
        one[j] = 1f;
        RowOps.splitPairs(one, 0, low, high, d);
        float got = RowOps.dotHalf(low, high, buf, c * d * 2, d);
        assertThat(got).isEqualTo(HalfFloats.fromF16(buf.getShort((c * d + j) * 2)));
      }
    }
  }

  @Test
  void dotAndWeightedSumOverHalvesMatchADoubleReference() {
    Random rnd = new Random(11);
    for (int d : new int[] {64, 128, 80, 18}) { // 80 and 18 leave pairs outside a full vector
      float[] q = new float[d];
      float[] v = new float[d];
      for (int i = 0; i < d; i++) {
        q[i] = (float) rnd.nextGaussian();
        v[i] = (float) rnd.nextGaussian() * 3;
      }
      ByteBuffer buf = ByteBuffer.allocateDirect(d * 2 + 6).order(NATIVE);
      RowOps.storeHalf(v, 0, buf, 6, d); // at an offset that is not a multiple of a vector
      double ref = 0;
      for (int i = 0; i < d; i++) {
        ref += (double) q[i] * HalfFloats.fromF16(buf.getShort(6 + i * 2));
      }
      float[] low = new float[d / 2];
      float[] high = new float[d / 2];
      RowOps.splitPairs(q, 0, low, high, d);
      assertThat((double) RowOps.dotHalf(low, high, buf, 6, d)).as("d=%d", d).isCloseTo(ref, org.assertj.core.data.Offset.offset(1e-4));
      // the same row twice (row stride 0): head a weighs it 0.5 and -2, head b 1 and 1
      float[] la = new float[d / 2];
      float[] ha = new float[d / 2];
      float[] lb = new float[d / 2];
      float[] hb = new float[d / 2];
      RowAttention.mixHalf(new float[] {0.5f, -2f}, new float[] {1f, 1f}, buf, 6, 0, 2, d, la, ha, lb, hb);
      float[] out = new float[2 * d + 3];
      RowOps.joinPairs(la, ha, out, 3, d);
      RowOps.joinPairs(lb, hb, out, 3 + d, d);
      for (int i = 0; i < d; i++) {
        float x = HalfFloats.fromF16(buf.getShort(6 + i * 2));
        assertThat(out[3 + i]).isCloseTo(-1.5f * x, org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(out[3 + d + i]).isCloseTo(2f * x, org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = CheckpointPreset.class, names = {"TINY_QWEN3", "TINY_LLAMA3_ROPE", "TINY_QWEN2", "TINY_QWEN3_MOE"})
  void bothPathsAgreeOnAnF16CacheAndStayWithinToleranceOfF32(CheckpointPreset preset) {
    try (Decoder d = DecoderLoader.load(TestCheckpoints.get(preset, TensorDType.F32, 5))) {
      int[] prompt = DecoderConsistencyTest.randomIds(7, 40);
      List<float[]> full = RowDecoderTest.greedy(d, prompt, 24, i -> true, TensorDType.F32);
      for (boolean row : new boolean[] {true, false}) {
        List<float[]> half = RowDecoderTest.greedy(d, prompt, 24, i -> row, TensorDType.F16);
        double worst = 0;
        double worstChosen = 0;
        for (int i = 0; i < half.size(); i++) {
          int t = RowDecoderTest.argmax(full.get(i));
          if (RowDecoderTest.argmax(half.get(i)) != t) {
            assertThat(i).as("%s: greedy tokens differ from step", preset).isGreaterThanOrEqualTo(8);
            break; // the sequences differ from here on: no longer comparable
          }
          worst = Math.max(worst, RowDecoderTest.maxDiff(half.get(i), full.get(i)));
          worstChosen = Math.max(worstChosen, Math.abs(half.get(i)[t] - full.get(i)[t]));
        }
        System.out.printf("%s, %s path: f16 cache vs f32, max |dlogprob| %.2e over the vocabulary, %.2e for the chosen token%n",
            preset, row ? "row" : "libtorch", worst, worstChosen);
        assertThat(worst).as("%s: f16 vs f32 cache", preset).isLessThan(TOLERANCE).isGreaterThan(0);
        assertThat(worstChosen).as("%s: the chosen token", preset).isLessThan(TOLERANCE / 2);
      }
    }
  }

  @Test
  void anF16CacheHoldsHalfTheBytes() {
    try (Decoder d = DecoderLoader.load(TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.F32, 5));
        KvCache full = d.newCache(2, 64, TensorDType.F32);
        KvCache half = d.newCache(2, 64, TensorDType.F16)) {
      assertThat(half.half()).isTrue();
      assertThat(full.half()).isFalse();
      assertThat(half.bytes() * 2).isEqualTo(full.bytes());
      assertThat(full.bytes()).isEqualTo(2L * d.config().numLayers() * 2 * d.config().numKvHeads() * 64 * d.config().headDim() * 4);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.newCache(1, 8, TensorDType.BF16))
          .hasMessageContaining("F32 or F16");
    }
  }
}
