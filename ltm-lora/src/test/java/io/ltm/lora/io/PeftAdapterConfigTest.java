package io.ltm.lora.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.TargetModules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeftAdapterConfigTest {

  /** What PEFT 0.13 writes for LoraConfig(r=16, lora_alpha=32, target_modules=["q_proj","v_proj"]), plus an unknown field. */
  static final String PEFT_WRITTEN = """
      {
        "alpha_pattern": {},
        "auto_mapping": null,
        "base_model_name_or_path": "Qwen/Qwen3-0.6B",
        "bias": "none",
        "fan_in_fan_out": false,
        "inference_mode": true,
        "init_lora_weights": true,
        "layer_replication": null,
        "layers_pattern": null,
        "layers_to_transform": null,
        "loftq_config": {},
        "lora_alpha": 32,
        "lora_dropout": 0.05,
        "megatron_config": null,
        "megatron_core": "megatron.core",
        "modules_to_save": null,
        "peft_type": "LORA",
        "r": 16,
        "rank_pattern": {},
        "revision": null,
        "target_modules": ["v_proj", "q_proj"],
        "task_type": "CAUSAL_LM",
        "use_dora": false,
        "use_rslora": true,
        "my_tool_note": {"run": 7}
      }
      """;

  @TempDir Path dir;

  @Test
  void readsPeftFileAndWritesItBack() throws IOException {
    Files.writeString(dir.resolve("adapter_config.json"), PEFT_WRITTEN);
    LoraConfig c = PeftAdapterConfig.read(dir);
    assertThat(c.r()).isEqualTo(16);
    assertThat(c.loraAlpha()).isEqualTo(32);
    assertThat(c.loraDropout()).isEqualTo(0.05);
    assertThat(c.useRslora()).isTrue();
    assertThat(c.scaling()).isEqualTo(8.0);
    assertThat(c.baseModelNameOrPath()).isEqualTo("Qwen/Qwen3-0.6B");
    assertThat(c.targetModules().matches("model.layers.0.self_attn.q_proj")).isTrue();
    assertThat(c.targetModules().matches("model.layers.0.self_attn.k_proj")).isFalse();

    Path out = dir.resolve("out");
    PeftAdapterConfig.write(c, out);
    ObjectMapper json = new ObjectMapper();
    JsonNode original = json.readTree(PEFT_WRITTEN);
    JsonNode written = json.readTree(out.resolve("adapter_config.json").toFile());
    // Every field PEFT wrote survives with its value (target order is normalized to sorted).
    original.fieldNames().forEachRemaining(k -> {
      if (!k.equals("target_modules")) {
        assertThat(written.get(k)).as(k).isEqualTo(original.get(k));
      }
    });
    assertThat(written.get("target_modules").toString()).isEqualTo("[\"q_proj\",\"v_proj\"]");
    assertThat(written.get("lora_alpha").isIntegralNumber()).isTrue();
    // Keys are sorted as PEFT's json.dumps(sort_keys=True).
    var names = new java.util.ArrayList<String>();
    written.fieldNames().forEachRemaining(names::add);
    assertThat(names).isSorted();
    assertThat(PeftAdapterConfig.read(out)).isEqualTo(c);
  }

  @Test
  void freshConfigHasPeftFields() throws IOException {
    LoraConfig c = LoraConfig.builder().optR(4).optLoraAlpha(8).optTargetModules("q_proj", "o_proj").build();
    PeftAdapterConfig.write(c, dir);
    JsonNode w = new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
    assertThat(w.get("peft_type").asText()).isEqualTo("LORA");
    assertThat(w.get("task_type").asText()).isEqualTo("CAUSAL_LM");
    assertThat(w.get("use_dora").asBoolean()).isFalse();
    assertThat(w.get("modules_to_save").isNull()).isTrue();
    assertThat(w.get("bias").asText()).isEqualTo("none");
    assertThat(w.get("r").asInt()).isEqualTo(4);
    assertThat(w.has("inference_mode")).isTrue();
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("adapter_config.json"); // no temp left
    }
  }

  @Test
  void unsupportedFeaturesAreClearErrors() throws IOException {
    Files.writeString(dir.resolve("adapter_config.json"), PEFT_WRITTEN.replace("\"use_dora\": false", "\"use_dora\": true"));
    assertThatThrownBy(() -> PeftAdapterConfig.read(dir)).isInstanceOf(IOException.class)
        .hasMessageContaining("adapter_config.json").hasMessageContaining("use_dora").hasMessageContaining("DoRA");
    Files.writeString(dir.resolve("adapter_config.json"),
        PEFT_WRITTEN.replace("\"modules_to_save\": null", "\"modules_to_save\": [\"lm_head\"]"));
    assertThatThrownBy(() -> PeftAdapterConfig.read(dir)).hasMessageContaining("modules_to_save");
    Files.writeString(dir.resolve("adapter_config.json"), PEFT_WRITTEN.replace("\"peft_type\": \"LORA\"", "\"peft_type\": \"IA3\""));
    assertThatThrownBy(() -> PeftAdapterConfig.read(dir)).hasMessageContaining("peft_type");
    Files.writeString(dir.resolve("adapter_config.json"), PEFT_WRITTEN.replace("\"r\": 16", "\"r\": 0"));
    assertThatThrownBy(() -> PeftAdapterConfig.read(dir)).hasMessageContaining("r must be at least 1");
    Files.writeString(dir.resolve("adapter_config.json"), "{ \"r\": ");
    assertThatThrownBy(() -> PeftAdapterConfig.read(dir)).hasMessageContaining("invalid JSON");
    assertThatThrownBy(() -> PeftAdapterConfig.read(dir.resolve("nope"))).hasMessageContaining("not found");
  }

  @Test
  void targetMatchingFollowsPeft() throws IOException {
    TargetModules names = TargetModules.names(java.util.List.of("q_proj", "mlp.up_proj"));
    assertThat(names.matches("model.layers.3.self_attn.q_proj")).isTrue();
    assertThat(names.matches("q_proj")).isTrue();
    assertThat(names.matches("model.layers.3.self_attn.qq_proj")).isFalse(); // suffix is on a dot boundary
    assertThat(names.matches("model.layers.3.mlp.up_proj")).isTrue();
    TargetModules regex = TargetModules.parseString("model\\.layers\\.[01]\\.self_attn\\.(q|v)_proj");
    assertThat(regex.matches("model.layers.1.self_attn.v_proj")).isTrue();
    assertThat(regex.matches("model.layers.2.self_attn.v_proj")).isFalse();
    assertThat(regex.matches("xmodel.layers.1.self_attn.v_proj")).isFalse(); // full match, not search
    TargetModules all = TargetModules.parseCommaSeparated("all-linear");
    assertThat(all.matches("model.layers.0.mlp.down_proj")).isTrue();
    assertThat(all.matches("lm_head")).isFalse();
    assertThat(TargetModules.parseCommaSeparated(" q_proj, v_proj ")).isEqualTo(TargetModules.names(java.util.List.of("v_proj", "q_proj")));
    assertThatThrownBy(() -> TargetModules.parseString("(")).hasMessageContaining("invalid regular expression");
    assertThatThrownBy(() -> TargetModules.parseCommaSeparated(",")).hasMessageContaining("at least one");
    Files.writeString(dir.resolve("adapter_config.json"),
        PEFT_WRITTEN.replace("[\"v_proj\", \"q_proj\"]", "\".*\\\\.(q|v)_proj\""));
    assertThat(PeftAdapterConfig.read(dir).targetModules()).isInstanceOf(TargetModules.Regex.class);
  }
}
