package io.ltm.lora.io;

import static io.ltm.lora.train.ReferenceFixture.floats;
import static io.ltm.lora.train.ReferenceFixture.maxRelError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraMerge;
import io.ltm.lora.lora.LoraModule;
import io.ltm.lora.lora.LoraProjection;
import io.ltm.lora.model.LinearProjection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapters in PEFT's layout: a hand-written (Python) adapter loads and computes as torch does; save/load round trips. */
class PeftAdapterIoTest {

  static final Path FIXTURES = Path.of("src/test/resources/fixtures");

  @TempDir Path tmp;

  @Test
  void adapterWrittenByAnotherToolGivesTorchOutputs() throws IOException {
    JsonNode exp = new ObjectMapper().readTree(FIXTURES.resolve("peft_adapter_expected.json").toFile());
    try (NDManager m = NDManager.newBaseManager(); LoraAdapter adapter = PeftAdapterIo.load(FIXTURES.resolve("peft_adapter"), "a", m)) {
      assertThat(adapter.modules()).hasSize(4);
      assertThat(adapter.modules().keySet()).first().isEqualTo("model.layers.0.self_attn.q_proj");
      AdapterSelection sel = new AdapterSelection();
      float[] xs = floats(exp.get("x"));
      NDArray x = m.create(xs, new Shape(3, xs.length / 3));
      var it = exp.get("modules").fields();
      while (it.hasNext()) {
        var e = it.next();
        int out = e.getValue().get("out").asInt();
        NDArray w = m.create(floats(e.getValue().get("w")), new Shape(out, 16));
        LoraProjection p = new LoraProjection(new LinearProjection(e.getKey(), w, null), sel);
        p.attach("a", adapter.modules().get(e.getKey()));
        assertThat(maxRelError(p.apply(x).toFloatArray(), floats(e.getValue().get("y_base")))).isLessThan(1e-5);
        try (var s = sel.use("a")) {
          assertThat(maxRelError(p.apply(x).toFloatArray(), floats(e.getValue().get("y")))).as(e.getKey()).isLessThan(1e-4);
        }
      }
    }
  }

  @Test
  void saveAndLoadRoundTripsInEachDtype() throws IOException {
    LoraConfig cfg = LoraConfig.builder().optR(4).optLoraAlpha(16).optTargetModules("q_proj", "down_proj").build();
    try (NDManager m = NDManager.newBaseManager()) {
      List<LinearProjection> projections = new ArrayList<>();
      for (int layer = 0; layer < 2; layer++) {
        projections.add(new LinearProjection("model.layers." + layer + ".self_attn.q_proj", m.randomNormal(new Shape(8, 8)), null));
        projections.add(new LinearProjection("model.layers." + layer + ".self_attn.k_proj", m.randomNormal(new Shape(4, 8)), null));
        projections.add(new LinearProjection("model.layers." + layer + ".mlp.down_proj", m.randomNormal(new Shape(8, 12)), null));
      }
      try (LoraAdapter ad = LoraAdapter.create("t", cfg, projections, m, 3)) {
        assertThat(ad.modules().keySet()).containsExactly("model.layers.0.self_attn.q_proj", "model.layers.0.mlp.down_proj",
            "model.layers.1.self_attn.q_proj", "model.layers.1.mlp.down_proj");
        for (LoraModule mod : ad.modules().values()) {
          mod.loraB().set(m.randomNormal(mod.loraB().getShape()).toFloatArray());
        }
        for (TensorDType dt : TensorDType.values()) {
          Path dir = tmp.resolve("ad-" + dt);
          PeftAdapterIo.save(ad, dir, dt);
          try (LoraAdapter back = PeftAdapterIo.load(dir, "b", m)) {
            assertThat(back.config()).isEqualTo(ad.config());
            assertThat(back.modules().keySet()).containsExactlyInAnyOrderElementsOf(ad.modules().keySet());
            double tol = dt == TensorDType.F32 ? 0 : dt == TensorDType.F16 ? 1e-3 : 8e-3;
            for (var e : ad.parameters().entrySet()) {
              float[] a = e.getValue().toFloatArray();
              float[] b = back.parameters().get(e.getKey()).toFloatArray();
              assertThat(maxRelError(b, a)).as("%s %s", dt, e.getKey()).isLessThanOrEqualTo(tol);
            }
          }
          SafetensorsFile st = SafetensorsFile.open(dir.resolve("adapter_model.safetensors"));
          TensorInfo a0 = st.tensors().get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
          assertThat(a0.shape()).containsExactly(4, 8);
          assertThat(a0.dtype()).isEqualTo(dt);
          assertThat(st.tensors().get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").shape()).containsExactly(8, 4);
        }
        // Overwriting an existing adapter directory is atomic and leaves no temp dirs.
        PeftAdapterIo.save(ad, tmp.resolve("ad-F32"), TensorDType.F32);
        try (var files = Files.list(tmp)) {
          assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("."))).isEmpty();
        }
      }
    }
  }

  @Test
  void switchMergeAndUnmerge() throws IOException {
    LoraConfig cfg = LoraConfig.builder().optR(2).optLoraAlpha(4).optTargetModules("q_proj").build();
    try (NDManager m = NDManager.newBaseManager()) {
      m.getEngine().setRandomSeed(5); // fixed data: the 1e-5 bounds below are per element
      NDArray w = m.randomNormal(new Shape(6, 5));
      float[] original = w.toFloatArray();
      LinearProjection lin = new LinearProjection("model.layers.0.self_attn.q_proj", w, null);
      AdapterSelection sel = new AdapterSelection();
      LoraProjection p = new LoraProjection(lin, sel);
      try (LoraAdapter a = LoraAdapter.create("a", cfg, List.of(lin), m, 1);
           LoraAdapter b = LoraAdapter.create("b", cfg, List.of(lin), m, 2)) {
        for (LoraAdapter ad : List.of(a, b)) {
          LoraModule mod = ad.modules().values().iterator().next();
          mod.loraB().set(m.randomNormal(mod.loraB().getShape()).toFloatArray());
          p.attach(ad.name(), mod);
        }
        NDArray x = m.randomNormal(new Shape(3, 5));
        float[] yBase = p.apply(x).toFloatArray();
        float[] yA;
        float[] yB;
        try (var s = sel.use("a")) {
          yA = p.apply(x).toFloatArray();
        }
        try (var s = sel.use("b")) {
          yB = p.apply(x).toFloatArray();
        }
        assertThat(maxRelError(yA, yBase)).isGreaterThan(1e-2);
        assertThat(maxRelError(yB, yA)).isGreaterThan(1e-2);
        assertThat(p.apply(x).toFloatArray()).isEqualTo(yBase); // back to base without reloading

        assertThat(LoraMerge.merge("a", List.of(p))).isEqualTo(1);
        try (var s = sel.use("a")) {
          assertThat(maxRelError(p.apply(x).toFloatArray(), yA)).isLessThan(1e-5);
        }
        assertThatThrownBy(() -> p.apply(x)).isInstanceOf(IllegalStateException.class).hasMessageContaining("merged");
        LoraMerge.unmerge("a", List.of(p));
        assertThat(maxRelError(w.toFloatArray(), original)).isLessThan(1e-5);
        assertThat(maxRelError(p.apply(x).toFloatArray(), yBase)).isLessThan(1e-5);
      }
    }
  }

  @Test
  void malformedAdaptersAreClearErrors() throws IOException {
    Path dir = tmp.resolve("bad");
    Files.createDirectories(dir);
    Files.copy(FIXTURES.resolve("peft_adapter/adapter_config.json"), dir.resolve("adapter_config.json"));
    assertThatThrownBy(() -> PeftAdapterIo.load(dir, "x", NDManager.newBaseManager())).hasMessageContaining("adapter_model.safetensors")
        .hasMessageContaining("not found");
    new SafetensorsWriter(TensorDType.F32).add("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", new long[] {3, 16}, new float[48])
        .add("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", new long[] {16, 3}, new float[48])
        .write(dir.resolve("adapter_model.safetensors"));
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> PeftAdapterIo.load(dir, "x", m)).hasMessageContaining("q_proj").hasMessageContaining("r = 4");
      new SafetensorsWriter(TensorDType.F32).add("base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector", new long[] {16}, new float[16])
          .write(dir.resolve("adapter_model.safetensors"));
      assertThatThrownBy(() -> PeftAdapterIo.load(dir, "x", m)).hasMessageContaining("lora_magnitude_vector")
          .hasMessageContaining("not a LoRA weight");
      Files.write(dir.resolve("adapter_model.safetensors"), new byte[] {1, 2, 3});
      assertThatThrownBy(() -> PeftAdapterIo.load(dir, "x", m)).isInstanceOf(IOException.class).hasMessageContaining("adapter_model.safetensors");
    }
  }

  @Test
  void halfFloatConversionsMatchTorch() throws IOException {
    JsonNode f = new ObjectMapper().enable(com.fasterxml.jackson.core.JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS)
        .readTree(FIXTURES.resolve("half_floats.json").toFile());
    for (int i = 0; i < f.get("values").size(); i++) {
      float v = (float) f.get("values").get(i).asDouble();
      int f16 = f.get("f16_bits").get(i).asInt();
      int bf16 = f.get("bf16_bits").get(i).asInt();
      assertThat(HalfFloats.toF16(v) & 0xFFFF).as("f16 of %s", v).isEqualTo(f16);
      assertThat(HalfFloats.toBf16(v) & 0xFFFF).as("bf16 of %s", v).isEqualTo(bf16);
      float backF16 = HalfFloats.fromF16((short) f16);
      assertThat(HalfFloats.toF16(backF16) & 0xFFFF).isEqualTo(f16);
      assertThat(Float.floatToIntBits(HalfFloats.fromBf16((short) bf16)) >>> 16).isEqualTo(bf16);
    }
  }
}
