package io.ltm.lora.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.ltm.dataset.Dataset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.SafetensorsFile;
import io.ltm.lora.io.SafetensorsWriter;
import io.ltm.lora.io.TensorInfo;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.model.Decoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel training over two replicas, both on the CPU (two separate loads of the same tiny random
 * base): it must equal gradient accumulation on one device, step by step.
 */
class DataParallelTrainingTest {

  @TempDir Path tmp;

  static final int MAX_LEN = 128;
  static final double REL = 1e-5;

  static LoraConfig lora(int r) {
    return LoraConfig.builder().optR(r).optLoraAlpha(2.0 * r).optLoraDropout(0)
        .optTargetModules("q_proj", "v_proj", "down_proj").build();
  }

  static TrainingConfig config(int steps, int gradAccum) {
    return config(steps, gradAccum, 3);
  }

  static TrainingConfig config(int steps, int gradAccum, int evalEvery) {
    // lr high enough that the adapter moves visibly; default clipping (1.0) so the clipped path is compared too
    return TrainingConfig.builder().optMaxSteps(steps).optBatchSize(1).optGradAccum(gradAccum).optLearningRate(5e-3)
        .optWarmupSteps(1).optMaxGradNorm(1.0).optEvalEvery(evalEvery).optSaveEvery(3).optSeed(7).build();
  }

  /**
   * Trains into {@code runDir} on {@code replicas} CPU replicas (1 = the single-device loop). The extra
   * replicas' adapters start from another init seed, so the trainer's copy of the primary's values is
   * tested too.
   */
  static TrainingResult train(Path runDir, TrainingConfig cfg, LoraConfig lora, int replicas, boolean resume,
      List<TrainingListener> extra, UnaryOperator<CausalLanguageModel> wrapReplica) throws IOException {
    Dataset ds = TrainingFixtures.exampleScenes(MAX_LEN);
    List<Decoder> decoders = new ArrayList<>();
    List<LoraModel> models = new ArrayList<>();
    try {
      List<TrainingReplica> others = new ArrayList<>();
      LoraAdapter primary = null;
      LoraModel primaryModel = null;
      for (int r = 0; r < replicas; r++) {
        Decoder d = DecoderLoader.load(TrainingFixtures.base());
        decoders.add(d);
        LoraModel m = new LoraModel(d);
        models.add(m);
        LoraAdapter a = m.create("train", lora, cfg.seed() + 100L * r);
        if (r == 0) {
          primary = a;
          primaryModel = m;
        } else {
          others.add(new TrainingReplica(wrapReplica.apply(new DecoderLanguageModel(m)), a, m.selection()));
        }
      }
      LoraTrainer.Builder b = LoraTrainer.builder().setConfig(cfg).setModel(new DecoderLanguageModel(primaryModel))
          .setAdapter(primary, primaryModel.selection()).setTrain(ds.train()).optValidation(ds.validation())
          .setPadId(ds.padId()).setRunDirectory(new RunDirectory(runDir)).optResume(resume).optReplicas(others);
      extra.forEach(b::addListener);
      TrainingResult result = b.build().train();
      // every replica ends with exactly the primary's values (copied after each step, not aliased)
      for (TrainingReplica other : others) {
        for (var e : primary.parameters().entrySet()) {
          float[] mine = e.getValue().toFloatArray();
          assertThat(other.adapter().parameters().get(e.getKey()).toFloatArray()).as(e.getKey()).isEqualTo(mine);
        }
      }
      return result;
    } finally {
      for (int i = models.size() - 1; i >= 0; i--) {
        models.get(i).close();
      }
      for (int i = decoders.size() - 1; i >= 0; i--) {
        decoders.get(i).close();
      }
    }
  }

  static TrainingResult train(Path runDir, TrainingConfig cfg, int replicas) throws IOException {
    return train(runDir, cfg, lora(4), replicas, false, List.of(), m -> m);
  }

  static void assertClose(List<Double> actual, List<Double> expected, String what) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      double e = expected.get(i);
      double a = actual.get(i);
      assertThat(Math.abs(a - e)).as("%s[%d]: %s vs %s", what, i, a, e).isLessThanOrEqualTo(REL * Math.abs(e));
    }
  }

  /** Per tensor: the largest difference is at most REL times the largest magnitude of the reference. */
  static void assertSameAdapter(Path actualRun, Path expectedRun) throws IOException {
    Map<String, TensorInfo> a = SafetensorsFile.open(actualRun.resolve("adapter/adapter_model.safetensors")).tensors();
    Map<String, TensorInfo> e = SafetensorsFile.open(expectedRun.resolve("adapter/adapter_model.safetensors")).tensors();
    assertThat(a.keySet()).isEqualTo(e.keySet());
    int moved = 0;
    for (String name : e.keySet()) {
      float[] x = SafetensorsWriter.readFloats(a.get(name));
      float[] y = SafetensorsWriter.readFloats(e.get(name));
      double maxAbs = 0;
      double maxDiff = 0;
      for (int i = 0; i < y.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(y[i]));
        maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
      }
      assertThat(maxDiff).as("%s: max |diff| %s, max |value| %s", name, maxDiff, maxAbs).isLessThanOrEqualTo(REL * maxAbs);
      if (name.contains("lora_B") && maxAbs > 0) {
        moved++; // B starts at zero: nonzero means the steps really trained
      }
    }
    assertThat(moved).isGreaterThan(0);
  }

  @Test
  void twoReplicasEqualGradientAccumulationOnOneDevice() throws IOException {
    for (int accum : new int[] {2, 4}) {
      TrainingConfig cfg = config(5, accum, 0); // evaluated once, after the last step
      Path single = tmp.resolve("single-" + accum);
      Path parallel = tmp.resolve("dp-" + accum);
      TrainingResult one = train(single, cfg, 1);
      TrainingResult two = train(parallel, cfg, 2);
      List<JsonNode> a = new RunDirectory(single).readMetrics();
      List<JsonNode> b = new RunDirectory(parallel).readMetrics();
      for (String f : List.of("loss", "grad_norm", "eval_loss")) {
        assertClose(LoraTrainerTest.column(b, f), LoraTrainerTest.column(a, f), f + " (grad-accum " + accum + ")");
      }
      assertThat(LoraTrainerTest.column(a, "loss")).hasSize(5);
      assertThat(LoraTrainerTest.column(a, "lr")).isEqualTo(LoraTrainerTest.column(b, "lr"));
      assertThat(LoraTrainerTest.column(a, "eval_loss")).hasSize(1);
      assertThat(two.finalLoss()).isCloseTo(one.finalLoss(), org.assertj.core.data.Offset.offset(REL * one.finalLoss()));
      assertSameAdapter(parallel, single);
      if (accum == 2) {
        // one micro-batch per replica: g_0 + g_1 is the very sum the single device accumulates, bit for bit
        for (String f : List.of("loss", "grad_norm", "eval_loss")) {
          assertThat(LoraTrainerTest.column(b, f)).as(f).isEqualTo(LoraTrainerTest.column(a, f));
        }
      }
    }
  }

  @Test
  void resumedDataParallelRunEqualsAnUninterruptedOne() throws IOException {
    TrainingConfig cfg = config(8, 2);
    Path full = tmp.resolve("full");
    Path interrupted = tmp.resolve("interrupted");
    train(full, cfg, lora(4), 2, false, List.of(), m -> m);
    assertThatThrownBy(() -> train(interrupted, cfg, lora(4), 2, false, List.of(new LoraTrainerTest.CrashAt(5)), m -> m))
        .hasMessageContaining("simulated crash");
    assertThat(new RunDirectory(interrupted).checkpointSteps()).containsExactly(3L);
    // The checkpoint holds the primary's adapter; the resumed replicas start from another init seed and
    // must be re-synchronized from it, else the steps after the resume would differ.
    train(interrupted, cfg, lora(4), 2, true, List.of(), m -> m);
    List<JsonNode> a = new RunDirectory(full).readMetrics();
    List<JsonNode> b = new RunDirectory(interrupted).readMetrics();
    for (String f : List.of("loss", "grad_norm", "eval_loss")) {
      assertClose(LoraTrainerTest.column(b, f), LoraTrainerTest.column(a, f), f);
    }
    assertThat(LoraTrainerTest.column(b, "loss")).hasSize(8);
    assertSameAdapter(interrupted, full);
  }

  @Test
  void replicasWhoseAdapterDiffersAreRejectedNamingTheParameter() throws IOException {
    Dataset ds = TrainingFixtures.exampleScenes(MAX_LEN);
    try (Decoder d0 = DecoderLoader.load(TrainingFixtures.base()); LoraModel m0 = new LoraModel(d0);
        Decoder d1 = DecoderLoader.load(TrainingFixtures.base()); LoraModel m1 = new LoraModel(d1)) {
      LoraAdapter a0 = m0.create("train", lora(4), 1);
      LoraAdapter wrongRank = m1.create("train", lora(8), 1);
      LoraAdapter wrongName = m1.create("other", lora(4), 1);
      int hidden = d0.config().hiddenSize();
      java.util.function.Function<TrainingReplica, LoraTrainer.Builder> builder = r -> LoraTrainer.builder()
          .setConfig(config(2, 2)).setModel(new DecoderLanguageModel(m0)).setAdapter(a0, m0.selection())
          .setTrain(ds.train()).setPadId(ds.padId()).setRunDirectory(new RunDirectory(tmp.resolve("x")))
          .optReplicas(List.of(r));
      assertThatThrownBy(() -> builder.apply(new TrainingReplica(new DecoderLanguageModel(m1), wrongRank, m1.selection())).build())
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("replica 1 (cpu())")
          .hasMessageContaining("parameter model.layers.0.self_attn.q_proj.lora_A.weight has shape (8, " + hidden + ")")
          .hasMessageContaining("the trained adapter's has shape (4, " + hidden + ")");
      assertThatThrownBy(() -> builder.apply(new TrainingReplica(new DecoderLanguageModel(m1), wrongName, m1.selection())).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("named \"other\" but the trained one is \"train\"");
      assertThatThrownBy(() -> builder.apply(new TrainingReplica(new DecoderLanguageModel(m0), a0, m0.selection())).build())
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is the primary itself");
    }
  }

  @Test
  void aNanOrOutOfMemoryOnAReplicaNamesTheStepAndMicroBatch() {
    AtomicInteger calls = new AtomicInteger();
    TrainingConfig cfg = config(4, 2);
    assertThatThrownBy(() -> train(tmp.resolve("nan"), cfg, lora(2), 2, false, List.of(), inner -> (mgr, batch) -> {
      var logits = inner.logits(mgr, batch);
      return calls.incrementAndGet() == 2 ? logits.mul(Float.NaN) : logits; // the replica's micro-batch of step 2
    }))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("step 2: the loss is NaN (micro-batch 2 of 2, on replica 1)")
        .hasMessageContaining("stopped before updating the weights");
    assertThatThrownBy(() -> train(tmp.resolve("oom"), cfg, lora(2), 2, false, List.of(), inner -> (mgr, batch) -> {
      throw new ai.djl.engine.EngineException("CUDA out of memory. Tried to allocate 20.00 GiB");
    }))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("step 1: out of memory on replica 1 (cpu())").hasMessageContaining("--batch (now 1)");
  }
}
