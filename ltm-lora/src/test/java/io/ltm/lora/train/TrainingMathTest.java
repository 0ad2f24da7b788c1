package io.ltm.lora.train;

import static io.ltm.lora.train.ReferenceFixture.floats;
import static io.ltm.lora.train.ReferenceFixture.maxRelError;
import static io.ltm.lora.train.ReferenceFixture.shape;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** AdamW, clipping, schedules and the loss against torch/transformers (fixture from lora_train_reference.py). */
class TrainingMathTest {

  @Test
  void adamwMatchesTorchOverSeveralSteps() {
    JsonNode f = ReferenceFixture.root().get("adamw");
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> params = new LinkedHashMap<>();
      for (int i = 0; i < f.get("shapes").size(); i++) {
        NDArray p = m.create(floats(f.get("init").get(i)), new Shape(shape(f.get("shapes").get(i))));
        p.setRequiresGradient(true);
        params.put("p" + i, p);
      }
      AdamWConfig cfg = new AdamWConfig(f.get("beta1").asDouble(), f.get("beta2").asDouble(), f.get("eps").asDouble(),
          f.get("weight_decay").asDouble());
      try (AdamW opt = new AdamW(cfg, params, m)) {
        for (int s = 0; s < f.get("lrs").size(); s++) {
          setGradients(params, f.get("grads").get(s));
          opt.step(f.get("lrs").get(s).asDouble());
          int i = 0;
          for (NDArray p : params.values()) {
            float[] expected = floats(f.get("params_after").get(s).get(i++));
            assertThat(maxRelError(p.toFloatArray(), expected)).as("step %d", s + 1).isLessThan(1e-5);
          }
        }
        assertThat(opt.stepCount()).isEqualTo(5);
        assertThat(maxRelError(opt.stateArrays().get("p1.exp_avg_sq").toFloatArray(), floats(f.get("exp_avg_sq").get(1))))
            .isLessThan(1e-5);
      }
    }
  }

  /** Gives each parameter the fixture gradient by backward through sum(p * g). */
  static void setGradients(Map<String, NDArray> params, JsonNode grads) {
    NDManager m = params.values().iterator().next().getManager();
    Gradients.zero(params.values());
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray total = null;
      int i = 0;
      for (NDArray p : params.values()) {
        NDArray g = m.create(floats(grads.get(i++)), p.getShape());
        NDArray term = p.mul(g).sum();
        total = total == null ? term : total.add(term);
      }
      gc.backward(total);
    }
  }

  @Test
  void globalNormClippingMatchesTorch() {
    for (String key : new String[] {"1.0", "1000.0"}) {
      JsonNode f = ReferenceFixture.root().get("clip").get(key);
      try (NDManager m = NDManager.newBaseManager()) {
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (int i = 0; i < f.get("shapes").size(); i++) {
          NDArray p = m.zeros(new Shape(shape(f.get("shapes").get(i))), DataType.FLOAT32);
          p.setRequiresGradient(true);
          params.put("p" + i, p);
        }
        setGradients(params, f.get("grads"));
        Gradients.Norms norms = Gradients.clipGlobalNorm(params, Double.parseDouble(key));
        assertThat(norms.firstNonFinite()).isNull();
        assertThat(norms.totalNorm()).isCloseTo(f.get("total_norm").asDouble(), Offset.offset(1e-5));
        int i = 0;
        for (NDArray p : params.values()) {
          assertThat(maxRelError(p.getGradient().toFloatArray(), floats(f.get("clipped").get(i++)))).isLessThan(1e-6);
        }
      }
    }
  }

  @Test
  void nonFiniteGradientIsNamed() {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> params = new LinkedHashMap<>();
      NDArray a = m.ones(new Shape(3));
      NDArray b = m.ones(new Shape(2));
      a.setRequiresGradient(true);
      b.setRequiresGradient(true);
      params.put("layers.0.q_proj.lora_A", a);
      params.put("layers.0.q_proj.lora_B", b);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        gc.backward(a.sum().add(b.log().mul(m.create(new float[] {1f, Float.NaN})).sum()));
      }
      Gradients.Norms n = Gradients.clipGlobalNorm(params, 1.0);
      assertThat(n.firstNonFinite()).isEqualTo("layers.0.q_proj.lora_B");
      assertThat(a.getGradient().toFloatArray()).containsOnly(1f); // untouched
    }
  }

  @Test
  void schedulesMatchTransformers() {
    for (String kind : new String[] {"linear", "cosine"}) {
      JsonNode f = ReferenceFixture.root().get("schedule").get(kind);
      LrSchedule s = new LrSchedule(LrSchedule.Kind.parse(kind), f.get("peak").asDouble(), f.get("warmup").asLong(),
          f.get("total").asLong());
      for (int step = 0; step < f.get("lrs").size(); step++) {
        assertThat(s.lrAt(step)).as("%s step %d", kind, step).isCloseTo(f.get("lrs").get(step).asDouble(), Offset.offset(1e-15));
      }
    }
    assertThat(new LrSchedule(LrSchedule.Kind.CONSTANT, 1e-3, 2, 10).lrAt(1)).isEqualTo(5e-4);
    assertThat(new LrSchedule(LrSchedule.Kind.CONSTANT, 1e-3, 2, 10).lrAt(9)).isEqualTo(1e-3);
  }

  @Test
  void causalLossMatchesCrossEntropyWithMasksAndSegments() {
    JsonNode f = ReferenceFixture.root().get("loss");
    long[] shp = shape(f.get("shape"));
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.create(floats(f.get("logits")), new Shape(shp));
      logits.setRequiresGradient(true);
      float[] lf = floats(f.get("labels"));
      long[] labels = new long[lf.length];
      for (int i = 0; i < lf.length; i++) {
        labels[i] = (long) lf[i];
      }
      float[] sf = floats(f.get("segments"));
      int[] seg = new int[sf.length];
      for (int i = 0; i < sf.length; i++) {
        seg[i] = (int) sf[i];
      }
      NDArray lab = m.create(labels, new Shape(shp[0], shp[1]));
      NDArray segs = m.create(seg, new Shape(shp[0], shp[1]));
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        CausalLmLoss.Sum s = CausalLmLoss.sum(logits, lab, segs);
        assertThat(s.tokens()).isEqualTo(f.get("tokens").asLong());
        NDArray mean = s.sum().div(s.tokens());
        assertThat((double) mean.getFloat()).isCloseTo(f.get("loss").asDouble(), Offset.offset(1e-5));
        gc.backward(mean);
      }
      assertThat(maxRelError(logits.getGradient().toFloatArray(), floats(f.get("grad_logits")))).isLessThan(1e-4);
      CausalLmLoss.Sum plain = CausalLmLoss.sum(logits, lab, null);
      assertThat(plain.tokens()).isEqualTo(f.get("tokens_no_segments").asLong());
      assertThat((double) plain.sum().getFloat() / plain.tokens()).isCloseTo(f.get("loss_no_segments").asDouble(),
          Offset.offset(1e-5));
    }
  }
}
