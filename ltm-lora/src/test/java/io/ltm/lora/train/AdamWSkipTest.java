package io.ltm.lora.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A parameter without a gradient in a step (an expert no token chose) is skipped as torch's AdamW skips
 * {@code grad is None}: no update, no weight decay, and its own step count (its bias corrections) does
 * not advance; so its trajectory equals that of an optimizer that never saw the skipped step.
 */
class AdamWSkipTest {

  @Test
  void aSkippedParameterMovesAsIfTheStepNeverHappened() {
    AdamWConfig cfg = new AdamWConfig(0.9, 0.999, 1e-8, 0.1);
    float[][] grads = {{0.5f, -1f, 2f}, {3f, 0.25f, -0.5f}, {-1f, 1f, 0.1f}};
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.create(new float[] {1f, 2f, 3f});
      NDArray b = m.create(new float[] {1f, 2f, 3f});
      NDArray alone = m.create(new float[] {1f, 2f, 3f});
      for (NDArray p : new NDArray[] {a, b, alone}) {
        p.setRequiresGradient(true);
      }
      Map<String, NDArray> both = new LinkedHashMap<>();
      both.put("a", a);
      both.put("b", b);
      try (AdamW opt = new AdamW(cfg, both, m); AdamW ref = new AdamW(cfg, Map.of("b", alone), m)) {
        for (int s = 0; s < 3; s++) {
          a.getGradient().set(grads[s]);
          b.getGradient().set(grads[s]);
          boolean skipB = s == 1;
          float[] before = b.toFloatArray();
          opt.step(1e-2, name -> !(skipB && name.equals("b")));
          if (skipB) {
            assertThat(b.toFloatArray()).as("no update, no weight decay").containsExactly(before);
          } else {
            alone.getGradient().set(grads[s]);
            ref.step(1e-2);
          }
        }
        assertThat(opt.stepCount()).isEqualTo(3);
        assertThat(opt.parameterSteps()).containsEntry("a", 3L).containsEntry("b", 2L);
        assertThat(b.toFloatArray()).containsExactly(alone.toFloatArray());
        assertThat(a.toFloatArray()).isNotEqualTo(b.toFloatArray());
      }
    }
  }
}
