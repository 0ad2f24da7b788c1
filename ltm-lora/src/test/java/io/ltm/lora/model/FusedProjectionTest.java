package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.TensorDType;
import org.junit.jupiter.api.Test;

/**
 * The fused q/k/v and gate/up matrices give the same logits as the separate projections, and a
 * replaced projection is really called (the layer falls back from the fused matrix) until it is put
 * back.
 */
class FusedProjectionTest {
  private static final int[] IDS = {151644, 872, 198, 3838, 374, 264, 11198, 30};

  /** Calls the wrapped projection and multiplies its output by {@code factor}. */
  private static final class Scaled extends ForwardingProjection {
    private final float factor;

    Scaled(Projection base, float factor) {
      super(base);
      this.factor = factor;
    }

    @Override
    public NDArray apply(NDArray x) {
      return base().apply(x).mul(factor);
    }
  }

  private static float[] logits(Decoder d) {
    try (NDManager scope = d.manager().newSubManager()) {
      return d.forward(scope, DecoderInput.of(IDS), null, false).toFloatArray();
    }
  }

  private static double maxDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  @Test
  void fusedEqualsSeparateProjectionsAndReplacementsAreCalled() {
    for (CheckpointPreset preset : new CheckpointPreset[] {CheckpointPreset.TINY_QWEN3, CheckpointPreset.TINY_QWEN2}) {
      try (Decoder d = DecoderLoader.load(TestCheckpoints.get(preset, TensorDType.F32, 5))) {
        float[] fused = logits(d);
        // every projection wrapped by an identity: each is called on its own (views of the fused weights)
        java.util.Map<String, Projection> originals = new java.util.LinkedHashMap<>(d.projections());
        for (Projection p : originals.values()) {
          d.replaceProjection(p.name(), new Scaled(p, 1f));
        }
        float[] separate = logits(d);
        assertThat(maxDiff(fused, separate)).as(preset + " fused vs separate").isLessThan(1e-4);
        for (Projection p : originals.values()) {
          d.replaceProjection(p.name(), p);
        }
        // one replaced projection in a fused group changes the result: the fallback runs it
        String up = ProjectionKind.UP_PROJ.moduleName(1);
        String v = ProjectionKind.V_PROJ.moduleName(0);
        d.replaceProjection(up, new Scaled(originals.get(up), 0f));
        float[] noUp = logits(d);
        assertThat(maxDiff(fused, noUp)).as(preset + " up_proj zeroed").isGreaterThan(1e-3);
        d.replaceProjection(up, originals.get(up));
        d.replaceProjection(v, new Scaled(originals.get(v), 2f));
        assertThat(maxDiff(fused, logits(d))).as(preset + " v_proj doubled").isGreaterThan(1e-3);
        // putting the originals back restores the fused path exactly
        d.replaceProjection(v, originals.get(v));
        assertThat(maxDiff(fused, logits(d))).isEqualTo(0.0);
        // the projections' weights are live views, the same arrays as in weights()
        LinearProjection q = (LinearProjection) d.projections().get(ProjectionKind.Q_PROJ.moduleName(0));
        assertThat(d.weights().projections().get(q.name())).isSameAs(q);
        assertThat(q.weight().isReleased()).isFalse();
        assertThat(q.weight().getShape().get(0)).isEqualTo(q.outFeatures());
      }
    }
  }
}
