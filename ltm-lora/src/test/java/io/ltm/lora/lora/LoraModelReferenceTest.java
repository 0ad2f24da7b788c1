package io.ltm.lora.lora;

import static io.ltm.lora.train.ReferenceFixture.floats;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import io.ltm.lora.train.AdamW;
import io.ltm.lora.train.AdamWConfig;
import io.ltm.lora.train.CausalLmLoss;
import io.ltm.lora.train.Gradients;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole decoder with a PEFT-layout adapter against the float64 torch reference
 * (src/test/python/lora_model_reference.py): logprobs, gradients of every lora_A/lora_B, one AdamW step.
 */
class LoraModelReferenceTest {

  static JsonNode ref;
  static final Path ADAPTER = Path.of("src/test/resources/fixtures/lora_model_adapter");

  @BeforeAll
  static void load() throws IOException {
    ref = new ObjectMapper().readTree(Path.of("src/test/resources/fixtures/lora_model_reference.json").toFile());
  }

  static int[] ints(JsonNode n) {
    int[] out = new int[n.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = n.get(i).asInt();
    }
    return out;
  }

  /** max |a - b| / max |b|: the error relative to the tensor's scale. */
  static double scaledError(float[] actual, float[] expected) {
    double maxAbs = 0;
    double maxErr = 0;
    for (int i = 0; i < expected.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
      maxErr = Math.max(maxErr, Math.abs(actual[i] - expected[i]));
    }
    return maxErr / Math.max(maxAbs, 1e-12);
  }

  @Test
  void logprobsGradientsAndAdamwStepMatchTorch() throws IOException {
    Path base = TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.F32, 11);
    int[] ids = ints(ref.get("ids"));
    int[] labels = ints(ref.get("labels"));
    try (Decoder decoder = DecoderLoader.load(base); LoraModel model = new LoraModel(decoder)) {
      LoraAdapter adapter = model.load(ADAPTER, "ref");
      assertThat(adapter.modules()).hasSize(6);
      try (NDManager scope = decoder.manager().newSubManager(); var use = model.use("ref")) {
        // logprobs of ids[i+1] given ids[..i]
        NDArray logp = model.logits(scope, DecoderInput.of(ids)).logSoftmax(-1); // (1, T, V)
        float[] expected = floats(ref.get("logprobs"));
        for (int i = 0; i < expected.length; i++) {
          float got = logp.getFloat(0, i, ids[i + 1]);
          assertThat((double) got).as("logprob %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-4));
        }
        // gradients of A and B for the HF causal LM loss
        adapter.setTrainable(true);
        Gradients.zero(adapter.parameters().values());
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray logits = model.logits(scope, DecoderInput.of(ids));
          NDArray lab = scope.create(labels, new Shape(1, labels.length));
          CausalLmLoss.Sum s = CausalLmLoss.sum(logits, lab, null);
          NDArray loss = s.sum().div(s.tokens());
          assertThat((double) loss.getFloat()).isCloseTo(ref.get("loss").asDouble(), org.assertj.core.data.Offset.offset(1e-4));
          gc.backward(loss);
        }
        for (var e : adapter.parameters().entrySet()) {
          float[] g = e.getValue().getGradient().toFloatArray();
          assertThat(scaledError(g, floats(ref.get("grads").get(e.getKey())))).as(e.getKey()).isLessThan(1e-4);
        }
        try (AdamW opt = new AdamW(new AdamWConfig(0.9, 0.999, 1e-8, ref.get("adamw").get("weight_decay").asDouble()),
            adapter.parameters(), adapter.manager())) {
          opt.step(ref.get("adamw").get("lr").asDouble());
        }
        for (var e : adapter.parameters().entrySet()) {
          float[] after = e.getValue().toFloatArray();
          float[] exp = floats(ref.get("after_adamw").get(e.getKey()));
          // Adam's first step moves each value by about lr; the result must agree far below that.
          double maxDiff = 0;
          for (int i = 0; i < after.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(after[i] - exp[i]));
          }
          assertThat(maxDiff).as(e.getKey()).isLessThan(1e-5);
        }
      }
      // Base model unaffected by the adapter when it is not selected.
      assertThat(model.trainableParameters("ref").trainable()).isEqualTo(adapter.parameterCount());
    }
  }
}
