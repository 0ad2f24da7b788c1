package io.ltm.metrics.detect.learned;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.metrics.detect.Behaviour;
import io.ltm.metrics.detect.DetectorEvaluation;
import io.ltm.metrics.detect.LabelledStep;
import io.ltm.metrics.detect.Span;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Counting thresholds: how they are chosen, what the metrics count with them, and their files. */
class CountingPointTest {
  @TempDir Path dir;

  /** Held-out rows: probability, decided, gold. */
  private static LearnedDetector.CountingPoint point(double[] prob, boolean[] decided, boolean[] y, double target) {
    return LearnedDetectorTrainer.countingPoint(prob, decided, y, 0.35, target, "sets left out");
  }

  @Test
  void theLowestThresholdWhosePrecisionReachesTheTargetIsChosen() {
    // 60 rows decided, probabilities 0.35..0.94: below 0.55 one in four is true, from 0.55 on all are
    int n = 60;
    double[] prob = new double[n];
    boolean[] decided = new boolean[n];
    boolean[] y = new boolean[n];
    for (int i = 0; i < 60; i++) {
      prob[i] = 0.35 + 0.01 * i;
      decided[i] = true;
      y[i] = prob[i] >= 0.55 || i % 4 == 0;
    }
    // the expected threshold, counted directly
    LearnedDetector.CountingPoint p = point(prob, decided, y, 0.90);
    double expectedT = Double.NaN;
    for (double t = 0.35; t <= 0.95 + 1e-9; t += 0.05) {
      int tp = 0;
      int all = 0;
      for (int i = 0; i < n; i++) {
        if (prob[i] >= t) {
          all++;
          tp += y[i] ? 1 : 0;
        }
      }
      if (all >= LearnedDetectorTrainer.COUNTING_MIN_PREDICTIONS && (double) tp / all >= 0.90) {
        expectedT = t;
        break;
      }
    }
    assertThat(p.reached()).isTrue();
    assertThat(p.threshold()).isCloseTo(expectedT, Offset.offset(1e-9));
    assertThat(p.precision()).isGreaterThanOrEqualTo(0.90);
    assertThat(p.threshold()).isGreaterThan(0.35);
    // a lower target is reached at a lower threshold
    assertThat(point(prob, decided, y, 0.75).threshold()).isLessThan(p.threshold());
  }

  @Test
  void rowsNotDecidedNeverCountAndAnUnreachableTargetKeepsTheMostPreciseThreshold() {
    int n = 100;
    double[] prob = new double[n];
    boolean[] decided = new boolean[n];
    boolean[] y = new boolean[n];
    for (int i = 0; i < n; i++) {
      prob[i] = 0.35 + 0.006 * i;
      y[i] = i % 3 != 0; // precision about 0.67 at every threshold
      decided[i] = true;
    }
    LearnedDetector.CountingPoint p = point(prob, decided, y, 0.95);
    assertThat(p.reached()).isFalse();
    assertThat(p.estimated()).isTrue();
    assertThat(p.precision()).isBetween(0.6, 0.75);
    assertThat(p.recall()).isGreaterThanOrEqualTo(LearnedDetectorTrainer.COUNTING_MIN_RECALL);
    // a true row the detector did not decide for (another behaviour won) is not counted at any threshold
    for (int i = 0; i < n; i++) {
      decided[i] = !y[i] || i < 10;
    }
    // (7 of the 67 true rows decided: recall below the floor at every threshold, so no threshold is estimated and the
    // decision threshold stays; counting undecided rows would have found a threshold with precision 0.67 >= 0.5)
    LearnedDetector.CountingPoint q = point(prob, decided, y, 0.5);
    assertThat(q.reached()).isFalse();
    assertThat(q.precision()).isNaN();
    assertThat(q.threshold()).isEqualTo(0.35);
  }

  @Test
  void countedDetectionsAreASubsetOfTheSpansAndTheMetricsCountThem() {
    LearnedDetector d = Detectors.shipped();
    String text = "The cache hit rate dropped to 40% after the deploy. Scrap that idea about the cache; I'll go back to the "
        + "request logs. Let me check: the logs show 1,200 retries a minute, which matches the drop. I notice I keep blaming "
        + "the cache because I wrote it. In other words, the deploy did not break the cache, it flooded it. Whether the "
        + "retries come from one client is what I have to find out before anything else. The SLA wants answers in 200 ms; "
        + "the retry policy waits a full second.";
    List<Span> spans = d.detect(text);
    Map<Behaviour, Integer> counts = d.counts(text);
    Set<Span> all = new HashSet<>(spans);
    LearnedDetector counted = d.counting("counted");
    List<Span> countedSpans = counted.detect(text);
    assertThat(all).containsAll(countedSpans);
    for (Behaviour b : d.behaviours()) {
      long inSpans = spans.stream().filter(s -> s.behaviour() == b).count();
      long inCounted = countedSpans.stream().filter(s -> s.behaviour() == b).count();
      assertThat(counts.get(b)).as(b.key()).isEqualTo((int) inCounted);
      assertThat((long) counts.get(b)).as(b.key()).isLessThanOrEqualTo(inSpans);
    }
    // each counted sentence's probability reaches its behaviour's counting threshold, which is never below the decision threshold
    for (Behaviour b : LearnedDetector.BEHAVIOURS) {
      assertThat(d.countingThreshold(b)).isGreaterThanOrEqualTo(d.threshold(b));
    }
    // on labelled scenes: counted decisions are a subset of the decisions, step by step
    List<LabelledStep> steps = new ArrayList<>();
    steps.add(new LabelledStep("s#0", "en", "observe", "The loaves spread flat."));
    steps.add(new LabelledStep("s#1", "en", "hypothesis", "Maybe the flour changed."));
    steps.add(new LabelledStep("s#2", "en", "verify", "Baked one with the old flour: same result."));
    steps.add(new LabelledStep("s#3", "en", "backtrack", "So it is not the flour; back to the starter."));
    List<Set<Behaviour>> a = DetectorEvaluation.predict(steps, d);
    List<Set<Behaviour>> c = DetectorEvaluation.predict(steps, counted);
    for (int i = 0; i < steps.size(); i++) {
      assertThat(a.get(i)).containsAll(c.get(i));
    }
  }

  @Test
  void theShippedDetectorCarriesCountingPointsEstimatedWithSetsLeftOut() {
    LearnedDetector d = Detectors.shipped();
    double target = d.provenance().settings().countingPrecision();
    assertThat(target).isEqualTo(LearnedDetectorTrainer.Settings.DEFAULT_COUNTING_PRECISION);
    for (Behaviour b : LearnedDetector.BEHAVIOURS) {
      LearnedDetector.CountingPoint p = d.countingPoint(b);
      assertThat(p.heldOut()).as(b.key()).isEqualTo("sets left out");
      assertThat(p.estimated()).as(b.key()).isTrue();
      assertThat(p.recall()).as(b.key()).isGreaterThanOrEqualTo(LearnedDetectorTrainer.COUNTING_MIN_RECALL);
      assertThat(p.reached()).as(b.key()).isEqualTo(p.precision() >= target);
    }
  }

  @Test
  void countingPointsSurviveSaveAndLoadAndAFileWithoutThemCountsAtTheDecisionThreshold() throws Exception {
    LearnedDetector d = Detectors.shipped();
    DetectorFiles.save(d, dir);
    LearnedDetector back = DetectorFiles.load(dir);
    for (Behaviour b : LearnedDetector.BEHAVIOURS) {
      assertThat(back.countingPoint(b).reached()).isEqualTo(d.countingPoint(b).reached());
      assertThat(back.countingThreshold(b)).isCloseTo(d.countingThreshold(b), Offset.offset(1e-4));
    }
    // a file written before counting points existed: no "counting" objects
    String json = Files.readString(dir.resolve("detector.json"));
    String old = json.replaceAll("(?s),\\s*\"counting\"\\s*:\\s*\\{[^}]*\\}", "");
    assertThat(old).doesNotContain("counting");
    Files.writeString(dir.resolve("detector.json"), old);
    LearnedDetector older = DetectorFiles.load(dir);
    for (Behaviour b : LearnedDetector.BEHAVIOURS) {
      assertThat(older.countingPoint(b)).isEqualTo(LearnedDetector.CountingPoint.NONE);
      assertThat(older.countingThreshold(b)).isEqualTo(older.threshold(b));
    }
    String text = "Let me check: 3 times 4 is 12, which matches. Scrap that; back to the start.";
    assertThat(older.counts(text)).isEqualTo(countsOf(older.detect(text), older));
    // a bad value names the field
    Files.writeString(dir.resolve("detector.json"), json.replaceFirst("(\"counting\" : \\{\\s*\"threshold\" : )[0-9.]+", "$1\"high\""));
    assertThatThrownBy(() -> DetectorFiles.load(dir)).hasMessageContaining("detector.json").hasMessageContaining("counting.threshold");
  }

  private static Map<Behaviour, Integer> countsOf(List<Span> spans, LearnedDetector d) {
    Map<Behaviour, Integer> m = new java.util.EnumMap<>(Behaviour.class);
    for (Behaviour b : d.behaviours()) {
      m.put(b, 0);
    }
    for (Span s : spans) {
      m.merge(s.behaviour(), 1, Integer::sum);
    }
    return m;
  }
}
