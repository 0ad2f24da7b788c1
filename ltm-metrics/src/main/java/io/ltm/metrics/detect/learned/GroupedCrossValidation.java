package io.ltm.metrics.detect.learned;

import io.ltm.metrics.detect.Behaviour;
import io.ltm.metrics.detect.DetectorEvaluation;
import io.ltm.metrics.detect.EvaluationReport;
import io.ltm.metrics.detect.LabelledStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The evaluator of learned detectors: k-fold cross-validation grouped by scene (a scene's steps never
 * sit on both sides; a TSV line is its own group). Each outer fold trains a complete detector (with
 * its own inner calibration folds) on the other folds and predicts the held-out scenes, in both modes.
 * Stateless; thread-safe.
 */
public final class GroupedCrossValidation {
  private GroupedCrossValidation() {}

  /**
   * Out-of-fold results.
   *
   * @param learned predictions of {@link LearnedDetector.Mode#LEARNED}, one per step
   * @param combined predictions of {@link LearnedDetector.Mode#COMBINED}, one per step
   * @param learnedReport scores of {@code learned}
   * @param combinedReport scores of {@code combined}
   */
  public record Result(List<Set<Behaviour>> learned, List<Set<Behaviour>> combined, EvaluationReport learnedReport,
      EvaluationReport combinedReport) {}

  /** Runs {@code folds}-fold grouped cross-validation of {@code trainer} on {@code steps}. */
  public static Result run(LearnedDetectorTrainer trainer, List<LabelledStep> steps, int folds) {
    Objects.requireNonNull(trainer, "trainer");
    if (folds < 2) {
      throw new IllegalArgumentException("folds must be >= 2 but got " + folds);
    }
    LearnedDetectorTrainer.Prepared p = trainer.prepare(steps);
    int n = steps.size();
    int[] all = new int[n];
    for (int i = 0; i < n; i++) {
      all[i] = i;
    }
    int[] fold = trainer.folds(p, all, folds, trainer.settings().seed() + 1);
    return byFolds(trainer, p, steps, fold, folds);
  }

  /**
   * Trains on every fold but {@code f} and predicts fold {@code f}, for each {@code f < folds}; {@code
   * fold[i]} is step {@code i}'s fold (a negative fold: always trained on, never predicted; its step
   * gets no prediction and is left out of the reports).
   */
  static Result byFolds(LearnedDetectorTrainer trainer, LearnedDetectorTrainer.Prepared p, List<LabelledStep> steps,
      int[] fold, int folds) {
    int n = steps.size();
    List<Set<Behaviour>> learned = new ArrayList<>(n);
    List<Set<Behaviour>> combined = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      learned.add(null);
      combined.add(null);
    }
    Provenance prov = new Provenance("cv", trainer.settings(), List.of(), java.util.Map.of(), "", "cross-validation fold");
    for (int f = 0; f < folds; f++) {
      List<Integer> tr = new ArrayList<>();
      List<Integer> te = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        (fold[i] == f ? te : tr).add(i);
      }
      if (te.isEmpty()) {
        continue;
      }
      int[] rows = tr.stream().mapToInt(Integer::intValue).toArray();
      LearnedDetector m = trainer.fit(p, rows, LearnedDetector.Mode.LEARNED, "cv", prov);
      LearnedDetector c = m.with(LearnedDetector.Mode.COMBINED, "cv");
      for (int i : te) {
        SparseVector x = p.vectors.get(i);
        StepFeaturizer.StepInfo info = p.infos.get(i);
        learned.set(i, m.decide(m.probabilities(x, info), info));
        combined.set(i, c.decide(c.probabilities(x, info), info));
      }
    }
    List<LabelledStep> scored = new ArrayList<>();
    List<Set<Behaviour>> sl = new ArrayList<>();
    List<Set<Behaviour>> sc = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (learned.get(i) != null) {
        scored.add(steps.get(i));
        sl.add(learned.get(i));
        sc.add(combined.get(i));
      }
    }
    return new Result(learned, combined, DetectorEvaluation.score(scored, sl), DetectorEvaluation.score(scored, sc));
  }
}
