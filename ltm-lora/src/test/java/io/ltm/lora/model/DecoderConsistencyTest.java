package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.TensorDType;
import ai.djl.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The decoder agrees with itself across KV-cache decoding, padded batches, packed rows and shards.
 * Subclasses run the same checks on another architecture ({@link #preset()}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecoderConsistencyTest {
  protected Decoder decoder;

  /** The checkpoint shape under test. */
  protected CheckpointPreset preset() {
    return CheckpointPreset.TINY_QWEN3;
  }

  @BeforeAll
  void load() {
    decoder = DecoderLoader.load(TestCheckpoints.get(preset(), TensorDType.F32, 5));
  }

  @AfterAll
  void close() {
    decoder.close();
  }

  static int[] randomIds(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = r.nextInt(151_000);
    }
    return ids;
  }

  /** Log-softmax of each column of row {@code row}: [T][V]. */
  static float[][] logprobs(NDArray logits, int row, int from, int to) {
    NDArray lp = logits.get(new NDIndex("{}, {}:{}, :", row, from, to)).logSoftmax(-1);
    int v = (int) lp.getShape().get(1);
    float[] flat = lp.toFloatArray();
    float[][] out = new float[to - from][];
    for (int i = 0; i < out.length; i++) {
      out[i] = java.util.Arrays.copyOfRange(flat, i * v, (i + 1) * v);
    }
    return out;
  }

  static double maxDiff(float[][] a, float[][] b) {
    assertThat(a.length).isEqualTo(b.length);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
      }
    }
    return m;
  }

  @Test
  void kvCacheDecodingEqualsFullRecomputation() {
    int[] ids = randomIds(1, 24);
    try (NDManager scope = decoder.manager().newSubManager(); KvCache cache = decoder.newCache(1, 32)) {
      float[][] full = logprobs(decoder.forward(scope, DecoderInput.of(ids), null, false), 0, 0, ids.length);
      List<float[]> stepwise = new ArrayList<>();
      int prefill = 10;
      NDArray first = decoder.forward(scope, DecoderInput.of(java.util.Arrays.copyOf(ids, prefill)), cache, false);
      for (float[] row : logprobs(first, 0, 0, prefill)) {
        stepwise.add(row);
      }
      for (int i = prefill; i < ids.length; i++) {
        try (NDManager step = scope.newSubManager()) {
          NDArray l = decoder.forward(step, DecoderInput.of(new int[] {ids[i]}, i), cache, true);
          stepwise.add(logprobs(l, 0, 0, 1)[0]);
        }
      }
      assertThat(cache.length()).isEqualTo(ids.length);
      assertThat(maxDiff(full, stepwise.toArray(new float[0][]))).isLessThan(1e-5);
      // greedy tokens agree too
      for (int i = 0; i < ids.length; i++) {
        assertThat(argmax(stepwise.get(i))).isEqualTo(argmax(full[i]));
      }
    }
  }

  @Test
  void cacheOverflowIsAClearError() {
    try (NDManager scope = decoder.manager().newSubManager(); KvCache cache = decoder.newCache(1, 4)) {
      assertThatThrownBy(() -> decoder.forward(scope, DecoderInput.of(randomIds(2, 5)), cache, true))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("KV cache holds 4 columns");
    }
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  @Test
  void paddedBatchEqualsEachRowAlone() {
    List<int[]> rows = List.of(randomIds(3, 5), randomIds(4, 12), randomIds(5, 9));
    for (boolean left : new boolean[] {false, true}) {
      try (NDManager scope = decoder.manager().newSubManager()) {
        DecoderInput batch = DecoderInput.padded(rows, 151643, left);
        NDArray logits = decoder.forward(scope, batch, null, false);
        for (int r = 0; r < rows.size(); r++) {
          int n = rows.get(r).length;
          float[][] alone = logprobs(decoder.forward(scope, DecoderInput.of(rows.get(r)), null, false), 0, 0, n);
          int off = left ? batch.length() - n : 0;
          assertThat(maxDiff(logprobs(logits, r, off, off + n), alone)).as("row %d left=%s", r, left).isLessThan(1e-5);
        }
      }
    }
  }

  @Test
  void packedBlockDiagonalRowEqualsEachExampleAlone() {
    List<int[]> examples = List.of(randomIds(6, 7), randomIds(7, 4), randomIds(8, 10));
    int total = examples.stream().mapToInt(e -> e.length).sum() + 2; // two trailing pad columns
    int[] tok = new int[total];
    int[] pos = new int[total];
    int[] seg = new int[total];
    int c = 0;
    for (int e = 0; e < examples.size(); e++) {
      for (int i = 0; i < examples.get(e).length; i++, c++) {
        tok[c] = examples.get(e)[i];
        pos[c] = i;
        seg[c] = e + 1;
      }
    }
    tok[c] = 151643;
    tok[c + 1] = 151643;
    try (NDManager scope = decoder.manager().newSubManager()) {
      NDArray packed = decoder.forward(scope, new DecoderInput(1, total, tok, pos, seg), null, false);
      int start = 0;
      for (int[] ex : examples) {
        float[][] alone = logprobs(decoder.forward(scope, DecoderInput.of(ex), null, false), 0, 0, ex.length);
        assertThat(maxDiff(logprobs(packed, 0, start, start + ex.length), alone)).isLessThan(1e-5);
        start += ex.length;
      }
    }
  }

  @Test
  void shardedCheckpointLoadsTheSameModel() {
    int[] ids = randomIds(9, 8);
    try (Decoder sharded = DecoderLoader.load(TestCheckpoints.get(preset(), TensorDType.F32, 5, 3));
        NDManager scope = decoder.manager().newSubManager()) {
      float[][] a = logprobs(decoder.forward(scope, DecoderInput.of(ids), null, false), 0, 0, ids.length);
      float[][] b = logprobs(sharded.forward(scope, DecoderInput.of(ids), null, false), 0, 0, ids.length);
      assertThat(maxDiff(a, b)).isEqualTo(0.0);
    }
  }

  @Test
  void halfPrecisionWeightsStayCloseToF32() {
    int[] ids = randomIds(10, 8);
    try (Decoder half = DecoderLoader.load(TestCheckpoints.get(preset(), TensorDType.F32, 5),
            new LoadOptions(Device.cpu(), TensorDType.F16));
        NDManager scope = decoder.manager().newSubManager()) {
      assertThat(half.weights().embedding().getDataType()).isEqualTo(ai.djl.ndarray.types.DataType.FLOAT16);
      float[][] a = logprobs(decoder.forward(scope, DecoderInput.of(ids), null, false), 0, 0, ids.length);
      float[][] b = logprobs(half.forward(scope, DecoderInput.of(ids), null, false), 0, 0, ids.length);
      assertThat(maxDiff(a, b)).isLessThan(0.05).isGreaterThan(0.0);
    }
  }

  @Test
  void weightsManagerIsCappedSoNothingLeaksIntoIt() {
    assertThatThrownBy(() -> decoder.weights().finalNorm().mul(2)).isInstanceOf(IllegalStateException.class);
  }
}
