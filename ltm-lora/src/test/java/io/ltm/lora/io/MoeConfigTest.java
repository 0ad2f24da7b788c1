package io.ltm.lora.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class MoeConfigTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode published(String name) throws Exception {
    try (InputStream in = MoeConfigTest.class.getResourceAsStream("/configs/" + name + ".config.json")) {
      return (ObjectNode) JSON.readTree(in);
    }
  }

  @Test
  void readsQwen3_30B_A3B() throws Exception {
    ModelConfig c = ModelConfig.fromJson(published("Qwen3-30B-A3B"));
    assertThat(c.modelType()).isEqualTo(ModelType.QWEN3_MOE);
    assertThat(c.isMoe()).isTrue();
    assertThat(c.moe().numExperts()).isEqualTo(128);
    assertThat(c.moe().numExpertsPerTok()).isEqualTo(8);
    assertThat(c.moe().moeIntermediateSize()).isEqualTo(768);
    assertThat(c.moe().normTopkProb()).isTrue();
    assertThat(c.moe().sparseLayers(c.numLayers())).hasSize(48);
    // Published as "30.5B total, 3.3B activated".
    assertThat(c.parameterCount()).isBetween(30_400_000_000L, 30_600_000_000L);
    assertThat(c.activeParameterCount()).isBetween(3_300_000_000L, 3_400_000_000L);
  }

  @Test
  void denseLayersFromMlpOnlyLayersAndSparseStep() throws Exception {
    ObjectNode n = published("Qwen3-30B-A3B");
    n.put("num_hidden_layers", 6).put("decoder_sparse_step", 2);
    n.putArray("mlp_only_layers").add(3);
    ModelConfig c = ModelConfig.fromJson(n);
    // (L + 1) % 2 == 0 -> 1, 3, 5; layer 3 is forced dense.
    assertThat(c.moe().sparseLayers(6)).containsExactly(1, 5);
    assertThat(c.isSparseLayer(3)).isFalse();
    assertThat(c.isSparseLayer(0)).isFalse();
  }

  @Test
  void roundTripsThroughToJson() throws Exception {
    ModelConfig c = ModelConfig.fromJson(published("Qwen3-30B-A3B"));
    ModelConfig back = ModelConfig.fromJson(JSON.readTree(c.toJson(TensorDType.BF16)));
    assertThat(back).isEqualTo(c);
  }

  @Test
  void errorsNameTheField() throws Exception {
    ObjectNode n = published("Qwen3-30B-A3B");
    n.put("num_experts_per_tok", 200);
    assertThatThrownBy(() -> ModelConfig.fromJson(n)).hasMessageContaining("num_experts_per_tok")
        .hasMessageContaining("128");
    ObjectNode m = published("Qwen3-30B-A3B");
    m.remove("moe_intermediate_size");
    assertThatThrownBy(() -> ModelConfig.fromJson(m)).hasMessageContaining("field moe_intermediate_size: missing");
  }

  @Test
  void denseTypesRejectMoeSettings() {
    MoeConfig moe = new MoeConfig(4, 2, 8, true, 1, List.of(), 0.001);
    assertThatThrownBy(() -> ModelConfig.builder(ModelType.QWEN3).moe(moe).build())
        .hasMessageContaining("no mixture-of-experts");
  }
}
