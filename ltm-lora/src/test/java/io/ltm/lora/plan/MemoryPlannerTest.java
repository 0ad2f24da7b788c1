package io.ltm.lora.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.model.Decoder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MemoryPlanner} on the published Qwen3 configs kept as fixtures and against the engine's own counts. */
class MemoryPlannerTest {
  private static final long GB96 = 96_000_000_000L;

  static ModelConfig fixture(String name) {
    return ModelConfig.read(Path.of("src/test/resources/configs/" + name + ".config.json"));
  }

  static MemoryPlan plan(ModelConfig c, PlanRequest.Builder b) {
    return MemoryPlanner.plan(c, b.build(), GB96, "test");
  }

  @Test
  void publishedParameterCounts() {
    // Qwen3's model cards: 30.5B total / 3.3B activated; 8.2B; 32.8B
    MemoryPlan moe = plan(fixture("Qwen3-30B-A3B"), PlanRequest.builder().optGpu(true));
    assertThat(moe.totalParameters()).isBetween(30_400_000_000L, 30_600_000_000L);
    assertThat(moe.activeParameters()).isBetween(3_300_000_000L, 3_400_000_000L);
    assertThat(plan(fixture("Qwen3-8B"), PlanRequest.builder()).totalParameters()).isBetween(8_150_000_000L, 8_250_000_000L);
    assertThat(plan(fixture("Qwen3-32B"), PlanRequest.builder()).totalParameters()).isBetween(32_700_000_000L, 32_800_000_000L);
  }

  @Test
  void frozenWeightsInTheDevicesType() {
    ModelConfig c = fixture("Qwen3-8B");
    assertThat(plan(c, PlanRequest.builder()).train().parts().get("frozen_weights")).isEqualTo(c.parameterCount() * 4);
    assertThat(plan(c, PlanRequest.builder().optGpu(true)).train().parts().get("frozen_weights"))
        .isEqualTo(c.parameterCount() * 2);
  }

  @Test
  void bf16CheckpointsGenerateFromBf16WeightsOnTheCpuAndTrainFromF32() {
    ModelConfig c = fixture("Qwen3-8B");
    MemoryPlan f32 = plan(c, PlanRequest.builder());
    MemoryPlan bf16 = plan(c, PlanRequest.builder().optBf16Weights(true));
    assertThat(bf16.generate().parts().get("frozen_weights")).isEqualTo(c.parameterCount() * 2);
    assertThat(f32.generate().parts().get("frozen_weights")).isEqualTo(c.parameterCount() * 4);
    assertThat(bf16.train().parts()).as("training widens to f32 either way").isEqualTo(f32.train().parts());
    assertThat(bf16.generate().bytes()).isLessThan(f32.generate().bytes() * 6 / 10);
    assertThat(plan(c, PlanRequest.builder().optBf16Weights(true).optGpu(true)).generate().parts().get("frozen_weights"))
        .as("f16 on a GPU, as before").isEqualTo(c.parameterCount() * 2);
  }

  @Test
  void trainableCountEqualsTheEnginesLoraModel(@TempDir Path tmp) throws Exception {
    Path dir = RandomCheckpointWriter.builder(CheckpointPreset.TINY_QWEN3).seed(3).withoutTokenizer().build().write(tmp.resolve("m"));
    ModelConfig c = ModelConfig.read(dir.resolve("config.json"));
    for (TargetModules t : List.of(new TargetModules.AllLinear(), TargetModules.parseCommaSeparated("q_proj,v_proj"),
        TargetModules.parseString(".*layers\\.1\\..*down_proj"))) {
      try (Decoder d = DecoderLoader.load(dir); LoraModel m = new LoraModel(d)) {
        m.create("a", LoraConfig.builder().optR(8).optTargetModules(t).build(), 1);
        long engine = m.trainableParameters("a").trainable();
        MemoryPlan p = plan(c, PlanRequest.builder().optR(8).optTargets(t));
        assertThat(p.trainableParameters()).as(t.toString()).isEqualTo(engine);
        assertThat(p.train().parts().get("lora_weights")).isEqualTo(engine * 4);
        assertThat(p.train().parts().get("adamw_moments")).isEqualTo(engine * 8);
      }
    }
  }

  @Test
  void checkpointingLowersTheTrainingPeakAtLongSequences() {
    ModelConfig c = CheckpointPreset.QWEN3_0_6B.config();
    MemoryPlan plain = plan(c, PlanRequest.builder().optMaxLen(2048));
    MemoryPlan ckpt = plan(c, PlanRequest.builder().optMaxLen(2048).optGradientCheckpointing(true));
    assertThat(ckpt.train().bytes()).isLessThan(plain.train().bytes() / 2);
    assertThat(plain.activationsNoCheckpointing()).isEqualTo(ckpt.activationsNoCheckpointing());
    assertThat(plain.activationsCheckpointing()).isLessThan(plain.activationsNoCheckpointing() / 3);
    // longer sequences never need less
    long previous = 0;
    for (int len : new int[] {128, 256, 512, 1024, 2048, 4096}) {
      long b = plan(c, PlanRequest.builder().optMaxLen(len)).train().bytes();
      assertThat(b).isGreaterThan(previous);
      previous = b;
    }
  }

  @Test
  void adviceNamesFlagsThatFit() {
    ModelConfig c = CheckpointPreset.QWEN3_0_6B.config();
    PlanRequest noCkpt = PlanRequest.builder().optMaxLen(2048).build();
    long between = MemoryPlanner.plan(c, noCkpt.toBuilder().optGradientCheckpointing(true).build(), GB96, "t").train().bytes()
        + (1L << 30);
    MemoryPlan p = MemoryPlanner.plan(c, noCkpt, between, "t");
    assertThat(p.fitsTrain()).isFalse();
    assertThat(p.advice()).containsExactly("--gradient-checkpointing");
    MemoryPlan tiny = MemoryPlanner.plan(c, noCkpt, 1L << 30, "t");
    assertThat(tiny.advice()).singleElement().asString().contains("frozen weights alone need");
    MemoryPlan fits = MemoryPlanner.plan(c, noCkpt, GB96, "t");
    assertThat(fits.fitsTrain()).isTrue();
    assertThat(fits.advice()).isEmpty();
  }

  @Test
  void jsonHasTheIssuesShape() {
    ObjectNode j = plan(fixture("Qwen3-30B-A3B"), PlanRequest.builder().optGpu(true).optGradientCheckpointing(true)).toJson();
    assertThat(j.get("parameters").get("total").asLong()).isEqualTo(fixture("Qwen3-30B-A3B").parameterCount());
    assertThat(j.get("parameters").get("active").asLong()).isEqualTo(fixture("Qwen3-30B-A3B").activeParameterCount());
    long sum = 0;
    for (var it = j.get("train").get("parts").elements(); it.hasNext(); ) {
      sum += it.next().asLong();
    }
    assertThat(j.get("train").get("bytes").asLong()).isEqualTo(sum);
    assertThat(j.get("generate").get("parts").has("kv_cache")).isTrue();
    assertThat(j.get("fits").get("train").isBoolean()).isTrue();
    assertThat(j.get("fits").get("generate").isBoolean()).isTrue();
  }

  @Test
  void kvCacheIsCountedExactly() {
    ModelConfig c = fixture("Qwen3-8B");
    MemoryPlan p = plan(c, PlanRequest.builder().optMaxLen(1000).optMaxNewTokens(24).optBatch(2));
    // f32 keys and values: batch x columns x layers x 2 x kv heads x head_dim x 4 bytes
    assertThat(p.generate().parts().get("kv_cache")).isEqualTo(2L * 1024 * 36 * 2 * 8 * 128 * 4);
  }

  @Test
  void byteSizes() {
    assertThat(ByteSize.parse("96GB")).isEqualTo(96_000_000_000L);
    assertThat(ByteSize.parse("24GiB")).isEqualTo(24L << 30);
    assertThat(ByteSize.parse("512 MB")).isEqualTo(512_000_000L);
    assertThat(ByteSize.parse("1.5TB")).isEqualTo(1_500_000_000_000L);
    assertThat(ByteSize.parse("123")).isEqualTo(123);
    assertThatThrownBy(() -> ByteSize.parse("lots")).hasMessageContaining("96GB");
    assertThatThrownBy(() -> PlanRequest.builder().optMaxLen(0).build()).hasMessageContaining("--max-len");
  }
}
