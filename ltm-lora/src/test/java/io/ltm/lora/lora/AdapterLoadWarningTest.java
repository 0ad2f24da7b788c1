package io.ltm.lora.lora;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.PeftAdapterIo;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.model.Decoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An adapter whose config targets projections it has no weights for loads, with a warning that says so. */
class AdapterLoadWarningTest {
  @TempDir Path tmp;

  @Test
  void targetsWithoutTensorsAreReportedNotSilentlyRunAsTheBase() throws IOException {
    Path base = TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.F32, 5, 1);
    Path dir = tmp.resolve("adapter");
    try (Decoder decoder = DecoderLoader.load(base); LoraModel model = new LoraModel(decoder)) {
      LoraAdapter a = model.create("a", LoraConfig.builder().optR(2).optLoraAlpha(4).optTargetModules("q_proj").build(), 1);
      PeftAdapterIo.save(a, dir, TensorDType.F32);
    }
    Path intact = tmp.resolve("intact");
    Files.createDirectories(intact);
    for (String f : new String[] {"adapter_config.json", "adapter_model.safetensors"}) {
      Files.copy(dir.resolve(f), intact.resolve(f));
    }
    Path config = dir.resolve("adapter_config.json");
    String json = Files.readString(config);
    assertThat(json).contains("\"q_proj\"");
    Files.writeString(config, json.replace("\"q_proj\"", "\"q_proj\", \"v_proj\""));

    String complete = loadCapturingStderr(base, intact);
    assertThat(complete).doesNotContain("no LoRA weights");
    String partial = loadCapturingStderr(base, dir);
    assertThat(partial).contains("targets 2 projection(s) with no LoRA weights in the file, e.g. model.layers.0.self_attn.v_proj");
  }

  private static String loadCapturingStderr(Path base, Path adapter) throws IOException {
    PrintStream old = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try (Decoder decoder = DecoderLoader.load(base); LoraModel model = new LoraModel(decoder)) {
      LoraAdapter loaded = model.load(adapter, "loaded");
      assertThat(loaded.modules()).hasSize(2); // q_proj of both layers, as saved
    } finally {
      System.setErr(old);
    }
    return err.toString(StandardCharsets.UTF_8);
  }
}
