package io.ltm.lora.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Switching adapters per generation over one loaded base. */
class AdapterGeneratorTest {

  private static double[] logprobs(Generation g) {
    return g.tokens().stream().mapToDouble(GeneratedToken::logprob).toArray();
  }

  @Test
  void baseAndAdapterGeneratorsShareOneModelAndTheAdapterMatchesItsMergedWeights() {
    GenerationRequest req = GenerationRequest.builder().prompt("What is a thought?").maxNewTokens(8).build();
    try (LocalModel model = LocalModel.open(TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.F32, 5, 1))) {
      Generation plain = model.generator().generate(req);
      try (LoraModel lora = new LoraModel(model.decoder())) {
        LoraAdapter a = lora.create("a", LoraConfig.builder().optR(4).optLoraAlpha(8)
            .optTargetModules(TargetModules.parseCommaSeparated("all-linear")).build(), 3);
        SplittableRandom rnd = new SplittableRandom(11);
        for (Map.Entry<String, NDArray> e : a.parameters().entrySet()) {
          if (e.getKey().endsWith(LoraAdapter.B_SUFFIX)) {
            float[] v = new float[(int) e.getValue().size()];
            for (int i = 0; i < v.length; i++) {
              v[i] = (float) (rnd.nextDouble() - 0.5);
            }
            e.getValue().set(v);
          }
        }
        AdapterGenerator base = new AdapterGenerator(model, lora, AdapterSelection.BASE);
        AdapterGenerator adapted = new AdapterGenerator(model, lora, "a");
        assertThat(base.modelName()).isEqualTo(model.name());
        assertThat(adapted.modelName()).isEqualTo(model.name() + "+a");

        Generation g0 = base.generate(req);
        Generation g1 = adapted.generate(req);
        Generation g0again = base.generate(req);
        assertThat(g0.tokens()).extracting(GeneratedToken::id).isEqualTo(plain.tokens().stream().map(GeneratedToken::id).toList());
        // the base through idle LoRA wrappers runs q/k/v and gate/up unfused: equal up to f32 rounding
        assertThat(logprobs(g0)).containsExactly(logprobs(plain), within(1e-5));
        assertThat(logprobs(g0again)).containsExactly(logprobs(g0), within(0.0));
        assertThat(Math.abs(g1.tokens().get(0).logprob() - g0.tokens().get(0).logprob())).isGreaterThan(1e-3);
        // The selection is scoped to the generation: the thread is back on the base afterwards.
        assertThat(lora.selection().active()).isEqualTo(AdapterSelection.BASE);

        lora.merge("a");
        Generation merged = adapted.generate(req);
        assertThat(merged.tokens()).extracting(GeneratedToken::id).isEqualTo(g1.tokens().stream().map(GeneratedToken::id).toList());
        assertThat(logprobs(merged)).containsExactly(logprobs(g1), within(1e-3));
        lora.unmerge("a");

        assertThatThrownBy(() -> new AdapterGenerator(model, lora, "missing")).hasMessageContaining("no adapter named missing");
      }
    }
  }
}
