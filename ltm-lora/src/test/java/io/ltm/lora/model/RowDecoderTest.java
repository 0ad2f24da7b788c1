package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.LoraProjection;
import io.ltm.lora.lora.TargetModules;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The one-row decode path ({@link RowDecoder}) against the libtorch path ({@link Decoder#hidden}) token
 * by token, on every architecture: logprobs within 1e-5, the same greedy tokens, one shared KV cache
 * that either path may fill, and proof (step counters) of which path ran.
 */
class RowDecoderTest {

  @AfterEach
  void pathBackOn() {
    Decoder.useRowDecoder(true);
  }

  @Test
  void theRowPathIsOnInTheTestJvm() {
    assertThat(RowDecoder.enabled()).isTrue();
  }

  /** Log-softmax of logits {@code [1, 1, V]}. */
  private static float[] logprobs(NDArray logits) {
    return logits.reshape(-1).logSoftmax(0).toFloatArray();
  }

  /**
   * Greedy decoding of {@code n} tokens after {@code prompt}, each step through the row path when
   * {@code row} says so: the logprobs of every step.
   */
  private static List<float[]> greedy(Decoder d, int[] prompt, int n, java.util.function.IntPredicate row) {
    return greedy(d, prompt, n, row, TensorDType.F32);
  }

  /** As {@link #greedy(Decoder, int[], int, java.util.function.IntPredicate)} with a KV cache of {@code type}. */
  static List<float[]> greedy(Decoder d, int[] prompt, int n, java.util.function.IntPredicate row, TensorDType type) {
    List<float[]> out = new ArrayList<>();
    try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, prompt.length + n, type)) {
      float[] lp = logprobs(d.forward(scope, DecoderInput.of(prompt), cache, true));
      out.add(lp);
      for (int i = 0; i < n - 1; i++) {
        Decoder.useRowDecoder(row.test(i));
        try (NDManager step = scope.newSubManager()) {
          long before = RowDecoder.steps();
          lp = logprobs(d.forward(step, DecoderInput.of(new int[] {argmax(lp)}, prompt.length + i), cache, true));
          assertThat(RowDecoder.steps() - before).as("step %d through the row path", i).isEqualTo(row.test(i) ? 1 : 0);
        }
        out.add(lp);
      }
      Decoder.useRowDecoder(true);
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(value = CheckpointPreset.class, names = {"TINY_QWEN3", "TINY_LLAMA3_ROPE", "TINY_QWEN2", "TINY_QWEN3_MOE"})
  void rowPathEqualsLibtorchPathTokenByToken(CheckpointPreset preset) {
    try (Decoder d = DecoderLoader.load(TestCheckpoints.get(preset, TensorDType.F32, 5))) {
      int[] prompt = DecoderConsistencyTest.randomIds(7, 11);
      List<float[]> java = greedy(d, prompt, 24, i -> true);
      List<float[]> torch = greedy(d, prompt, 24, i -> false);
      List<float[]> mixed = greedy(d, prompt, 24, i -> i % 3 != 1); // both paths fill the same cache
      for (int i = 0; i < java.size(); i++) {
        assertThat(argmax(java.get(i))).as("%s greedy token %d", preset, i).isEqualTo(argmax(torch.get(i)));
        assertThat(maxDiff(java.get(i), torch.get(i))).as("%s step %d", preset, i).isLessThan(1e-5);
        assertThat(maxDiff(mixed.get(i), torch.get(i))).as("%s mixed step %d", preset, i).isLessThan(1e-5);
      }
    }
  }

  @Test
  void paddingColumnsInTheCacheStayInvisible() {
    try (Decoder d = DecoderLoader.load(TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.F32, 5))) {
      int[] ids = DecoderConsistencyTest.randomIds(8, 9);
      // a left-padded row: three padding columns (segment 0), then the prompt (segment 1, positions from 0)
      DecoderInput padded = new DecoderInput(1, 9, ids, new int[] {0, 0, 0, 0, 1, 2, 3, 4, 5},
          new int[] {0, 0, 0, 1, 1, 1, 1, 1, 1});
      float[][] got = new float[2][];
      for (int pass = 0; pass < 2; pass++) {
        Decoder.useRowDecoder(pass == 0);
        try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, 12)) {
          d.forward(scope, padded, cache, true);
          got[pass] = logprobs(d.forward(scope, new DecoderInput(1, 1, new int[] {42}, new int[] {6}, new int[] {1}),
              cache, true));
        }
      }
      assertThat(maxDiff(got[0], got[1])).isLessThan(1e-5);
      // and the padding really is masked: the same prompt without padding gives the same next logprobs
      try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, 12)) {
        Decoder.useRowDecoder(true);
        d.forward(scope, DecoderInput.of(Arrays.copyOfRange(ids, 3, 9)), cache, true);
        float[] plain = logprobs(d.forward(scope, DecoderInput.of(new int[] {42}, 6), cache, true));
        assertThat(maxDiff(plain, got[0])).isLessThan(1e-5);
      }
    }
  }

  @Test
  void aWrappedProjectionFallsBackToLibtorchAndPuttingItBackRestoresTheRowPath() {
    try (Decoder d = DecoderLoader.load(TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.F32, 5))) {
      String name = ProjectionKind.V_PROJ.moduleName(1);
      Projection original = d.projections().get(name);
      int[] prompt = DecoderConsistencyTest.randomIds(9, 6);
      List<float[]> before = greedy(d, prompt, 4, i -> true);
      d.replaceProjection(name, new ForwardingProjection(original) { });
      long steps = RowDecoder.steps();
      try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, 8)) {
        d.forward(scope, DecoderInput.of(prompt), cache, true);
        float[] lp = logprobs(d.forward(scope, DecoderInput.of(new int[] {argmax(before.get(0))}, prompt.length), cache, true));
        assertThat(RowDecoder.steps()).as("a wrapper the row path cannot run: libtorch").isEqualTo(steps);
        assertThat(maxDiff(lp, before.get(1))).isLessThan(1e-5);
      }
      d.replaceProjection(name, original);
      List<float[]> after = greedy(d, prompt, 4, i -> true); // asserts the row path ran each step
      assertThat(maxDiff(after.get(3), before.get(3))).isEqualTo(0);
    }
  }

  @ParameterizedTest
  @EnumSource(value = CheckpointPreset.class, names = {"TINY_QWEN3", "TINY_QWEN3_MOE"})
  void loraWrappedProjectionsRunInTheRowPathAndMatchLibtorch(CheckpointPreset preset) {
    try (Decoder d = DecoderLoader.load(TestCheckpoints.get(preset, TensorDType.F32, 5));
         LoraModel lora = new LoraModel(d)) {
      LoraAdapter a = lora.create("a", LoraConfig.builder().optR(4).optLoraAlpha(8)
          .optTargetModules(TargetModules.parseCommaSeparated("all-linear")).build(), 3);
      java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
      for (java.util.Map.Entry<String, NDArray> e : a.parameters().entrySet()) {
        if (e.getKey().endsWith(LoraAdapter.B_SUFFIX)) { // B = 0 at creation: make the update visible
          float[] v = new float[(int) e.getValue().size()];
          for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextDouble() - 0.5);
          }
          e.getValue().set(v);
        }
      }
      assertThat(d.projections().values()).anyMatch(p -> p instanceof LoraProjection);
      int[] prompt = DecoderConsistencyTest.randomIds(12, 9);
      List<float[]> baseJava = greedy(d, prompt, 12, i -> true); // idle wrappers: the base model, in Java
      List<float[]> java;
      List<float[]> torch;
      try (AdapterSelection.Scope use = lora.use("a")) {
        java = greedy(d, prompt, 12, i -> true); // asserts every step took the row path
        torch = greedy(d, prompt, 12, i -> false);
      }
      List<float[]> baseTorch = greedy(d, prompt, 12, i -> false);
      double moved = 0;
      for (int i = 0; i < java.size(); i++) {
        assertThat(argmax(java.get(i))).as("%s greedy token %d", preset, i).isEqualTo(argmax(torch.get(i)));
        assertThat(maxDiff(java.get(i), torch.get(i))).as("%s adapter step %d", preset, i).isLessThan(1e-5);
        assertThat(maxDiff(baseJava.get(i), baseTorch.get(i))).as("%s base step %d", preset, i).isLessThan(1e-5);
      }
      moved = maxDiff(java.get(1), baseJava.get(1));
      assertThat(moved).as("the adapter changes the logprobs").isGreaterThan(1e-3);
    }
  }

  @Test
  void generationTakesTheRowPath() {
    try (LocalModel model = LocalModel.open(TestCheckpoints.get(CheckpointPreset.TINY_QWEN3_MOE, TensorDType.BF16, 3))) {
      long steps = RowDecoder.steps();
      long gemv = Gemv.calls();
      model.generator().generate(GenerationRequest.builder().prompt("A thought").maxNewTokens(12).build());
      assertThat(RowDecoder.steps() - steps).as("every token after the first").isEqualTo(11);
      // per step: 3 layers x (q/k/v + o) + 2 sparse layers x (router + 2 experts x 2) + 1 dense x 2 + lm head
      assertThat(Gemv.calls() - gemv).isGreaterThanOrEqualTo(11L * (3 * 2 + 2 * 5 + 2 + 1));
    }
  }

  static int argmax(float[] v) {
    return DecoderConsistencyTest.argmax(v);
  }

  static double maxDiff(float[] a, float[] b) {
    assertThat(a.length).isEqualTo(b.length);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
