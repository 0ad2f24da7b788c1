package io.ltm.metrics.detect.learned;

import io.ltm.metrics.detect.Behaviour;
import io.ltm.metrics.detect.DetectorEvaluation;
import io.ltm.metrics.detect.EvaluationReport;
import io.ltm.metrics.detect.LabelledStep;
import io.ltm.metrics.detect.SentenceEvaluation;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The counting thresholds against sets the detector did not see (not a test: run by hand, {@code mvn -o -pl
 * ltm-metrics -am test -Dtest=CountingExperiment -Dsurefire.failIfNoSpecifiedTests=false}). Trains on {@link
 * GeneralisationExperiment#TRAINING_SETS} but the sets in {@code -Dleave=a,b} (default fresh-scenes-6 and
 * fresh-sentences-5) once per target precision in {@code -Dtargets=} (default 0.85,0.90) and prints, per behaviour,
 * the counting point and the precision / recall on the left-out sets at the decision and at the counting thresholds.
 */
class CountingExperiment {

  @Test
  void countingPointsOnLeftOutSets() throws Exception {
    List<String> leave = List.of(System.getProperty("leave",
        "src/test/resources/fresh-scenes-6,src/test/resources/fresh-sentences-5/sentences.tsv").split(","));
    List<TrainingData> sets = new ArrayList<>();
    for (String p : GeneralisationExperiment.TRAINING_SETS) {
      if (!leave.contains(p)) {
        sets.add(TrainingData.read(Path.of(p)));
      }
    }
    for (String t : System.getProperty("targets", "0.85,0.90").split(",")) {
      LearnedDetectorTrainer.Settings d = LearnedDetectorTrainer.Settings.DEFAULT;
      LearnedDetectorTrainer.Settings s = new LearnedDetectorTrainer.Settings(d.features(), d.epochs(), d.learningRate(), d.l2(),
          d.folds(), d.minDf(), d.threshold(), d.singleLabel(), d.seed(), d.tuneThresholds(), d.seeds(), Double.parseDouble(t));
      LearnedDetector det = new LearnedDetectorTrainer(s).train(sets, LearnedDetector.Mode.LEARNED, "learned", "experiment");
      System.out.println("== target " + t);
      for (Behaviour b : LearnedDetector.BEHAVIOURS) {
        System.out.println(b.key() + " " + det.countingPoint(b));
      }
      for (String p : leave) {
        Path path = Path.of(p);
        EvaluationReport at;
        EvaluationReport counted;
        if (p.endsWith(".tsv")) {
          List<SentenceEvaluation.LabelledText> texts;
          try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            texts = SentenceEvaluation.read(r, path.getFileName().toString());
          }
          at = SentenceEvaluation.evaluate(texts, det);
          counted = SentenceEvaluation.evaluate(texts, det.counting("counted"));
        } else {
          List<LabelledStep> steps = TrainingData.read(path).steps();
          at = DetectorEvaluation.evaluate(steps, det);
          counted = DetectorEvaluation.evaluate(steps, det.counting("counted"));
        }
        System.out.println(p);
        for (Behaviour b : LearnedDetector.BEHAVIOURS) {
          EvaluationReport.Score a = at.scores().get(b);
          EvaluationReport.Score c = counted.scores().get(b);
          System.out.println(String.format(Locale.ROOT, "  %-9s decision P %.2f R %.2f (%d+%d) | counted P %.2f R %.2f (%d+%d)", b.key(),
              a.precision(), a.recall(), a.tp(), a.fp(), c.precision(), c.recall(), c.tp(), c.fp()));
        }
      }
    }
  }
}
