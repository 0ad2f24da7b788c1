package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.TensorDType;
import org.junit.jupiter.api.Test;

/**
 * The path LoRA training takes: wrap a projection by name, run the forward under DJL autograd, and
 * get the gradient of a trainable parameter, checked against finite differences.
 */
class TrainingPathTest {

  /** base(x) + x A: a stand-in for a LoRA wrapper. */
  static final class Wrapped extends ForwardingProjection {
    private final NDArray a;

    Wrapped(Projection base, NDArray a) {
      super(base);
      this.a = a;
    }

    @Override
    public NDArray apply(NDArray x) {
      return base().apply(x).add(x.matMul(a));
    }
  }

  private static double loss(Decoder d, NDManager scope, int[] ids) {
    NDArray logits = d.forward(scope, DecoderInput.of(ids), null, false);
    return nll(scope, logits, ids).getFloat();
  }

  private static NDArray nll(NDManager scope, NDArray logits, int[] ids) {
    long[] next = new long[ids.length - 1];
    for (int i = 0; i < next.length; i++) {
      next[i] = ids[i + 1];
    }
    NDArray lp = logits.get("0, :-1, :").logSoftmax(-1).gather(scope.create(next, new Shape(next.length, 1)), 1);
    return lp.mean().neg();
  }

  @Test
  void gradientsFlowThroughAWrappedProjection() {
    int[] ids = {151644, 872, 198, 3838, 374, 264, 11198, 30};
    String name = ProjectionKind.Q_PROJ.moduleName(1);
    try (Decoder d = DecoderLoader.load(TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.F32, 5));
        NDManager params = d.manager().newSubManager()) {
      Projection base = d.projections().get(name);
      NDArray a = params.randomNormal(0, 0.01f, new Shape(base.inFeatures(), base.outFeatures()), ai.djl.ndarray.types.DataType.FLOAT32);
      a.setRequiresGradient(true);
      d.replaceProjection(name, new Wrapped(base, a));
      assertThat(d.projections().get(name)).isInstanceOf(Wrapped.class);

      float[] grad;
      try (NDManager scope = params.newSubManager(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray loss = nll(scope, d.forward(scope, DecoderInput.of(ids), null, false), ids);
        gc.backward(loss);
        grad = a.getGradient().toFloatArray();
      }
      int best = 0;
      for (int i = 1; i < grad.length; i++) {
        if (Math.abs(grad[i]) > Math.abs(grad[best])) {
          best = i;
        }
      }
      assertThat(Math.abs(grad[best])).isGreaterThan(1e-4f);
      // central finite difference on the largest gradient entry
      float eps = 1e-2f;
      float[] values = a.toFloatArray();
      float orig = values[best];
      double up;
      double down;
      try (NDManager scope = params.newSubManager()) {
        values[best] = orig + eps;
        a.set(values);
        up = loss(d, scope, ids);
        values[best] = orig - eps;
        a.set(values);
        down = loss(d, scope, ids);
      }
      double numeric = (up - down) / (2 * eps);
      assertThat(numeric).isCloseTo(grad[best], within(Math.abs(grad[best]) * 0.05));
      // the base weights stay frozen
      assertThat(((LinearProjection) base).weight().hasGradient()).isFalse();
      d.replaceProjection(name, base);
    }
  }

  @Test
  void replacementMustKeepNameAndShape() {
    try (Decoder d = DecoderLoader.load(TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.F32, 5))) {
      Projection q = d.projections().get(ProjectionKind.Q_PROJ.moduleName(0));
      Projection k = d.projections().get(ProjectionKind.K_PROJ.moduleName(0));
      assertThatThrownBy(() -> d.replaceProjection(q.name(), k)).hasMessageContaining("same name and shape");
      assertThatThrownBy(() -> d.replaceProjection("model.layers.9.self_attn.q_proj", q)).hasMessageContaining("no projection named");
      assertThat(d.projections()).hasSize(2 * 7).containsKey("model.layers.1.mlp.down_proj");
    }
  }
}
