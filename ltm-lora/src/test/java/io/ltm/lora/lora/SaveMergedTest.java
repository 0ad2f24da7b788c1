package io.ltm.lora.lora;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A merged save is a plain checkpoint that computes what the base with the adapter computed. */
class SaveMergedTest {
  @TempDir Path tmp;

  static final int[] IDS = {151644, 872, 198, 3838, 374, 264, 3381, 30, 151645, 198, 151644, 77091, 198};

  static float[] logits(Decoder d) {
    try (NDManager scope = d.manager().newSubManager()) {
      return d.forward(scope, DecoderInput.of(IDS), null, false).toFloatArray();
    }
  }

  static double maxAbsDiff(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  @Test
  void mergedCheckpointReproducesTheAdapterAndKeepsTheTokenizer() throws IOException {
    Path base = TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.F32, 7);
    Path merged = tmp.resolve("merged");
    float[] withAdapter;
    float[] baseOnly;
    try (Decoder decoder = DecoderLoader.load(base); LoraModel model = new LoraModel(decoder)) {
      baseOnly = logits(decoder);
      LoraConfig cfg = LoraConfig.builder().optR(4).optLoraAlpha(8).optTargetModules(new TargetModules.AllLinear()).build();
      LoraAdapter a = model.create("a", cfg, 3);
      Random rnd = new Random(11);
      for (LoraModule m : a.modules().values()) { // B starts at zero: give it values so the adapter changes the output
        float[] b = new float[(int) m.loraB().size()];
        for (int i = 0; i < b.length; i++) {
          b[i] = (float) (rnd.nextGaussian() * 0.05);
        }
        m.loraB().set(b);
      }
      try (var s = model.use("a")) {
        withAdapter = logits(decoder);
      }
      assertThat(maxAbsDiff(withAdapter, baseOnly)).as("the adapter changes the logits").isGreaterThan(1e-2);
      model.merge("a");
      model.saveMerged(merged, TensorDType.F32, base);
      model.unmerge("a");
      assertThat(maxAbsDiff(logits(decoder), baseOnly)).as("unmerge restores the base").isLessThan(1e-4);
    }
    try (Decoder reloaded = DecoderLoader.load(merged)) {
      assertThat(maxAbsDiff(logits(reloaded), withAdapter)).as("merged checkpoint vs base + adapter").isLessThan(1e-4);
    }
    for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
      assertThat(merged.resolve(f)).as(f).exists();
    }
    assertThat(Files.readString(merged.resolve("tokenizer.json"))).isEqualTo(Files.readString(base.resolve("tokenizer.json")));
    try (var files = Files.list(tmp)) {
      assertThat(files.map(p -> p.getFileName().toString())).as("no temporary folder left").containsExactly("merged");
    }
  }
}
