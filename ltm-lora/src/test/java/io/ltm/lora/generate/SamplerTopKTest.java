package io.ltm.lora.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * With top-k on, the sampler computes probabilities only for the ids near the top k; its draws must be the
 * ones the full path (every id's probability, then the same top-k / top-p / draw) makes from the same seed.
 */
class SamplerTopKTest {

  @Test
  void topKDrawsEqualTheFullPathsDraws() {
    SplittableRandom r = new SplittableRandom(17);
    int checked = 0;
    int distinctIds = 0;
    for (int trial = 0; trial < 240; trial++) {
      int vocab = 50 + r.nextInt(4000);
      double temperature = new double[] {0.01, 0.05, 0.3, 0.7, 1.0, 2.5}[trial % 6];
      int topK = new int[] {1, 2, 5, 20, 40}[r.nextInt(5)];
      double topP = new double[] {1.0, 0.95, 0.5}[r.nextInt(3)];
      double penalty = trial % 3 == 0 ? 1.3 : 1.0;
      float[] logits = new float[vocab + 7]; // at an offset, as rows of a batch are
      int offset = 7;
      double spread = new double[] {0.5, 3, 12}[r.nextInt(3)];
      for (int i = 0; i < vocab; i++) {
        double v = spread * r.nextGaussian();
        // coarse values: many exact ties, also at the k-th place
        logits[offset + i] = (float) (trial % 2 == 0 ? Math.rint(v * 2) / 2 : v);
      }
      boolean[] seen = new boolean[vocab];
      for (int i = 0; i < vocab; i++) {
        seen[i] = r.nextInt(10) == 0;
      }
      long seed = r.nextLong();
      Sampler fast = new Sampler(temperature, topK, topP, penalty, seed);
      Sampler full = new Sampler(temperature, topK, topP, penalty, seed);
      java.util.Set<Integer> ids = new java.util.HashSet<>();
      for (int draw = 0; draw < 30; draw++) {
        int id = fast.next(logits, offset, vocab, seen).id();
        int expected = full.sample(full.penalizedLogits(logits, offset, vocab, penalty != 1.0 ? seen : null));
        assertThat(id).as("trial %d draw %d (vocab %d, T %s, top-k %d, top-p %s)", trial, draw, vocab, temperature, topK, topP)
            .isEqualTo(expected);
        ids.add(id);
        checked++;
      }
      distinctIds += ids.size();
    }
    assertThat(checked).isEqualTo(240 * 30);
    assertThat(distinctIds).isGreaterThan(240 * 2); // the draws vary: the comparison is not between constants
  }

  @Test
  void tiesAtTheKthPlaceKeepTheLowerIds() {
    // ids 2, 5, 9 share the second-largest logit; top-k 2 keeps id 0 (largest) and id 2 (the lowest of the tie)
    float[] logits = {5, 0, 4, 0, 0, 4, 0, 0, 0, 4};
    Sampler s = new Sampler(1.0, 2, 1.0, 1.0, 5);
    java.util.Set<Integer> ids = new java.util.HashSet<>();
    for (int i = 0; i < 400; i++) {
      ids.add(s.next(logits, 0, logits.length, null).id());
    }
    assertThat(ids).containsExactlyInAnyOrder(0, 2);
  }

  @Test
  void topLogprobsFromTheChoiceEqualThoseComputedAfresh() {
    SplittableRandom r = new SplittableRandom(4);
    for (int trial = 0; trial < 20; trial++) {
      int vocab = 100 + r.nextInt(3000);
      float[] logits = new float[vocab];
      for (int i = 0; i < vocab; i++) {
        logits[i] = (float) (4 * r.nextGaussian());
      }
      Sampler.Choice c = new Sampler(0.8, 20, 0.9, 1.0, trial).next(logits, 0, vocab, null);
      assertThat(Sampler.top(logits, 0, vocab, 5, c.max(), c.logZ())).isEqualTo(Sampler.top(logits, 0, vocab, 5));
      assertThat(c.logprob()).isEqualTo(logits[c.id()] - c.max() - c.logZ());
    }
  }
}
