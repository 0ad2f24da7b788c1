package io.ltm.lora.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The partial sort behind top-k / top-p gives the same head as sorting the whole vocabulary. */
class SamplerHeadTest {

  /** Ids by descending float probability, ties by id: the full sort the sampler used to do. */
  private static int[] fullSort(double[] p) {
    return IntStream.range(0, p.length).boxed()
        .sorted(Comparator.<Integer>comparingDouble(i -> -(float) p[i]).thenComparingInt(i -> i))
        .mapToInt(Integer::intValue).toArray();
  }

  @Test
  void headEqualsTheFullSortForTopKAndTopP() {
    SplittableRandom r = new SplittableRandom(3);
    for (int trial = 0; trial < 40; trial++) {
      int n = 2000 + r.nextInt(3000);
      double spread = new double[] {0.05, 1, 4, 15}[trial % 4];
      double[] p = new double[n];
      for (int i = 0; i < n; i++) {
        p[i] = Math.exp(spread * r.nextGaussian());
      }
      if (trial % 3 == 0) { // ties, including at the cut
        for (int i = 0; i < n; i += 5) {
          p[i] = p[1];
        }
      }
      int[] full = fullSort(p);
      int k = 1 + r.nextInt(100);
      int[] topK = Sampler.mostLikelyFirst(p, k, 1.0);
      assertThat(topK.length).isGreaterThanOrEqualTo(k);
      assertThat(Arrays.copyOf(topK, topK.length)).containsExactly(Arrays.copyOf(full, topK.length));

      double mass = 0.05 + 0.9 * r.nextDouble();
      int[] topP = Sampler.mostLikelyFirst(p, 0, mass);
      assertThat(topP).containsExactly(Arrays.copyOf(full, topP.length));
      double total = Arrays.stream(p).sum();
      double acc = 0;
      for (int id : topP) {
        acc += p[id];
      }
      assertThat(acc).isGreaterThanOrEqualTo(mass * total);
    }
  }

  @Test
  void sampledIdsStayInsideTopK() {
    float[] logits = new float[1000];
    SplittableRandom r = new SplittableRandom(9);
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) r.nextGaussian();
    }
    int[] order = fullSort(Arrays.stream(toDouble(logits)).map(Math::exp).toArray());
    java.util.Set<Integer> top5 = new java.util.HashSet<>();
    for (int i = 0; i < 5; i++) {
      top5.add(order[i]);
    }
    Sampler s = new Sampler(1.0, 5, 1.0, 1.0, 1);
    java.util.Set<Integer> drawn = new java.util.HashSet<>();
    for (int i = 0; i < 300; i++) {
      drawn.add(s.next(logits, 0, logits.length, null).id());
    }
    assertThat(top5).containsAll(drawn);
    assertThat(drawn).hasSizeGreaterThan(2);
  }

  private static double[] toDouble(float[] f) {
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }
}
