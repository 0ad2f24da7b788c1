package io.ltm.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The top-k entropy estimate: exact when the top k hold all the mass, otherwise a lower bound (docs/openai-backend.md). */
class TopLogprobEntropyTest {

  @Test
  void exactWhenTheTopKHoldAllTheMass() {
    assertThat(TopLogprobEntropy.of(List.of(Math.log(0.5), Math.log(0.5)))).isCloseTo(Math.log(2), within(1e-12));
    assertThat(TopLogprobEntropy.of(List.of(0.0))).isZero();
    assertThat(TopLogprobEntropy.of(List.of())).isNaN();
    assertThat(TopLogprobEntropy.of(List.of(-9999.0))).isNaN(); // vLLM's minus infinity only
  }

  /** Random next-token distributions over 1,000 tokens, from flat to peaked: the top-20 estimate never exceeds the truth. */
  @Test
  void isALowerBoundOfTheFullEntropyAndTheGapObeysItsBound() {
    SplittableRandom rnd = new SplittableRandom(12);
    int v = 1000;
    int k = 20;
    for (int trial = 0; trial < 300; trial++) {
      double sharpness = 0.1 + 10 * rnd.nextDouble();
      double[] p = new double[v];
      double z = 0;
      for (int i = 0; i < v; i++) {
        p[i] = Math.exp(sharpness * -Math.log(rnd.nextDouble())); // heavy-tailed logits
        z += p[i];
      }
      double h = 0;
      for (int i = 0; i < v; i++) {
        p[i] /= z;
        h -= p[i] * Math.log(p[i]);
      }
      double[] sorted = p.clone();
      Arrays.sort(sorted);
      List<Double> top = new ArrayList<>();
      double m = 0;
      for (int i = 0; i < k; i++) {
        double pi = sorted[v - 1 - i];
        top.add(Math.log(pi));
        m += pi;
      }
      double est = TopLogprobEntropy.of(top);
      assertThat(est).isLessThanOrEqualTo(h + 1e-12);
      double binary = m >= 1 ? 0 : -m * Math.log(m) - (1 - m) * Math.log(1 - m);
      assertThat(h - est).isLessThanOrEqualTo(binary + (1 - m) * Math.log(v - k) + 1e-12);
    }
  }
}
