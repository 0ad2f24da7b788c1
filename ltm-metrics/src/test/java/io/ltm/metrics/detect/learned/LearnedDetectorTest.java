package io.ltm.metrics.detect.learned;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.metrics.detect.Behaviour;
import io.ltm.metrics.detect.BehaviourClassifier;
import io.ltm.metrics.detect.DetectorEvaluation;
import io.ltm.metrics.detect.LabelledStep;
import io.ltm.metrics.detect.Sentences;
import io.ltm.metrics.detect.Span;
import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The learned detector's parts: logistic regression, calibration, files, spans, and bad input. */
class LearnedDetectorTest {
  @TempDir Path dir;

  @Test
  void logisticRegressionRecoversTheWeightsItsDataWasDrawnFrom() {
    // y ~ Bernoulli(sigmoid(2*x0 - 1*x1 + 0.5)); unbalanced, no penalty: the fit must land near (2, -1, 0.5)
    Random rnd = new Random(7);
    List<SparseVector> xs = new ArrayList<>();
    boolean[] y = new boolean[20_000];
    for (int i = 0; i < y.length; i++) {
      float a = (float) rnd.nextGaussian();
      float b = (float) rnd.nextGaussian();
      xs.add(SparseVector.of(new int[] {0, 1}, new float[] {a, b}, 2));
      y[i] = rnd.nextDouble() < LogisticRegression.sigmoid(2 * a - b + 0.5);
    }
    LogisticRegression.Linear m = LogisticRegression.train(xs, y, 2, new LogisticRegression.Params(20, 0.05, 0, 1), false);
    assertThat((double) m.w()[0]).isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.15));
    assertThat((double) m.w()[1]).isCloseTo(-1.0, org.assertj.core.data.Offset.offset(0.15));
    assertThat((double) m.bias()).isCloseTo(0.5, org.assertj.core.data.Offset.offset(0.15));
  }

  @Test
  void plattScalingRecoversAKnownSigmoid() {
    Random rnd = new Random(3);
    double[] s = new double[20_000];
    boolean[] y = new boolean[s.length];
    for (int i = 0; i < s.length; i++) {
      s[i] = rnd.nextDouble() * 8 - 4;
      y[i] = rnd.nextDouble() < LogisticRegression.sigmoid(1.5 * s[i] - 0.5);
    }
    double[] ab = LogisticRegression.platt(s, y);
    assertThat(ab[0]).isCloseTo(1.5, org.assertj.core.data.Offset.offset(0.1));
    assertThat(ab[1]).isCloseTo(-0.5, org.assertj.core.data.Offset.offset(0.1));
  }

  @Test
  void sentencesSplitAtEndsAndLineBreaksButNotInNumbers() {
    String t = "It weighs 1.5 kg. Then what?  Wait… ok\nNext line here";
    List<String> got = Sentences.split(t).stream().map(r -> r.in(t)).toList();
    assertThat(got).containsExactly("It weighs 1.5 kg.", "Then what?", "Wait…", "ok", "Next line here");
    assertThat(Sentences.split("  \n ")).isEmpty();
  }

  @Test
  void shippedDetectorSaysWhatItWasTrainedOnAndMarksWholeSentences() {
    LearnedDetector d = Detectors.shipped();
    Provenance p = d.provenance();
    assertThat(p.data()).extracting(Provenance.DataSet::path).contains("examples/scenes",
        "ltm-metrics/src/test/resources/fresh-scenes-2", "ltm-metrics/src/test/resources/train-scenes-5",
        "ltm-metrics/src/test/resources/fresh-scenes-3", "ltm-metrics/src/test/resources/train-scenes-6",
        "ltm-metrics/src/test/resources/fresh-scenes-4", "ltm-metrics/src/test/resources/train-scenes-7",
        "ltm-metrics/src/test/resources/fresh-scenes-5", "ltm-metrics/src/test/resources/train-sentences-6/sentences.tsv",
        "ltm-metrics/src/test/resources/fresh-scenes-6", "ltm-metrics/src/test/resources/fresh-sentences-5/sentences.tsv",
        "ltm-metrics/src/test/resources/fresh-scenes-7", "ltm-metrics/src/test/resources/fresh-sentences-6/sentences.tsv",
        "ltm-metrics/src/test/resources/train-sentences-7/sentences.tsv", "ltm-metrics/src/test/resources/fresh-scenes-8",
        "ltm-metrics/src/test/resources/fresh-sentences-7/sentences.tsv");
    assertThat(p.labels().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(4886);
    assertThat(p.rulesSha256()).isEqualTo(LearnedDetectorTrainer.rulesSha256());
    String text = "The cache hit rate dropped to 40% after the deploy. Scrap that idea about the cache; "
        + "I'll go back to the request logs and start over from there. The logs show a retry storm.";
    List<Span> spans = d.detect(text);
    List<Sentences.Range> rs = Sentences.split(text);
    assertThat(spans).isNotEmpty();
    for (Span s : spans) {
      assertThat(rs).anyMatch(r -> r.start() == s.start() && r.end() == s.end());
    }
    assertThat(spans).anyMatch(s -> s.behaviour() == Behaviour.BACKTRACKING && s.in(text).startsWith("Scrap that idea"));
    List<Map<Behaviour, Double>> probs = d.probabilities(List.of("Let me check: 3 times 4 is 12, which matches.", "Hm."));
    // alone, a bare check is most probably a verification (though under the threshold: the training steps are
    // content-heavy); within a reasoning text, after what it checks, it is marked
    assertThat(probs.get(0).entrySet()).allMatch(e -> e.getValue() <= probs.get(0).get(Behaviour.VERIFICATION));
    String reasoning = "The area of a 3 by 4 rectangle is 3 times 4, which is 12. Let me check: 3 times 4 is 12, which matches. "
        + "So the answer is 12.";
    assertThat(d.detect(reasoning)).anyMatch(s -> s.behaviour() == Behaviour.VERIFICATION && s.in(reasoning).startsWith("Let me check"));
    probs.forEach(m -> m.values().forEach(v -> assertThat(v).isBetween(0.0, 1.0)));
  }

  @Test
  void savedAndLoadedDetectorDecidesTheSame() throws Exception {
    LearnedDetector d = Detectors.shipped();
    DetectorFiles.save(d.with(LearnedDetector.Mode.COMBINED, "x"), dir);
    LearnedDetector back = DetectorFiles.load(dir);
    assertThat(back.mode()).isEqualTo(LearnedDetector.Mode.COMBINED);
    assertThat(back.provenance()).isEqualTo(d.provenance());
    List<String> steps = List.of("The loaves spread flat.", "Maybe the flour changed.", "Baked one with the old flour: same result.",
        "So it is not the flour; back to the starter.", "Я ловлю себя на том, что спешу с выводом.");
    List<Map<Behaviour, Double>> a = d.with(LearnedDetector.Mode.COMBINED, "x").probabilities(steps);
    List<Map<Behaviour, Double>> b = back.probabilities(steps);
    for (int i = 0; i < steps.size(); i++) {
      for (Behaviour k : LearnedDetector.BEHAVIOURS) {
        // weights are stored with 6 significant digits
        assertThat(b.get(i).get(k)).isCloseTo(a.get(i).get(k), org.assertj.core.data.Offset.offset(1e-4));
      }
    }
  }

  @Test
  void badDetectorFilesNameTheFileAndField() throws Exception {
    DetectorFiles.save(Detectors.shipped(), dir);
    String json = Files.readString(dir.resolve("detector.json"));
    Files.writeString(dir.resolve("detector.json"), json.replace("\"mode\" : \"learned\"", "\"mode\" : \"vote\""));
    assertThatThrownBy(() -> DetectorFiles.load(dir)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("detector.json").hasMessageContaining("'mode'");
    Files.writeString(dir.resolve("detector.json"), json);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (Writer w = new OutputStreamWriter(new GZIPOutputStream(bytes), StandardCharsets.UTF_8)) {
      w.write("slot\tverify\tbacktrack\tsubgoal\ttension\trewrite\treflect\n12\t0.5\t1\n");
    }
    Files.write(dir.resolve("weights.tsv.gz"), bytes.toByteArray());
    assertThatThrownBy(() -> DetectorFiles.load(dir)).hasMessageContaining("weights.tsv.gz:2").hasMessageContaining("7 columns");
    Files.delete(dir.resolve("weights.tsv.gz"));
    assertThatThrownBy(() -> DetectorFiles.load(dir)).hasMessageContaining("weights.tsv.gz").hasMessageContaining("missing");
    assertThatThrownBy(() -> Detectors.resolve(dir.resolve("nope").toString())).hasMessageContaining("--detector")
        .hasMessageContaining("rules, learned, combined");
  }

  @Test
  void trainerNamesABehaviourWithTooFewLabelledStepsAndRefusesASceneGivenTwice() throws Exception {
    Files.writeString(dir.resolve("s.yaml"), "id: s\nprompt: q?\nthought:\n  - kind: verify\n    text: Let me check the sum.\n"
        + "  - kind: observe\n    text: It is 4.\nanswer: a\n");
    TrainingData d = TrainingData.read(dir.resolve("s.yaml"));
    LearnedDetectorTrainer t = new LearnedDetectorTrainer(LearnedDetectorTrainer.Settings.DEFAULT);
    assertThatThrownBy(() -> t.train(List.of(d), LearnedDetector.Mode.LEARNED, "x", ""))
        .hasMessageContaining("verification").hasMessageContaining("label at least 5");
    assertThatThrownBy(() -> TrainingData.all(List.of(d, d))).hasMessageContaining("scene 's'");
    assertThatThrownBy(() -> TrainingData.read(dir.resolve("missing"))).hasMessageContaining("no such file");
    // a sentence-labelled file is training data too: each text a group, its sentences steps in order
    TrainingData sentences = TrainingData.read(Path.of("src/test/resources/fresh-sentences/sentences.tsv"));
    assertThat(sentences.description().kind()).isEqualTo("sentences");
    assertThat(sentences.description().groups()).isEqualTo(10);
    assertThat(sentences.steps()).hasSize(72);
    assertThat(DetectorEvaluation.sequences(sentences.steps())).hasSize(10);
    TrainingData tsv = TrainingData.read(Path.of("src/test/resources/heldout-steps.tsv"));
    assertThat(tsv.description().kind()).isEqualTo("tsv");
    assertThat(DetectorEvaluation.sequences(tsv.steps())).hasSize(tsv.steps().size());
  }

  @Test
  void plattScalingConvergesWhenTheScoresSeparateTheClassesAndNeverInverts() {
    // separable scores made the plain Newton fit diverge (a = -558 for rewrite in one leave-one-set-out fold)
    double[] s = new double[200];
    boolean[] y = new boolean[200];
    for (int i = 0; i < s.length; i++) {
      y[i] = i % 10 == 0;
      s[i] = y[i] ? 2 + (i % 7) * 0.1 : -3 - (i % 5) * 0.1;
    }
    double[] ab = LogisticRegression.platt(s, y);
    assertThat(ab[0]).isPositive().isFinite();
    assertThat(LogisticRegression.sigmoid(ab[0] * 2 + ab[1])).isGreaterThan(0.9);
    assertThat(LogisticRegression.sigmoid(ab[0] * -3 + ab[1])).isLessThan(0.1);
    // scores ordered backwards: the slope is not allowed to go negative, the fit falls back to the base rate
    double[] back = new double[s.length];
    for (int i = 0; i < s.length; i++) {
      back[i] = -s[i];
    }
    double[] ab2 = LogisticRegression.platt(back, y);
    assertThat(ab2[0]).isZero();
    assertThat(LogisticRegression.sigmoid(ab2[1])).isCloseTo(21.0 / 202, org.assertj.core.data.Offset.offset(0.01));
  }

  @Test
  void featureSetOneStillLoadsAndAStepAloneIsNotAFirstStep() {
    assertThat(new FeatureConfig(18, 3, 5, 12, true, true, 0).version()).isEqualTo(1);
    assertThatThrownBy(() -> FeatureConfig.DEFAULT.withVersion(FeatureConfig.LATEST_VERSION + 1)).hasMessageContaining("newer ltm");
    StepFeaturizer f = new StepFeaturizer(FeatureConfig.DEFAULT, io.ltm.metrics.detect.BehaviourDetectors.defaults());
    String step = "The barrel saves a lot of tap water, and it is almost certainly what is clogging the emitters.";
    SparseVector alone = f.features(List.of(step)).vectors().get(0);
    SparseVector first = f.features(List.of(step, "Next.")).vectors().get(0);
    assertThat(alone.idx).isNotEqualTo(first.idx);
  }

  @Test
  void featureSetThreeSeesTheRulesClassOfTheNextStepAndSetTwoDoesNot() {
    io.ltm.metrics.detect.BehaviourDetectors rules = io.ltm.metrics.detect.BehaviourDetectors.defaults();
    String step = "The loaves came out flat again.";
    List<String> beforeCheck = List.of(step, "Let me double-check the oven temperature with a thermometer.");
    List<String> beforeNothing = List.of(step, "The kitchen was cold.");
    assertThat(rules.resolve(rules.strengths(beforeCheck.get(1)))).isNotEqualTo(rules.resolve(rules.strengths(beforeNothing.get(1))));
    StepFeaturizer v3 = new StepFeaturizer(FeatureConfig.DEFAULT, rules);
    StepFeaturizer v2 = new StepFeaturizer(FeatureConfig.DEFAULT.withVersion(2), rules);
    assertThat(v3.features(beforeCheck).vectors().get(0).idx).isNotEqualTo(v3.features(beforeNothing).vectors().get(0).idx);
    assertThat(v2.features(beforeCheck).vectors().get(0).idx).isEqualTo(v2.features(beforeNothing).vectors().get(0).idx);
    // the last step is marked as such, and a step alone gets no next-step feature at all
    assertThat(v3.features(beforeCheck).vectors().get(1).idx).isNotEqualTo(v2.features(beforeCheck).vectors().get(1).idx);
    assertThat(v3.features(List.of(step)).vectors().get(0).idx).isEqualTo(v2.features(List.of(step)).vectors().get(0).idx);
  }

  @Test
  void contextChangesTheFeaturesOfARestatedStep() {
    StepFeaturizer f = new StepFeaturizer(FeatureConfig.DEFAULT, io.ltm.metrics.detect.BehaviourDetectors.defaults());
    String first = "The planner has no statistics on the migrated tables.";
    String again = "More precisely, the planner lacks statistics on the migrated tables because ANALYZE never ran.";
    SparseVector alone = f.features(List.of(again)).vectors().get(0);
    SparseVector after = f.features(List.of(first, again)).vectors().get(0 + 1);
    assertThat(after.idx).isNotEqualTo(alone.idx);
    assertThat(StepFeaturizer.cosine(new int[] {1, 2, 3}, new int[] {2, 3, 4})).isCloseTo(2 / 3.0, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void classifyStepsAgreesWithDetectOnOneSentenceSteps() {
    BehaviourClassifier d = Detectors.shipped();
    List<String> sentences = List.of("I was wrong about the cache.", "Let me check the logs again.", "Users love it.");
    List<Set<Behaviour>> cls = d.classifySteps(sentences);
    String text = String.join(" ", sentences);
    List<Span> spans = d.detect(text);
    int at = 0;
    for (int i = 0; i < sentences.size(); i++) {
      int start = at;
      Set<Behaviour> fromSpans = new java.util.HashSet<>();
      for (Span s : spans) {
        if (s.start() == start) {
          fromSpans.add(s.behaviour());
        }
      }
      assertThat(fromSpans).isEqualTo(cls.get(i));
      at += sentences.get(i).length() + 1;
    }
    assertThat(LabelledStep.class).isNotNull();
  }

  @Test
  void rulesCuesFoundInOnePassMatchTheCuesOfEachSentenceAlone() throws Exception {
    io.ltm.metrics.detect.BehaviourDetectors rules = io.ltm.metrics.detect.BehaviourDetectors.defaults();
    int same = 0;
    int total = 0;
    for (LabelledStep s : TrainingData.read(Path.of("src/test/resources/heldout-scenes")).steps()) {
      List<Sentences.Range> rs = Sentences.split(s.text());
      List<Map<Behaviour, Integer>> onePass = rules.strengths(s.text(), rs);
      for (int i = 0; i < rs.size(); i++) {
        total++;
        if (onePass.get(i).equals(rules.strengths(rs.get(i).in(s.text())))) {
          same++;
        } else {
          System.out.println("differs: " + rs.get(i).in(s.text()) + " " + onePass.get(i) + " vs " + rules.strengths(rs.get(i).in(s.text())));
        }
      }
    }
    assertThat(total).isGreaterThan(150);
    // only cues whose look-behind or match crosses a sentence boundary may differ
    assertThat((double) same / total).isGreaterThanOrEqualTo(0.97);
  }
}
