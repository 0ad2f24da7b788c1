package io.ltm.lora.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Sampling rules on hand-made distributions. */
class SamplerTest {
  private static final float[] LOGITS = {(float) Math.log(0.5), (float) Math.log(0.3), (float) Math.log(0.15), (float) Math.log(0.05)};

  @Test
  void greedyTakesArgmaxAndReportsTheModelsDistribution() {
    Sampler.Choice c = new Sampler(0, 0, 1, 1, 0).next(LOGITS, 0, 4, null);
    assertThat(c.id()).isZero();
    assertThat(c.logprob()).isCloseTo(Math.log(0.5), within(1e-6));
    double h = -(0.5 * Math.log(0.5) + 0.3 * Math.log(0.3) + 0.15 * Math.log(0.15) + 0.05 * Math.log(0.05));
    assertThat(c.entropy()).isCloseTo(h, within(1e-6));
  }

  @Test
  void topKAndTopPRestrictTheCandidates() {
    Sampler k2 = new Sampler(1, 2, 1, 1, 7);
    Sampler p6 = new Sampler(1, 0, 0.6, 1, 7); // 0.5 < 0.6 <= 0.8: tokens 0 and 1
    Sampler p5 = new Sampler(1, 0, 0.5, 1, 7); // token 0 alone reaches 0.5
    int[] counts = new int[4];
    for (int i = 0; i < 2000; i++) {
      assertThat(k2.next(LOGITS, 0, 4, null).id()).isLessThan(2);
      counts[p6.next(LOGITS, 0, 4, null).id()]++;
      assertThat(p5.next(LOGITS, 0, 4, null).id()).isZero();
    }
    assertThat(counts[2] + counts[3]).isZero();
    assertThat(counts[0] / 2000.0).isCloseTo(0.5 / 0.8, within(0.05));
  }

  @Test
  void temperatureOneFollowsTheDistributionAndSeedsReproduce() {
    Sampler a = new Sampler(1, 0, 1, 1, 42);
    Sampler b = new Sampler(1, 0, 1, 1, 42);
    int[] counts = new int[4];
    for (int i = 0; i < 4000; i++) {
      int x = a.next(LOGITS, 0, 4, null).id();
      assertThat(b.next(LOGITS, 0, 4, null).id()).isEqualTo(x);
      counts[x]++;
    }
    assertThat(counts[3] / 4000.0).isCloseTo(0.05, within(0.02));
    assertThat(counts[1] / 4000.0).isCloseTo(0.3, within(0.03));
  }

  @Test
  void repetitionPenaltyDemotesSeenTokens() {
    boolean[] seen = {true, false, false, false};
    // log 0.5 = -0.69 is negative: multiplied by 3 -> -2.08, below log 0.3 = -1.2
    Sampler.Choice c = new Sampler(0, 0, 1, 3, 0).next(LOGITS, 0, 4, seen);
    assertThat(c.id()).isEqualTo(1);
    assertThat(c.logprob()).isCloseTo(Math.log(0.3), within(1e-6)); // reported under the model's distribution
  }
}
