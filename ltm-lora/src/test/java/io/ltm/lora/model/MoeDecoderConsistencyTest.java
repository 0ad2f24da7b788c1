package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.TensorDType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The dense consistency checks (cache = recomputation, batch = each row alone, packed = each example
 * alone, shards) on the tiny Qwen3-MoE (layers 0 and 2 sparse, layer 1 dense), plus how the sparse
 * block reads its experts: one call per chosen expert, never one per token.
 */
class MoeDecoderConsistencyTest extends DecoderConsistencyTest {

  @Override
  protected CheckpointPreset preset() {
    return CheckpointPreset.TINY_QWEN3_MOE;
  }

  /** Counts calls and input rows of the projection it wraps. */
  static final class Counting extends ForwardingProjection {
    final AtomicLong calls = new AtomicLong();
    final AtomicLong rows = new AtomicLong();

    Counting(Projection base) {
      super(base);
    }

    @Override
    public NDArray apply(NDArray x) {
      calls.incrementAndGet();
      rows.addAndGet(x.getShape().size() / inFeatures());
      return super.apply(x);
    }
  }

  @Test
  void theTinyMoeHasADenseLayerAmongSparseOnes() {
    ModelConfig c = decoder.config();
    assertThat(c.isSparseLayer(0)).isTrue();
    assertThat(c.isSparseLayer(1)).isFalse();
    assertThat(c.isSparseLayer(2)).isTrue();
    assertThat(decoder.projections()).containsKeys("model.layers.0.mlp.gate", "model.layers.0.mlp.experts.7.down_proj",
        "model.layers.1.mlp.gate_proj", "model.layers.2.mlp.experts.0.up_proj");
    assertThat(decoder.projections()).doesNotContainKeys("model.layers.1.mlp.gate", "model.layers.0.mlp.gate_proj");
  }

  @Test
  void expertsAreCalledOncePerForwardWithTheirTokensAndDecodeReadsOnlyTheChosenOnes() {
    try (Decoder d = DecoderLoader.load(TestCheckpoints.get(preset(), TensorDType.F32, 5))) {
      Map<String, Counting> down = new ConcurrentHashMap<>();
      for (String name : new ArrayList<>(d.projections().keySet())) {
        if (name.contains(".mlp.experts.") && name.endsWith("down_proj")) {
          Counting c = new Counting(d.projections().get(name));
          d.replaceProjection(name, c);
          down.put(name, c);
        }
      }
      int k = d.config().moe().numExpertsPerTok();
      int sparse = d.config().moe().sparseLayers(d.config().numLayers()).size();
      int[] ids = randomIds(21, 17);
      try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, 32)) {
        d.forward(scope, DecoderInput.of(ids), cache, true); // prefill: 17 tokens
        long calls = down.values().stream().mapToLong(c -> c.calls.get()).sum();
        long rows = down.values().stream().mapToLong(c -> c.rows.get()).sum();
        assertThat(rows).as("every token reaches k experts per sparse layer").isEqualTo((long) ids.length * k * sparse);
        assertThat(calls).as("one call per expert that has tokens, not one per token")
            .isLessThanOrEqualTo((long) d.config().moe().numExperts() * sparse).isLessThan(rows);
        down.values().forEach(c -> {
          c.calls.set(0);
          c.rows.set(0);
        });
        d.forward(scope, DecoderInput.of(new int[] {ids[0]}, ids.length), cache, true); // one decode step
        List<String> read = down.entrySet().stream().filter(e -> e.getValue().calls.get() > 0).map(Map.Entry::getKey)
            .toList();
        assertThat(read).as("decode reads k experts per sparse layer").hasSize(k * sparse);
        assertThat(down.values().stream().mapToLong(c -> c.rows.get()).sum()).isEqualTo((long) k * sparse);
      }
    }
  }

  @Test
  void aCheckpointThatDisagreesWithItsMoeConfigIsAOneLineError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
      throws Exception {
    java.nio.file.Path dir = tmp.resolve("m");
    io.ltm.lora.io.RandomCheckpointWriter.builder(preset()).seed(1).shards(2).withoutTokenizer().build().write(dir);
    java.nio.file.Path config = dir.resolve("config.json");
    java.nio.file.Files.writeString(config, java.nio.file.Files.readString(config)
        .replace("\"moe_intermediate_size\" : 32", "\"moe_intermediate_size\" : 16"));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DecoderLoader.load(dir))
        .isInstanceOf(io.ltm.lora.io.CheckpointException.class)
        .hasMessageContaining("model-00001-of-00002.safetensors")
        .hasMessageContaining("model.layers.0.mlp.experts.0.gate_proj.weight")
        .hasMessageContaining("[32, 64]")
        .hasMessageContaining("8 experts of 16")
        .hasMessageContaining("[16, 64]")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void expertsSideBySideOnTheirOwnThreadsGiveWhatTheyGiveInOrder() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(ExpertThreads.available() > 1, "one libtorch thread here: nothing runs side by side");
    try (Decoder d = DecoderLoader.load(TestCheckpoints.get(preset(), TensorDType.F32, 5))) {
      int[] ids = randomIds(31, 40); // >= PARALLEL_EXPERT_TOKENS
      long before = ExpertThreads.layersRun();
      float[][] sideBySide;
      try (NDManager scope = d.manager().newSubManager()) {
        sideBySide = logprobs(d.forward(scope, DecoderInput.of(ids), null, false), 0, 0, ids.length);
      }
      int sparse = d.config().moe().sparseLayers(d.config().numLayers()).size();
      assertThat(ExpertThreads.layersRun() - before).as("every sparse layer ran its experts side by side").isEqualTo(sparse);
      float[][][] inOrder = new float[1][][];
      long[] sideBySideRuns = new long[1];
      Thread serial = new Thread(() -> { // one libtorch thread here: the experts run in order on this thread
        DecodeThreads.oneThreadHere();
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
        long b = ExpertThreads.layersRun();
        try (NDManager scope = d.manager().newSubManager()) {
          inOrder[0] = logprobs(d.forward(scope, DecoderInput.of(ids), null, false), 0, 0, ids.length);
        }
        sideBySideRuns[0] = ExpertThreads.layersRun() - b;
      }, "in-order");
      serial.start();
      serial.join();
      assertThat(sideBySideRuns[0]).isZero();
      assertThat(maxDiff(sideBySide, inOrder[0])).isLessThan(1e-5);

      // a wrapped expert (as a LoRA wraps it) keeps its layer in order on the calling thread
      String name = "model.layers.0.mlp.experts.3.down_proj";
      java.util.Set<String> threads = ConcurrentHashMap.newKeySet();
      d.replaceProjection(name, new ForwardingProjection(d.projections().get(name)) {
        @Override
        public NDArray apply(NDArray x) {
          threads.add(Thread.currentThread().getName());
          return super.apply(x);
        }
      });
      long b = ExpertThreads.layersRun();
      try (NDManager scope = d.manager().newSubManager()) {
        float[][] wrapped = logprobs(d.forward(scope, DecoderInput.of(ids), null, false), 0, 0, ids.length);
        assertThat(maxDiff(wrapped, sideBySide)).isLessThan(1e-5);
      }
      assertThat(ExpertThreads.layersRun() - b).as("only the layer without wrappers side by side").isEqualTo(sparse - 1);
      assertThat(threads).allMatch(t -> !t.startsWith("ltm-experts-"));
    }
  }

  @Test
  void everyExpertWithTokensRunsOnceWhateverTheSplit() {
    int[] start = {0, 5, 5, 6, 40, 41, 41, 60, 64}; // 8 experts, two with no rows, one with most
    for (int threads = 2; threads <= 5; threads++) {
      java.util.concurrent.ConcurrentLinkedQueue<Integer> ran = new java.util.concurrent.ConcurrentLinkedQueue<>();
      ExpertThreads.forEachExpert(start, 8, threads, ran::add);
      assertThat(ran).as("%d threads", threads).containsExactlyInAnyOrder(0, 2, 3, 4, 6, 7);
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> ExpertThreads.forEachExpert(start, 8, 2, j -> {
      if (j == 6) {
        throw new IllegalStateException("expert 6 failed");
      }
    })).isInstanceOf(IllegalStateException.class).hasMessage("expert 6 failed");
  }

  @Test
  void routingPicksTheLargestProbabilitiesInOrder() {
    float[] p = {0.1f, 0.4f, 0.2f, 0.3f, /* row 2 */ 0.25f, 0.25f, 0.5f, 0f};
    assertThat(Decoder.topK(p, 2, 4, 2)).containsExactly(1, 3, 2, 0);
  }
}
