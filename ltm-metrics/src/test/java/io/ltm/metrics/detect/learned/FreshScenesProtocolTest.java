package io.ltm.metrics.detect.learned;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.metrics.detect.BehaviourClassifier;
import io.ltm.metrics.detect.BehaviourDetectors;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The history of docs/detectors.md, reproduced: the first release's one-look score, a detector trained
 * with that release's settings ({@link LearnedDetectorTrainer.Settings#FIRST_RELEASE}) on the frozen labelled
 * sets only — examples/scenes, heldout-steps.tsv, heldout-scenes, fresh-scenes — scored on the
 * fresh-scenes-2 split (20 scenes, 154 steps, written before any learned detector ran) and on the
 * sentence-labelled generated-like texts. Training takes a few seconds (one fit, five calibration folds).
 * fresh-scenes-2 has since become training data; the blind score of the current settings is {@link
 * BlindSetProtocolTest}'s.
 */
class FreshScenesProtocolTest {
  static final String[] FROZEN = {"../examples/scenes", "src/test/resources/heldout-steps.tsv",
      "src/test/resources/heldout-scenes", "src/test/resources/fresh-scenes"};

  static LearnedDetector learned;
  static LearnedDetector combined;
  static List<LabelledStep> fresh;
  static List<SentenceEvaluation.LabelledText> sentences;

  @BeforeAll
  static void train() throws Exception {
    List<TrainingData> sets = new ArrayList<>();
    for (String p : FROZEN) {
      sets.add(TrainingData.read(Path.of(p)));
    }
    learned = new LearnedDetectorTrainer(LearnedDetectorTrainer.Settings.FIRST_RELEASE)
        .train(sets, LearnedDetector.Mode.LEARNED, "learned", "frozen sets");
    combined = learned.with(LearnedDetector.Mode.COMBINED, "combined");
    fresh = TrainingData.read(Path.of("src/test/resources/fresh-scenes-2")).steps();
    try (Reader r = Files.newBufferedReader(Path.of("src/test/resources/fresh-sentences/sentences.tsv"), StandardCharsets.UTF_8)) {
      sentences = SentenceEvaluation.read(r, "sentences.tsv");
    }
  }

  static String line(String name, EvaluationReport r) {
    StringBuilder sb = new StringBuilder("| " + name);
    for (var b : LearnedDetector.BEHAVIOURS) {
      var s = r.scores().get(b);
      sb.append(s == null ? " | –" : String.format(Locale.ROOT, " | %.2f / %.2f / %.2f", s.precision(), s.recall(), s.f1()));
    }
    sb.append(String.format(Locale.ROOT, " | **%.3f** |", r.macroF1Of(LearnedDetector.BEHAVIOURS)));
    return sb.toString();
  }

  @Test
  void freshScenesStepLevel() {
    assertThat(fresh).hasSize(154);
    EvaluationReport rules = DetectorEvaluation.evaluate(fresh, BehaviourDetectors.defaults());
    EvaluationReport l = DetectorEvaluation.evaluate(fresh, learned);
    EvaluationReport c = DetectorEvaluation.evaluate(fresh, combined);
    System.out.println("fresh-scenes-2, steps: P / R / F1\n" + line("rules", rules) + "\n" + line("learned", l) + "\n" + line("combined", c));
    // measured at the one look (docs/detectors.md): rules 0.440, learned 0.552, combined 0.499
    assertThat(rules.macroF1Of(LearnedDetector.BEHAVIOURS)).isBetween(0.43, 0.45);
    assertThat(l.macroF1Of(LearnedDetector.BEHAVIOURS)).isGreaterThanOrEqualTo(0.55);
    assertThat(c.macroF1Of(LearnedDetector.BEHAVIOURS)).isGreaterThanOrEqualTo(0.49);
    assertThat(l.macroF1Of(LearnedDetector.BEHAVIOURS)).isGreaterThan(rules.macroF1Of(LearnedDetector.BEHAVIOURS) + 0.1);
    // precision of the learned detector where it held at the look: verification 0.86, backtracking and rewrite 1.00
    assertThat(l.scores().get(io.ltm.metrics.detect.Behaviour.VERIFICATION).precision()).isGreaterThanOrEqualTo(0.85);
    assertThat(l.scores().get(io.ltm.metrics.detect.Behaviour.BACKTRACKING).precision()).isGreaterThanOrEqualTo(0.99);
    assertThat(l.scores().get(io.ltm.metrics.detect.Behaviour.REWRITE).precision()).isGreaterThanOrEqualTo(0.99);
  }

  @Test
  void sentencesOfGeneratedText() {
    assertThat(sentences).hasSize(10);
    double[] macro = new double[3];
    int k = 0;
    for (BehaviourClassifier d : List.of(BehaviourDetectors.defaults(), learned, combined)) {
      EvaluationReport r = SentenceEvaluation.evaluate(sentences, d);
      assertThat(r.steps()).isEqualTo(72);
      System.out.println("sentences " + line(d.name(), r));
      macro[k++] = r.macroF1Of(LearnedDetector.BEHAVIOURS);
    }
    // measured at the one look: rules 0.511, learned 0.631, combined 0.620
    assertThat(macro[0]).isBetween(0.50, 0.52);
    assertThat(macro[1]).isGreaterThanOrEqualTo(0.62);
    assertThat(macro[2]).isGreaterThanOrEqualTo(0.61);
  }
}
