package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A bf16 checkpoint loaded for generation ({@link LoadOptions#forGeneration}: its matrices kept in bf16,
 * the GEMV reading 16 bits) against the same checkpoint widened to f32 at load ({@link LoadOptions#cpu}),
 * token by token, on dense Qwen3 (and Qwen2's biases) and Qwen3-MoE, with and without a LoRA adapter. The
 * weights are identical once widened and the bf16 kernel sums each row in the f32 kernel's order (16 lanes,
 * then the lanes in a fixed order), so the two can only differ where libtorch's widened path and a
 * different split of work reorder f32 sums: about 1e-7 relative per product. The bound is the 1e-5 that
 * {@link RowDecoderTest} uses between the row and libtorch paths, far below the 1e-2 to 1e-1 that rounding
 * the weights to bf16 moves the logprobs.
 */
class RowDecoder16BitTest {
  private static final double TOLERANCE = 1e-5;

  @AfterEach
  void pathBackOn() {
    Decoder.useRowDecoder(true);
  }

  /** Greedy decoding of {@code n} tokens after {@code prompt}, every step on the row path or every step on libtorch's. */
  private static List<float[]> greedy(Decoder d, int[] prompt, int n, boolean row) {
    List<float[]> out = new ArrayList<>();
    try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, prompt.length + n)) {
      float[] lp = logprobs(d.forward(scope, DecoderInput.of(prompt), cache, true)); // prefill: libtorch, widened
      out.add(lp);
      Decoder.useRowDecoder(row);
      for (int i = 0; i < n - 1; i++) {
        try (NDManager step = scope.newSubManager()) {
          long before = RowDecoder.steps();
          lp = logprobs(d.forward(step, DecoderInput.of(new int[] {RowDecoderTest.argmax(lp)}, prompt.length + i), cache,
              true));
          assertThat(RowDecoder.steps() - before).as("step %d on the row path", i).isEqualTo(row ? 1 : 0);
        }
        out.add(lp);
      }
      Decoder.useRowDecoder(true);
    }
    return out;
  }

  private static float[] logprobs(NDArray logits) {
    return logits.reshape(-1).logSoftmax(0).toFloatArray();
  }

  private static void assertSame(String what, List<float[]> got, List<float[]> want) {
    assertThat(got).hasSameSizeAs(want);
    for (int i = 0; i < want.size(); i++) {
      assertThat(RowDecoderTest.argmax(got.get(i))).as("%s greedy token %d", what, i)
          .isEqualTo(RowDecoderTest.argmax(want.get(i)));
      assertThat(RowDecoderTest.maxDiff(got.get(i), want.get(i))).as("%s step %d", what, i).isLessThan(TOLERANCE);
    }
  }

  /** Every matrix of {@code d} is kept in {@code f}: a FLOAT16 array holding its bits, read by the 16-bit kernel. */
  private static void assertKeptIn(WeightFormat f, Decoder d) {
    assertThat(d.weights().embeddingFormat()).isEqualTo(f);
    assertThat(d.weights().lmHead().format()).isEqualTo(f);
    assertThat(d.weights().lmHead().kernel()).isNotNull();
    assertThat(d.weights().lmHead().kernel().format()).isEqualTo(f);
    for (LinearProjection p : d.weights().projections().values()) {
      assertThat(p.format()).as(p.name()).isEqualTo(f);
      assertThat(p.weight().getDataType()).as(p.name()).isEqualTo(DataType.FLOAT16);
    }
    assertThat(d.weights().finalNorm().getDataType()).isEqualTo(DataType.FLOAT32);
  }

  static Stream<Arguments> checkpoints() {
    return Stream.of(Arguments.of(CheckpointPreset.TINY_QWEN3, TensorDType.BF16),
        Arguments.of(CheckpointPreset.TINY_QWEN2, TensorDType.BF16),
        Arguments.of(CheckpointPreset.TINY_QWEN3_MOE, TensorDType.BF16));
  }

  @ParameterizedTest
  @MethodSource("checkpoints")
  void sixteenBitWeightsDecodeAsTheWidenedF32WeightsTokenByToken(CheckpointPreset preset, TensorDType dtype) {
    Path dir = TestCheckpoints.get(preset, dtype, 5);
    try (Decoder kept = DecoderLoader.load(dir, LoadOptions.forGeneration(Device.cpu()));
         Decoder wide = DecoderLoader.load(dir, LoadOptions.cpu())) {
      assertKeptIn(WeightFormat.valueOf(dtype.name()), kept);
      assertThat(wide.weights().lmHead().format()).isEqualTo(WeightFormat.F32);
      int[] prompt = DecoderConsistencyTest.randomIds(7, 11);
      List<float[]> want = greedy(wide, prompt, 24, true);
      long kernelCalls = Gemv.calls();
      assertSame(preset + " " + dtype + " row path", greedy(kept, prompt, 24, true), want);
      assertThat(Gemv.calls() - kernelCalls).as("the products went through the kernel").isGreaterThanOrEqualTo(23L * 3);
      assertSame(preset + " " + dtype + " libtorch layer path", greedy(kept, prompt, 24, false), want);
      // prefill / scoring: every position's logits through libtorch over the widened weights
      int[] ids = DecoderConsistencyTest.randomIds(8, 17);
      try (NDManager s = kept.manager().newSubManager(); NDManager t = wide.manager().newSubManager()) {
        float[] a = kept.forward(s, DecoderInput.of(ids), null, false).logSoftmax(-1).toFloatArray(); // (1, T, V)
        float[] b = wide.forward(t, DecoderInput.of(ids), null, false).logSoftmax(-1).toFloatArray();
        assertThat(RowDecoderTest.maxDiff(a, b)).as("%s full forward", preset).isLessThan(TOLERANCE);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("checkpoints")
  void loraOnSixteenBitBaseWeightsMatchesLoraOnTheWidenedWeights(CheckpointPreset preset, TensorDType dtype) {
    Path dir = TestCheckpoints.get(preset, dtype, 5);
    try (Decoder kept = DecoderLoader.load(dir, LoadOptions.forGeneration(Device.cpu()));
         Decoder wide = DecoderLoader.load(dir, LoadOptions.cpu());
         LoraModel keptLora = new LoraModel(kept);
         LoraModel wideLora = new LoraModel(wide)) {
      LoraConfig cfg = LoraConfig.builder().optR(4).optLoraAlpha(8)
          .optTargetModules(TargetModules.parseCommaSeparated("all-linear")).build();
      Map<String, NDArray> a = keptLora.create("a", cfg, 3).parameters();
      Map<String, NDArray> b = wideLora.create("a", cfg, 3).parameters();
      SplittableRandom rnd = new SplittableRandom(11);
      for (Map.Entry<String, NDArray> e : a.entrySet()) { // the same adapter on both, B != 0
        float[] v = e.getValue().toFloatArray();
        if (e.getKey().endsWith(LoraAdapter.B_SUFFIX)) {
          for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextDouble() - 0.5);
          }
        }
        e.getValue().set(v);
        b.get(e.getKey()).set(v);
      }
      int[] prompt = DecoderConsistencyTest.randomIds(12, 9);
      List<float[]> base = greedy(kept, prompt, 12, true);
      try (AdapterSelection.Scope x = keptLora.use("a"); AdapterSelection.Scope y = wideLora.use("a")) {
        List<float[]> want = greedy(wide, prompt, 12, true);
        List<float[]> got = greedy(kept, prompt, 12, true); // asserts every step took the row path
        assertSame(preset + " LoRA on " + dtype + ", row path", got, want);
        assertSame(preset + " LoRA on " + dtype + ", libtorch path", greedy(kept, prompt, 12, false), want);
        assertThat(RowDecoderTest.maxDiff(got.get(1), base.get(1))).as("the adapter changes the logprobs")
            .isGreaterThan(1e-3);
      }
      if (dtype == TensorDType.BF16) {
        assertThatThrownBy(() -> keptLora.merge("a")).hasMessageContaining("bf16");
      }
    }
  }
}
