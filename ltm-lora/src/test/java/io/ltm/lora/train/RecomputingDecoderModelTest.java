package io.ltm.lora.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ltm.dataset.Dataset;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.LoraModule;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.model.Decoder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Gradient checkpointing gives the same loss and LoRA gradients as plain autograd, on packed batches. */
class RecomputingDecoderModelTest {

  @Test
  void recomputedGradientsEqualPlainGradients() {
    check(new TargetModules.AllLinear(), RecomputingDecoderModel.HEAD_CHUNK);
  }

  /** The loss 7 positions at a time (chunk edges fall inside packed examples): the same gradients. */
  @Test
  void recomputedGradientsEqualPlainGradientsWithTheLossInChunks() {
    check(new TargetModules.AllLinear(), 7);
  }

  /**
   * With only q and v adapted, the decoder's layer still uses the fused gate/up matrix (and splits
   * q/k/v into separate calls); the recomputed layers go through the same code.
   */
  @Test
  void recomputedGradientsEqualPlainGradientsWithFusedMlp() {
    check(new TargetModules.Names(Set.of("q_proj", "v_proj")), RecomputingDecoderModel.HEAD_CHUNK);
  }

  /**
   * With LoRA dropout on, the checkpointed gradient is the gradient of the loss it reports: a central finite
   * difference of that loss (same seed, so the same masks) along a random direction matches the gradient's
   * projection on it. Before the recomputation replayed the forward's dropout masks, it did not.
   */
  @Test
  void withDropoutTheRecomputedGradientIsTheGradientOfTheReportedLoss() {
    Dataset ds = TrainingFixtures.exampleScenes(LoraTrainerTest.MAX_LEN);
    TrainingBatch batch = TrainingBatch.of(ds.train().subList(0, 1), ds.padId());
    try (Decoder decoder = DecoderLoader.load(TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.F32, 5));
         LoraModel model = new LoraModel(decoder)) {
      LoraAdapter a = model.create("t", LoraConfig.builder().optR(4).optLoraAlpha(8).optLoraDropout(0.5)
          .optTargetModules(new TargetModules.Names(Set.of("q_proj", "v_proj", "down_proj"))).build(), 1);
      a.manager().getEngine().setRandomSeed(17);
      for (LoraModule m : a.modules().values()) {
        m.loraB().set(a.manager().randomNormal(m.loraB().getShape()).mul(0.05f).toFloatArray());
      }
      Map<String, float[]> direction = new LinkedHashMap<>();
      java.util.Random rnd = new java.util.Random(3);
      a.parameters().forEach((k, v) -> {
        float[] d = new float[(int) v.size()];
        for (int i = 0; i < d.length; i++) {
          d[i] = (float) rnd.nextGaussian();
        }
        direction.put(k, d);
      });
      float denom = batch.predictedTokens();
      RecomputingDecoderModel recomputing = new RecomputingDecoderModel(model);
      model.selection().setTraining(true); // dropout on
      try (var use = model.use("t")) {
        java.util.function.DoubleSupplier loss = () -> {
          Gradients.zero(a.parameters().values());
          a.manager().getEngine().setRandomSeed(99); // the same masks on every evaluation
          try (NDManager scope = a.manager().newSubManager()) {
            return recomputing.forwardBackward(scope, batch, denom) / denom;
          }
        };
        loss.getAsDouble();
        double projected = 0; // grad . d
        for (var e : a.parameters().entrySet()) {
          float[] g = e.getValue().getGradient().toFloatArray();
          float[] d = direction.get(e.getKey());
          for (int i = 0; i < g.length; i++) {
            projected += (double) g[i] * d[i];
          }
        }
        double eps = 1e-3;
        Map<String, float[]> original = new LinkedHashMap<>();
        a.parameters().forEach((k, v) -> original.put(k, v.toFloatArray()));
        java.util.function.DoubleFunction<Double> lossAt = t -> {
          a.parameters().forEach((k, v) -> {
            float[] w = original.get(k).clone();
            float[] d = direction.get(k);
            for (int i = 0; i < w.length; i++) {
              w[i] += (float) (t * d[i]);
            }
            v.set(w);
          });
          return loss.getAsDouble();
        };
        double numeric = (lossAt.apply(eps) - lossAt.apply(-eps)) / (2 * eps);
        lossAt.apply(0);
        assertThat(Math.abs(projected)).as("a direction along which the loss moves").isGreaterThan(1e-2);
        assertThat(numeric).as("finite difference vs gradient . direction (%s)", projected)
            .isCloseTo(projected, org.assertj.core.data.Offset.offset(0.05 * Math.abs(projected)));
      } finally {
        model.selection().setTraining(false);
      }
    }
  }

  /** Qwen3-MoE (a dense layer among sparse ones, router and every expert adapted): the same gradients. */
  @Test
  void recomputedGradientsEqualPlainGradientsOnAMixtureOfExperts() {
    check(CheckpointPreset.TINY_QWEN3_MOE, new TargetModules.AllLinear(), 7);
  }

  private static void check(TargetModules targets, int headChunk) {
    check(CheckpointPreset.TINY_QWEN3, targets, headChunk);
  }

  private static void check(CheckpointPreset preset, TargetModules targets, int headChunk) {
    Dataset ds = TrainingFixtures.exampleScenes(LoraTrainerTest.MAX_LEN);
    TrainingBatch batch = TrainingBatch.of(ds.train().subList(0, 2), ds.padId()); // 2 packed rows
    assertThat(batch.length()).as("a sequence of several chunks").isGreaterThan(3 * 7);
    try (Decoder decoder = DecoderLoader.load(TestCheckpoints.get(preset, TensorDType.F32, 5));
         LoraModel model = new LoraModel(decoder)) {
      LoraAdapter a = model.create("t", LoraConfig.builder().optR(4).optLoraAlpha(8)
          .optTargetModules(targets).build(), 1);
      a.manager().getEngine().setRandomSeed(17); // the same B in every run
      for (LoraModule m : a.modules().values()) { // nonzero B so every path carries gradient
        m.loraB().set(a.manager().randomNormal(m.loraB().getShape()).mul(0.02f).toFloatArray());
      }
      float denom = batch.predictedTokens();
      Map<String, float[]> plain = new LinkedHashMap<>();
      double lossPlain;
      double lossRecomputed;
      try (var use = model.use("t")) {
        Gradients.zero(a.parameters().values());
        try (NDManager scope = a.manager().newSubManager()) {
          lossPlain = new DecoderLanguageModel(model).forwardBackward(scope, batch, denom);
        }
        a.parameters().forEach((k, v) -> plain.put(k, v.getGradient().toFloatArray()));
        Gradients.zero(a.parameters().values());
        try (NDManager scope = a.manager().newSubManager()) {
          lossRecomputed = new RecomputingDecoderModel(model, headChunk).forwardBackward(scope, batch, denom);
        }
      }
      // the loss is a sum of f32 terms (about 1600 here): summed per chunk it differs in the last bits
      assertThat(lossRecomputed).isCloseTo(lossPlain, org.assertj.core.data.Offset.offset(Math.max(1e-4, 1e-6 * Math.abs(lossPlain))));
      for (var e : a.parameters().entrySet()) {
        NDArray g = e.getValue().getGradient();
        float[] exp = plain.get(e.getKey());
        float[] got = g.toFloatArray();
        double maxAbs = 0;
        double maxErr = 0;
        for (int i = 0; i < exp.length; i++) {
          maxAbs = Math.max(maxAbs, Math.abs(exp[i]));
          maxErr = Math.max(maxErr, Math.abs(got[i] - exp[i]));
        }
        assertThat(maxAbs).as(e.getKey()).isGreaterThan(0);
        assertThat(maxErr / maxAbs).as(e.getKey()).isLessThan(1e-5);
      }
      assertThat(List.copyOf(plain.keySet())).hasSize(a.parameters().size());
    }
  }
}
