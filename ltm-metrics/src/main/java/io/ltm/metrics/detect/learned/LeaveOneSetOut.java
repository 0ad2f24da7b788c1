package io.ltm.metrics.detect.learned;

import io.ltm.metrics.detect.BehaviourDetectors;
import io.ltm.metrics.detect.DetectorEvaluation;
import io.ltm.metrics.detect.EvaluationReport;
import io.ltm.metrics.detect.LabelledStep;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Leave-one-set-out evaluation of learned detectors: for each labelled set, a detector is trained on
 * every other set and scored on the held-out one. The sets were written at different times, mostly by
 * different hands or for different purposes, so this is a closer proxy for text by a new author than
 * cross-validation within the pooled sets (where a held-out scene still shares its authors' phrasing
 * with the training scenes). Stateless; thread-safe.
 */
public final class LeaveOneSetOut {
  private LeaveOneSetOut() {}

  /**
   * The figures of one held-out set.
   *
   * @param set the held-out set's description
   * @param learned the learned detector trained on the other sets
   * @param combined the same detector deciding by the stacker
   * @param rules the shipped rules on the same steps (in-sample for the sets they were tuned on)
   */
  public record Fold(Provenance.DataSet set, EvaluationReport learned, EvaluationReport combined, EvaluationReport rules) {
    public Fold {
      Objects.requireNonNull(set, "set");
      Objects.requireNonNull(learned, "learned");
      Objects.requireNonNull(combined, "combined");
      Objects.requireNonNull(rules, "rules");
    }
  }

  /**
   * The result.
   *
   * @param folds one per set, in the order given
   * @param learned every step scored once, by the detector that did not see its set
   * @param combined as {@code learned}, deciding by the stacker
   * @param rules the rules on every step
   * @param learnedPredictions what the learned detectors predicted, one per step of the sets in order
   * @param combinedPredictions as {@code learnedPredictions}, deciding by the stacker
   */
  public record Result(List<Fold> folds, EvaluationReport learned, EvaluationReport combined, EvaluationReport rules,
      List<java.util.Set<io.ltm.metrics.detect.Behaviour>> learnedPredictions,
      List<java.util.Set<io.ltm.metrics.detect.Behaviour>> combinedPredictions) {
    public Result {
      folds = List.copyOf(folds);
      learnedPredictions = List.copyOf(learnedPredictions);
      combinedPredictions = List.copyOf(combinedPredictions);
    }
  }

  /**
   * Runs leave-one-set-out with {@code trainer} over {@code sets} (at least two; they must not share a
   * scene). Trains {@code sets.size()} detectors.
   */
  public static Result run(LearnedDetectorTrainer trainer, List<TrainingData> sets) {
    Objects.requireNonNull(trainer, "trainer");
    if (sets.size() < 2) {
      throw new IllegalArgumentException("leave-one-set-out needs at least 2 labelled sets but got " + sets.size());
    }
    List<LabelledStep> steps = TrainingData.all(sets);
    int[] fold = new int[steps.size()];
    int row = 0;
    for (int s = 0; s < sets.size(); s++) {
      for (int k = 0; k < sets.get(s).steps().size(); k++) {
        fold[row++] = s;
      }
    }
    LearnedDetectorTrainer.Prepared p = trainer.prepare(steps);
    GroupedCrossValidation.Result r = GroupedCrossValidation.byFolds(trainer, p, steps, fold, sets.size());
    BehaviourDetectors rules = BehaviourDetectors.defaults();
    List<Fold> folds = new ArrayList<>();
    row = 0;
    for (TrainingData d : sets) {
      int n = d.steps().size();
      folds.add(new Fold(d.description(), DetectorEvaluation.score(d.steps(), r.learned().subList(row, row + n)),
          DetectorEvaluation.score(d.steps(), r.combined().subList(row, row + n)), DetectorEvaluation.evaluate(d.steps(), rules)));
      row += n;
    }
    return new Result(folds, r.learnedReport(), r.combinedReport(), DetectorEvaluation.evaluate(steps, rules), r.learned(),
        r.combined());
  }
}
