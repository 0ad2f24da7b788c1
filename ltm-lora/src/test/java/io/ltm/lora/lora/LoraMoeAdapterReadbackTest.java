package io.ltm.lora.lora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.PeftAdapterIo;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * An adapter ltm writes on a Qwen3-MoE base ({@code all-linear}: attention, the router and every expert)
 * gives the same logprobs in the independent float64 reader (src/test/python/lora_moe_readback.py, which
 * folds the PEFT-layout file into the base as PEFT defines LoRA) as in ltm. The adapter is made
 * deterministically (PEFT init from a seed, then seeded nonzero B) and written under
 * target/moe-readback/adapter, where the script reads it when the fixture is regenerated.
 */
class LoraMoeAdapterReadbackTest {
  static final Path ADAPTER = Path.of("target", "moe-readback", "adapter");

  @Test
  void anAdapterWeWriteReadsTheSameInAnIndependentImplementation() throws Exception {
    JsonNode ref = new ObjectMapper().readTree(Path.of("src/test/resources/fixtures/lora_moe_readback.json").toFile());
    int[] ids = new int[ref.get("ids").size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = ref.get("ids").get(i).asInt();
    }
    try (Decoder decoder = DecoderLoader.load(TestCheckpoints.get(CheckpointPreset.TINY_QWEN3_MOE, TensorDType.F32, 11));
        LoraModel model = new LoraModel(decoder)) {
      LoraAdapter a = model.create("ours", LoraConfig.builder().optR(2).optLoraAlpha(4)
          .optTargetModules(new TargetModules.AllLinear()).build(), 3);
      SplittableRandom rnd = new SplittableRandom(5);
      for (Map.Entry<String, NDArray> e : a.parameters().entrySet()) {
        if (e.getKey().endsWith(LoraAdapter.B_SUFFIX)) {
          float[] v = new float[(int) e.getValue().size()];
          for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rnd.nextDouble() - 0.5) * 0.2);
          }
          e.getValue().set(v);
        }
      }
      PeftAdapterIo.save(a, ADAPTER, TensorDType.F32);
      assertThat(ref.get("modules").asInt()).isEqualTo(a.modules().size());
      try (NDManager scope = decoder.manager().newSubManager()) {
        NDArray base = model.logits(scope, DecoderInput.of(ids)).logSoftmax(-1); // (1, T, V), no adapter
        NDArray logp;
        try (var use = model.use("ours")) {
          logp = model.logits(scope, DecoderInput.of(ids)).logSoftmax(-1); // (1, T, V)
        }
        double maxErr = 0;
        double moved = 0;
        for (int i = 0; i < ids.length - 1; i++) {
          double expected = ref.get("logprobs").get(i).asDouble();
          maxErr = Math.max(maxErr, Math.abs(logp.getFloat(0, i, ids[i + 1]) - expected));
          moved = Math.max(moved, Math.abs(base.getFloat(0, i, ids[i + 1]) - expected));
        }
        assertThat(moved).as("the adapter changes the logprobs").isGreaterThan(1e-2);
        assertThat(maxErr).isLessThan(1e-4);
      }
    }
  }
}
