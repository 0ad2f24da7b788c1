package io.ltm.lora.lora;

import static io.ltm.lora.train.ReferenceFixture.floats;
import static io.ltm.lora.train.ReferenceFixture.maxRelError;
import static io.ltm.lora.train.ReferenceFixture.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import io.ltm.lora.train.ReferenceFixture;
import org.junit.jupiter.api.Test;

class LoraModuleTest {

  @Test
  void kaimingBoundIsOneOverSqrtFanIn() {
    assertThat(LoraModule.kaimingUniformBound(1024)).isCloseTo(1 / 32.0, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(LoraModule.kaimingUniformBound(7)).isCloseTo(1 / Math.sqrt(7), org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void initDrawsUniformAAndZeroB() {
    LoraConfig cfg = LoraConfig.builder().optR(16).optLoraAlpha(32).build();
    try (NDManager m = NDManager.newBaseManager()) {
      LoraModule mod = LoraModule.initialize("model.layers.0.self_attn.q_proj", 256, 128, cfg, m, 42);
      float[] a = mod.loraA().toFloatArray();
      float bound = (float) (1 / Math.sqrt(256));
      double sum = 0, sq = 0, max = 0;
      for (float v : a) {
        sum += v;
        sq += v * v;
        max = Math.max(max, Math.abs(v));
      }
      assertThat(max).isLessThanOrEqualTo(bound);
      assertThat(max).isGreaterThan(bound * 0.99);
      double var = sq / a.length - (sum / a.length) * (sum / a.length);
      // U(-b, b) has variance b^2/3.
      assertThat(var).isCloseTo(bound * bound / 3.0, org.assertj.core.data.Percentage.withPercentage(5));
      assertThat(mod.loraB().toFloatArray()).containsOnly(0f);
      assertThat(mod.loraB().getShape()).isEqualTo(new Shape(128, 16));
      assertThat(mod.scaling()).isEqualTo(2.0);
      // Fresh adapter: the update is exactly zero.
      NDArray x = m.randomNormal(new Shape(2, 3, 256));
      assertThat(mod.delta(x, false).abs().max().getFloat()).isZero();
      // Same seed, same weights; another module name, other weights.
      LoraModule again = LoraModule.initialize("model.layers.0.self_attn.q_proj", 256, 128, cfg, m, 42);
      assertThat(again.loraA().toFloatArray()).isEqualTo(a);
      LoraModule other = LoraModule.initialize("model.layers.0.self_attn.k_proj", 256, 128, cfg, m, 42);
      assertThat(other.loraA().toFloatArray()).isNotEqualTo(a);
    }
  }

  @Test
  void forwardAndGradientsMatchTorch() {
    for (String variant : new String[] {"plain", "rslora"}) {
      JsonNode f = ReferenceFixture.root().get("lora_" + variant);
      int r = f.get("r").asInt();
      LoraConfig cfg = LoraConfig.builder().optR(r).optLoraAlpha(f.get("alpha").asDouble())
          .optUseRslora(variant.equals("rslora")).build();
      assertThat(cfg.scaling()).isCloseTo(f.get("scaling").asDouble(), org.assertj.core.data.Offset.offset(1e-12));
      try (NDManager m = NDManager.newBaseManager()) {
        NDArray x = m.create(floats(f.get("x")), new Shape(shape(f.get("x_shape"))));
        int in = (int) x.getShape().get(2);
        float[] wv = floats(f.get("w"));
        int out = wv.length / in;
        NDArray w = m.create(wv, new Shape(out, in));
        NDArray a = m.create(floats(f.get("a")), new Shape(r, in));
        NDArray b = m.create(floats(f.get("b")), new Shape(out, r));
        a.setRequiresGradient(true);
        b.setRequiresGradient(true);
        LoraModule mod = new LoraModule("q_proj", a, b, cfg.scaling(), 0f);
        NDArray g = m.create(floats(f.get("upstream")), new Shape(2, 3, out));
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray y = x.matMul(w.transpose()).add(mod.delta(x, true));
          assertThat(maxRelError(y.toFloatArray(), floats(f.get("y")))).isLessThan(1e-4);
          gc.backward(y.mul(g).sum());
        }
        assertThat(maxRelError(a.getGradient().toFloatArray(), floats(f.get("grad_a")))).isLessThan(1e-4);
        assertThat(maxRelError(b.getGradient().toFloatArray(), floats(f.get("grad_b")))).isLessThan(1e-4);
        assertThat(maxRelError(mod.deltaWeight().toFloatArray(), floats(f.get("delta_weight")))).isLessThan(1e-5);
      }
    }
  }

  @Test
  void rejectsMismatchedShapes() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> new LoraModule("x.q_proj", m.zeros(new Shape(4, 8)), m.zeros(new Shape(6, 3)), 1, 0))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x.q_proj").hasMessageContaining("(4, 8)");
    }
  }
}
