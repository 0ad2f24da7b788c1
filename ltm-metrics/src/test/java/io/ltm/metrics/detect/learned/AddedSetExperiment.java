package io.ltm.metrics.detect.learned;

import io.ltm.metrics.detect.DetectorEvaluation;
import io.ltm.metrics.detect.EvaluationReport;
import io.ltm.metrics.detect.LabelledStep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Does a new training set help the others (not a test: run by hand, {@code mvn -o -pl ltm-metrics -am test
 * -Dtest=AddedSetExperiment -Dsurefire.failIfNoSpecifiedTests=false -Dadded=PATH [-Dheld=a,b,...]})? For each held-out
 * set (default: every sentence-labelled training set and the two newest scene sets), trains on {@link
 * GeneralisationExperiment#TRAINING_SETS} without it, once without and once with {@code added}, and prints the
 * held-out set's macro F1 and P / R / F1 per behaviour both ways, then the pooled figures. Leave-one-set-out
 * restricted to the sets the addition is meant to help: two trainings per held-out set.
 */
class AddedSetExperiment {

  @Test
  void heldOutSetsWithAndWithoutTheAddedSet() throws Exception {
    String added = System.getProperty("added", "src/test/resources/train-sentences-7/sentences.tsv");
    List<String> held = new ArrayList<>();
    if (System.getProperty("held") != null) {
      held.addAll(List.of(System.getProperty("held").split(",")));
    } else {
      for (String p : GeneralisationExperiment.TRAINING_SETS) {
        if (p.endsWith("sentences.tsv") && !p.equals(added)) {
          held.add(p);
        }
      }
      held.add("src/test/resources/fresh-scenes-6");
      held.add("src/test/resources/fresh-scenes-7");
    }
    TrainingData extra = TrainingData.read(Path.of(added));
    List<LabelledStep> sentWithout = new ArrayList<>();
    List<LabelledStep> sentWith = new ArrayList<>();
    List<java.util.Set<io.ltm.metrics.detect.Behaviour>> pWithout = new ArrayList<>();
    List<java.util.Set<io.ltm.metrics.detect.Behaviour>> pWith = new ArrayList<>();
    for (String h : held) {
      List<TrainingData> sets = new ArrayList<>();
      for (String p : GeneralisationExperiment.TRAINING_SETS) {
        if (!p.equals(h) && !p.equals(added)) {
          sets.add(TrainingData.read(Path.of(p)));
        }
      }
      List<LabelledStep> test = TrainingData.read(Path.of(h)).steps();
      LearnedDetectorTrainer trainer = new LearnedDetectorTrainer(LearnedDetectorTrainer.Settings.DEFAULT);
      LearnedDetector a = trainer.train(sets, LearnedDetector.Mode.LEARNED, "without", "experiment");
      List<TrainingData> plus = new ArrayList<>(sets);
      plus.add(extra);
      LearnedDetector b = trainer.train(plus, LearnedDetector.Mode.LEARNED, "with", "experiment");
      var pa = DetectorEvaluation.predict(test, a);
      var pb = DetectorEvaluation.predict(test, b);
      EvaluationReport ra = DetectorEvaluation.score(test, pa);
      EvaluationReport rb = DetectorEvaluation.score(test, pb);
      System.out.printf(Locale.ROOT, "%-55s without %.3f with %.3f%n", h, ra.macroF1Of(LearnedDetector.BEHAVIOURS),
          rb.macroF1Of(LearnedDetector.BEHAVIOURS));
      System.out.println(FreshScenesProtocolTest.line("  without", ra));
      System.out.println(FreshScenesProtocolTest.line("  with", rb));
      System.out.println(FreshScenesProtocolTest.line("  without, counted", DetectorEvaluation.evaluate(test, a.counting("c"))));
      System.out.println(FreshScenesProtocolTest.line("  with, counted", DetectorEvaluation.evaluate(test, b.counting("c"))));
      if (h.endsWith("sentences.tsv")) {
        sentWithout.addAll(test);
        sentWith.addAll(test);
        pWithout.addAll(pa);
        pWith.addAll(pb);
      }
    }
    System.out.println(FreshScenesProtocolTest.line("sentence sets pooled, without", DetectorEvaluation.score(sentWithout, pWithout)));
    System.out.println(FreshScenesProtocolTest.line("sentence sets pooled, with", DetectorEvaluation.score(sentWith, pWith)));
  }
}
