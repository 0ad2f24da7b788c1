package io.ltm.metrics.detect.learned;

import io.ltm.metrics.detect.BehaviourDetectors;
import io.ltm.metrics.detect.DetectorEvaluation;
import io.ltm.metrics.detect.EvaluationReport;
import io.ltm.metrics.detect.LabelledStep;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Development probe: grouped CV on the frozen training sets only (never the fresh-scenes-2 split). */
public class CvProbe {
  public static void main(String[] args) throws Exception {
    List<TrainingData> sets = new ArrayList<>();
    for (String p : new String[] {"../examples/scenes", "src/test/resources/heldout-steps.tsv",
        "src/test/resources/heldout-scenes", "src/test/resources/fresh-scenes"}) {
      sets.add(TrainingData.read(Path.of(p)));
    }
    List<LabelledStep> steps = TrainingData.all(sets);
    EvaluationReport rules = DetectorEvaluation.evaluate(steps, BehaviourDetectors.defaults());
    System.out.printf("steps %d rules macro %.3f%n", steps.size(), rules.macroF1());
    LearnedDetectorTrainer.Settings s = LearnedDetectorTrainer.Settings.DEFAULT;
    String[] variants = args.length > 0 ? args : new String[] {"default"};
    for (String v : variants) {
      LearnedDetectorTrainer.Settings sv = s;
      for (String kv : v.split(",")) {
        String[] a = kv.split("=");
        switch (a[0]) {
          case "thr": sv = sv.withThreshold(Double.parseDouble(a[1])); break;
          case "multi": sv = sv.withSingleLabel(false); break;
          case "norules": sv = sv.withFeatures(new FeatureConfig(18, 3, 5, 12, false, true)); break;
          case "noctx": sv = sv.withFeatures(new FeatureConfig(18, 3, 5, 12, true, false)); break;
          case "ep": sv = new LearnedDetectorTrainer.Settings(sv.features(), Integer.parseInt(a[1]), sv.learningRate(), sv.l2(), sv.folds(), sv.minDf(), sv.threshold(), sv.singleLabel(), sv.seed()); break;
          case "lr": sv = new LearnedDetectorTrainer.Settings(sv.features(), sv.epochs(), Double.parseDouble(a[1]), sv.l2(), sv.folds(), sv.minDf(), sv.threshold(), sv.singleLabel(), sv.seed()); break;
          case "l2": sv = new LearnedDetectorTrainer.Settings(sv.features(), sv.epochs(), sv.learningRate(), Double.parseDouble(a[1]), sv.folds(), sv.minDf(), sv.threshold(), sv.singleLabel(), sv.seed()); break;
          default: break;
        }
      }
      long t0 = System.nanoTime();
      GroupedCrossValidation.Result r = GroupedCrossValidation.run(new LearnedDetectorTrainer(sv), steps, 5);
      System.out.printf("%s: learned %.3f combined %.3f (%.1fs)%n", v, r.learnedReport().macroF1(), r.combinedReport().macroF1(), (System.nanoTime() - t0) / 1e9);
      if (variants.length == 1) {
        System.out.println(r.learnedReport().toMarkdown());
        System.out.println(r.combinedReport().toMarkdown());
        System.out.println(rules.toMarkdown());
      }
    }
  }
}
