package io.ltm.lora.lora;

import static io.ltm.lora.train.ReferenceFixture.floats;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.PeftAdapterIo;
import io.ltm.lora.io.SafetensorsFile;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import io.ltm.lora.train.AdamW;
import io.ltm.lora.train.AdamWConfig;
import io.ltm.lora.train.CausalLmLoss;
import io.ltm.lora.train.Gradients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA on a Qwen3-MoE against the float64 torch reference (src/test/python/lora_moe_reference.py): a
 * PEFT-layout adapter made there (q/v, the router {@code gate}, every expert's gate/up/down and the dense
 * layer's) loads; logprobs, the gradient of every lora_A/lora_B, and one AdamW step in which the experts
 * no token chose have no gradient and are skipped as torch skips them. Also: what {@code all-linear} means
 * on this architecture, and merge / unmerge / merged save for expert projections.
 */
class LoraMoeReferenceTest {
  static JsonNode ref;
  static final Path ADAPTER = Path.of("src/test/resources/fixtures/lora_moe_adapter");

  @BeforeAll
  static void load() throws IOException {
    ref = new ObjectMapper().readTree(Path.of("src/test/resources/fixtures/lora_moe_reference.json").toFile());
  }

  static int[] ints(JsonNode n) {
    int[] out = new int[n.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = n.get(i).asInt();
    }
    return out;
  }

  static Path base() {
    return TestCheckpoints.get(CheckpointPreset.TINY_QWEN3_MOE, TensorDType.F32, 11);
  }

  @Test
  void logprobsGradientsAndAdamwStepMatchTorchWithUnchosenExpertsSkipped() throws IOException {
    int[] ids = ints(ref.get("ids"));
    int[] labels = ints(ref.get("labels"));
    Set<String> noGradient = new HashSet<>();
    ref.get("modules_without_gradient").forEach(n -> noGradient.add(n.asText()));
    assertThat(noGradient).as("the fixture leaves some experts out").isNotEmpty()
        .allMatch(m -> m.contains(".mlp.experts."));
    try (Decoder decoder = DecoderLoader.load(base()); LoraModel model = new LoraModel(decoder)) {
      LoraAdapter adapter = model.load(ADAPTER, "ref");
      assertThat(adapter.modules()).hasSize(59).containsKeys("model.layers.0.mlp.gate",
          "model.layers.2.mlp.experts.7.down_proj", "model.layers.1.mlp.up_proj");
      try (NDManager scope = decoder.manager().newSubManager(); var use = model.use("ref")) {
        NDArray logp = model.logits(scope, DecoderInput.of(ids)).logSoftmax(-1); // (1, T, V)
        float[] expected = floats(ref.get("logprobs"));
        for (int i = 0; i < expected.length; i++) {
          assertThat((double) logp.getFloat(0, i, ids[i + 1])).as("logprob %d", i)
              .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4));
        }
        adapter.setTrainable(true);
        Gradients.zero(adapter.parameters().values());
        adapter.modules().values().forEach(LoraModule::resetReached);
        try (GradientCollector gc = new io.ltm.lora.train.ThreadGradientCollector()) { // ltm's: keeps one-row experts in libtorch
          NDArray logits = model.logits(scope, DecoderInput.of(ids));
          CausalLmLoss.Sum s = CausalLmLoss.sum(logits, scope.create(labels, new Shape(1, labels.length)), null);
          NDArray loss = s.sum().div(s.tokens());
          assertThat((double) loss.getFloat()).isCloseTo(ref.get("loss").asDouble(),
              org.assertj.core.data.Offset.offset(1e-4));
          gc.backward(loss);
        }
        Set<String> reached = new HashSet<>();
        for (var e : adapter.modules().entrySet()) {
          assertThat(e.getValue().reached()).as(e.getKey()).isEqualTo(!noGradient.contains(e.getKey()));
          if (e.getValue().reached()) {
            reached.add(e.getKey() + LoraAdapter.A_SUFFIX);
            reached.add(e.getKey() + LoraAdapter.B_SUFFIX);
          }
        }
        for (var e : adapter.parameters().entrySet()) {
          JsonNode exp = ref.get("grads").get(e.getKey());
          if (exp.isNull()) {
            continue; // never reached: nothing flowed into it (its gradient array, if any, holds zeros)
          }
          float[] g = e.getValue().getGradient().toFloatArray();
          assertThat(LoraModelReferenceTest.scaledError(g, floats(exp))).as(e.getKey()).isLessThan(1e-4);
        }
        try (AdamW opt = new AdamW(new AdamWConfig(0.9, 0.999, 1e-8, ref.get("adamw").get("weight_decay").asDouble()),
            adapter.parameters(), adapter.manager())) {
          opt.step(ref.get("adamw").get("lr").asDouble(), reached::contains);
          assertThat(opt.parameterSteps().values()).contains(0L, 1L);
        }
        for (var e : adapter.parameters().entrySet()) {
          float[] after = e.getValue().toFloatArray();
          float[] exp = floats(ref.get("after_adamw").get(e.getKey()));
          double maxDiff = 0;
          for (int i = 0; i < after.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(after[i] - exp[i]));
          }
          assertThat(maxDiff).as(e.getKey()).isLessThan(1e-5);
        }
      }
    }
  }

  @Test
  void allLinearTargetsTheRouterAndEveryExpertAsPeftDoes(@TempDir Path tmp) throws IOException {
    try (Decoder decoder = DecoderLoader.load(base()); LoraModel model = new LoraModel(decoder)) {
      LoraAdapter a = model.create("all", LoraConfig.builder().optR(2)
          .optTargetModules(TargetModules.parseCommaSeparated("all-linear")).build(), 3);
      // PEFT: every torch.nn.Linear but the output layer; transformers' Qwen3MoeSparseMoeBlock.gate is one
      assertThat(((TargetModules.Names) a.config().targetModules()).names())
          .containsExactly("down_proj", "gate", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj");
      // 3 layers x 4 attention + 2 sparse x (router + 8 x 3) + 1 dense x 3
      assertThat(a.modules()).hasSize(12 + 2 * 25 + 3);
      PeftAdapterIo.save(a, tmp.resolve("a"), TensorDType.F32);
      SafetensorsFile f = SafetensorsFile.open(tmp.resolve("a").resolve(PeftAdapterIo.WEIGHTS_FILE));
      assertThat(f.tensors()).containsKeys("base_model.model.model.layers.2.mlp.experts.7.down_proj.lora_A.weight",
          "base_model.model.model.layers.0.mlp.gate.lora_B.weight",
          "base_model.model.model.layers.1.mlp.gate_proj.lora_A.weight");
      assertThat(f.tensors().get("base_model.model.model.layers.0.mlp.gate.lora_B.weight").shape())
          .containsExactly(8, 2);
      // "gate" names the router only: gate_proj is matched by its own name
      assertThat(TargetModules.parseCommaSeparated("gate").matches("model.layers.0.mlp.experts.1.gate_proj")).isFalse();
      assertThat(TargetModules.parseCommaSeparated("gate").matches("model.layers.0.mlp.gate")).isTrue();
    }
  }

  @Test
  void mergeUnmergeAndMergedSaveCoverExpertProjections(@TempDir Path tmp) throws IOException {
    int[] ids = ints(ref.get("ids"));
    try (Decoder decoder = DecoderLoader.load(base()); LoraModel model = new LoraModel(decoder)) {
      model.load(ADAPTER, "ref");
      try (NDManager scope = decoder.manager().newSubManager()) {
        float[] baseLogits = model.logits(scope, DecoderInput.of(ids)).toFloatArray();
        float[] adapted;
        try (var use = model.use("ref")) {
          adapted = model.logits(scope, DecoderInput.of(ids)).toFloatArray();
        }
        assertThat(maxDiff(adapted, baseLogits)).as("the adapter changes the model").isGreaterThan(1e-2);
        model.merge("ref");
        float[] merged;
        try (var use = model.use("ref")) {
          merged = model.logits(scope, DecoderInput.of(ids)).toFloatArray();
        }
        assertThat(maxDiff(merged, adapted)).isLessThan(1e-4);
        model.saveMerged(tmp.resolve("merged"), TensorDType.F32, null);
        model.unmerge("ref");
        assertThat(maxDiff(model.logits(scope, DecoderInput.of(ids)).toFloatArray(), baseLogits)).isLessThan(1e-4);
        assertThat(Files.exists(tmp.resolve("merged").resolve("model.safetensors"))).isTrue();
        Files.copy(base().resolve("tokenizer.json"), tmp.resolve("merged").resolve("tokenizer.json"));
        try (Decoder reloaded = DecoderLoader.load(tmp.resolve("merged"))) {
          assertThat(reloaded.config().isMoe()).isTrue();
          assertThat(maxDiff(reloaded.forward(scope, DecoderInput.of(ids), null, false).toFloatArray(), adapted))
              .isLessThan(1e-4);
        }
      }
    }
  }

  static double maxDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }
}
