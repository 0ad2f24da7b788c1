package io.ltm.metrics.detect.learned;

import io.ltm.metrics.detect.Behaviour;
import io.ltm.metrics.detect.DetectorEvaluation;
import io.ltm.metrics.detect.EvaluationReport;
import io.ltm.metrics.detect.LabelledStep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: the development harness of docs/detectors.md. Prints grouped 5-fold cross-validation and
 * leave-one-set-out figures of the learned and combined detectors (and the rules) for the trainer's
 * default settings over every labelled set given (default: all of the project's training sets).
 * Run from ltm-metrics with the test class path: {@code java -cp ... GeneralisationExperiment [SET...]}.
 */
public final class GeneralisationExperiment {
  /** Every labelled set that may be trained on, relative to ltm-metrics (fresh-scenes-3 is not one). */
  public static final String[] TRAINING_SETS = {"../examples/scenes", "src/test/resources/heldout-steps.tsv",
      "src/test/resources/heldout-scenes", "src/test/resources/fresh-scenes", "src/test/resources/fresh-scenes-2",
      "src/test/resources/fresh-sentences/sentences.tsv", "src/test/resources/train-scenes-5",
      "src/test/resources/train-steps-5.tsv", "src/test/resources/fresh-scenes-3",
      "src/test/resources/fresh-sentences-2/sentences.tsv", "src/test/resources/train-scenes-6",
      "src/test/resources/fresh-scenes-4", "src/test/resources/fresh-sentences-3/sentences.tsv",
      "src/test/resources/train-scenes-7", "src/test/resources/fresh-scenes-5",
      "src/test/resources/fresh-sentences-4/sentences.tsv", "src/test/resources/train-sentences-6/sentences.tsv",
      "src/test/resources/fresh-scenes-6", "src/test/resources/fresh-sentences-5/sentences.tsv",
      "src/test/resources/fresh-scenes-7", "src/test/resources/fresh-sentences-6/sentences.tsv",
      "src/test/resources/train-sentences-7/sentences.tsv", "src/test/resources/fresh-scenes-8",
      "src/test/resources/fresh-sentences-7/sentences.tsv"};

  /**
   * The sets the round-2 shipped detector was trained on (all of {@link #TRAINING_SETS} but train-scenes-6);
   * without fresh-scenes-3 and fresh-sentences-2 they are the training data of round 2's one look.
   */
  public static final String[] ROUND_2_SETS = java.util.Arrays.copyOf(TRAINING_SETS, 10);

  /** The sets written after the rules' last revision (never used to tune them), as the harness names them. */
  static final java.util.Set<String> NEW_AUTHOR_SETS = java.util.Set.of("src/test/resources/fresh-scenes-2",
      "src/test/resources/fresh-sentences/sentences.tsv", "src/test/resources/train-scenes-5",
      "src/test/resources/train-steps-5.tsv", "src/test/resources/fresh-scenes-3",
      "src/test/resources/fresh-sentences-2/sentences.tsv", "src/test/resources/train-scenes-6",
      "src/test/resources/fresh-scenes-4", "src/test/resources/fresh-sentences-3/sentences.tsv",
      "src/test/resources/train-scenes-7", "src/test/resources/fresh-scenes-5",
      "src/test/resources/fresh-sentences-4/sentences.tsv", "src/test/resources/train-sentences-6/sentences.tsv",
      "src/test/resources/fresh-scenes-6", "src/test/resources/fresh-sentences-5/sentences.tsv",
      "src/test/resources/fresh-scenes-7", "src/test/resources/fresh-sentences-6/sentences.tsv",
      "src/test/resources/train-sentences-7/sentences.tsv", "src/test/resources/fresh-scenes-8",
      "src/test/resources/fresh-sentences-7/sentences.tsv");

  private GeneralisationExperiment() {}

  public static void main(String[] args) throws Exception {
    List<String> paths = new ArrayList<>(args.length == 0 ? List.of(TRAINING_SETS) : List.of(args));
    List<TrainingData> sets = new ArrayList<>();
    for (String p : paths) {
      if (Files.exists(Path.of(p))) {
        sets.add(TrainingData.read(Path.of(p)));
      }
    }
    LearnedDetectorTrainer.Settings d = LearnedDetectorTrainer.Settings.DEFAULT;
    FeatureConfig fc = d.features().withVersion(Integer.getInteger("version", d.features().version()))
        .withRuleCues(Boolean.parseBoolean(System.getProperty("ruleCues", "" + d.features().ruleCues())));
    LearnedDetectorTrainer.Settings settings = new LearnedDetectorTrainer.Settings(fc, Integer.getInteger("epochs", d.epochs()),
        Double.parseDouble(System.getProperty("lr", "" + d.learningRate())), Double.parseDouble(System.getProperty("l2", "" + d.l2())),
        d.folds(), Integer.getInteger("minDf", d.minDf()), Double.parseDouble(System.getProperty("threshold", "" + d.threshold())),
        d.singleLabel(), Long.getLong("seed", d.seed()), Boolean.parseBoolean(System.getProperty("tune", "" + d.tuneThresholds())),
        Integer.getInteger("seeds", d.seeds()), Double.parseDouble(System.getProperty("countingPrecision", "" + d.countingPrecision())));
    System.out.println("settings " + settings);
    LearnedDetectorTrainer trainer = new LearnedDetectorTrainer(settings);
    List<LabelledStep> all = TrainingData.all(sets);
    long t0 = System.nanoTime();
    if (System.getProperty("nocv") == null) {
      GroupedCrossValidation.Result cv = GroupedCrossValidation.run(trainer, all, 5);
      System.out.printf(Locale.ROOT, "CV5 on %d steps (%.1f s)%n", all.size(), (System.nanoTime() - t0) / 1e9);
      System.out.println(row("learned", cv.learnedReport()));
      System.out.println(row("combined", cv.combinedReport()));
    }
    if (System.getProperty("noloso") != null) {
      return;
    }
    if (System.getProperty("probs") != null) {
      probabilities(trainer, sets, Path.of(System.getProperty("probs")));
      return;
    }

    LeaveOneSetOut.Result lo = LeaveOneSetOut.run(trainer, sets);
    System.out.println("leave-one-set-out, pooled:");
    System.out.println(row("rules", lo.rules()));
    System.out.println(row("learned", lo.learned()));
    System.out.println(row("combined", lo.combined()));
    for (LeaveOneSetOut.Fold f : lo.folds()) {
      System.out.printf(Locale.ROOT, "  %-55s learned %.3f combined %.3f rules %.3f (%d steps)%n", f.set().path(),
          f.learned().macroF1Of(LearnedDetector.BEHAVIOURS), f.combined().macroF1Of(LearnedDetector.BEHAVIOURS),
          f.rules().macroF1Of(LearnedDetector.BEHAVIOURS), f.set().steps());
    }
    // pooled without train-scenes-6, comparable with the figures of round 2 (ten sets), and one summary line
    StringBuilder sum = new StringBuilder("summary");
    for (LeaveOneSetOut.Fold f : lo.folds()) {
      sum.append(String.format(Locale.ROOT, " %.3f", f.learned().macroF1Of(LearnedDetector.BEHAVIOURS)));
    }
    System.out.printf(Locale.ROOT, "%s | pooled %.3f | pooled without train-scenes-6 %.3f%n", sum,
        lo.learned().macroF1Of(LearnedDetector.BEHAVIOURS),
        pooled(sets, lo.learnedPredictions(), s -> !path(s).endsWith("train-scenes-6")).macroF1());
    // pooled without train-scenes-7 (all, and the new-author sets), comparable with the figures before round 4
    Pooled without7 = pooled(sets, lo.learnedPredictions(), s -> !path(s).endsWith("train-scenes-7"));
    Pooled newAuthors7 = pooled(sets, lo.learnedPredictions(),
        s -> !path(s).endsWith("train-scenes-7") && NEW_AUTHOR_SETS.contains(path(s)));
    System.out.printf(Locale.ROOT, "without train-scenes-7: pooled %.3f | new-author sets pooled %.3f (%d steps)%n",
        without7.macroF1(), newAuthors7.macroF1(), newAuthors7.steps().size());
    System.out.println(row("  learned", newAuthors7.report()));
    // round 5: the sentence-labelled sets pooled (generated-like text, each sentence a step) against the step
    // sets, both without train-sentences-6 (comparable with the rows before round 5)
    Pooled sentenceSets = pooled(sets, lo.learnedPredictions(),
        s -> !path(s).contains("train-sentences-6") && path(s).endsWith("sentences.tsv"));
    Pooled stepSets = pooled(sets, lo.learnedPredictions(),
        s -> !path(s).contains("train-sentences-6") && !path(s).endsWith("sentences.tsv"));
    System.out.printf(Locale.ROOT, "without train-sentences-6: sentence sets pooled (%d sentences) %.3f | the other sets pooled (%d steps) %.3f%n",
        sentenceSets.steps().size(), sentenceSets.macroF1(), stepSets.steps().size(), stepSets.macroF1());
    System.out.println(row("  sentences", sentenceSets.report()));
    System.out.println(row("  steps", stepSets.report()));
    // the sets the rules were never tuned on: written after rules revision 4 (the rules' figures there are held out too)
    List<LabelledStep> steps = new ArrayList<>();
    List<java.util.Set<Behaviour>> learned = new ArrayList<>();
    List<java.util.Set<Behaviour>> combined = new ArrayList<>();
    List<java.util.Set<Behaviour>> rules = new ArrayList<>();
    int row = 0;
    double mean = 0;
    int n = 0;
    for (int k = 0; k < sets.size(); k++) {
      TrainingData set = sets.get(k);
      int size = set.steps().size();
      if (NEW_AUTHOR_SETS.contains(set.description().path())) {
        steps.addAll(set.steps());
        learned.addAll(lo.learnedPredictions().subList(row, row + size));
        combined.addAll(lo.combinedPredictions().subList(row, row + size));
        rules.addAll(DetectorEvaluation.predict(set.steps(), io.ltm.metrics.detect.BehaviourDetectors.defaults()));
        mean += lo.folds().get(k).learned().macroF1Of(LearnedDetector.BEHAVIOURS);
        n++;
      }
      row += size;
    }
    if (n > 0) {
      System.out.printf(Locale.ROOT, "held-out sets the rules never saw (%d steps), each scored by a detector trained without it; mean of their learned macro F1 %.3f%n",
          steps.size(), mean / n);
      System.out.println(row("rules", DetectorEvaluation.score(steps, rules)));
      System.out.println(row("learned", DetectorEvaluation.score(steps, learned)));
      System.out.println(row("combined", DetectorEvaluation.score(steps, combined)));
    }
    if (System.getProperty("errors") != null) {
      for (LeaveOneSetOut.Fold f : lo.folds()) {
        if (f.set().path().contains(System.getProperty("errors"))) {
          System.out.println(row("  " + f.set().path(), f.learned()));
          for (EvaluationReport.Error e : f.learned().errors()) {
            System.out.println((e.missed() ? "  miss " : "  fa   ") + e.behaviour().key() + " [" + e.step().label() + "] "
                + e.step().text().replace('\n', ' '));
          }
        }
      }
    }
  }

  /** The steps of some sets and their held-out predictions, pooled. */
  record Pooled(List<LabelledStep> steps, List<java.util.Set<Behaviour>> predictions) {
    EvaluationReport report() {
      return DetectorEvaluation.score(steps, predictions);
    }

    double macroF1() {
      return report().macroF1Of(LearnedDetector.BEHAVIOURS);
    }
  }

  /**
   * The steps of the sets {@code keep} accepts with their predictions, {@code predictions} being one per
   * step of all {@code sets} in order (as leave-one-set-out returns them).
   */
  static Pooled pooled(List<TrainingData> sets, List<java.util.Set<Behaviour>> predictions,
      java.util.function.Predicate<TrainingData> keep) {
    List<LabelledStep> steps = new ArrayList<>();
    List<java.util.Set<Behaviour>> kept = new ArrayList<>();
    int row = 0;
    for (TrainingData set : sets) {
      int size = set.steps().size();
      if (keep.test(set)) {
        steps.addAll(set.steps());
        kept.addAll(predictions.subList(row, row + size));
      }
      row += size;
    }
    return new Pooled(steps, kept);
  }

  private static String path(TrainingData set) {
    return set.description().path();
  }

  /**
   * Leave-one-set-out that writes each step's held-out probabilities (one line per step: set, group, lang,
   * gold label, the six probabilities in {@link LearnedDetector#BEHAVIOURS} order), so that thresholds can be
   * compared without retraining (round 5).
   */
  static void probabilities(LearnedDetectorTrainer trainer, List<TrainingData> sets, Path out) throws java.io.IOException {
    List<LabelledStep> steps = TrainingData.all(sets);
    int[] fold = new int[steps.size()];
    String[] setOf = new String[steps.size()];
    int row = 0;
    for (int s = 0; s < sets.size(); s++) {
      for (int k = 0; k < sets.get(s).steps().size(); k++) {
        setOf[row] = sets.get(s).description().path();
        fold[row++] = s;
      }
    }
    LearnedDetectorTrainer.Prepared p = trainer.prepare(steps);
    Provenance prov = new Provenance("cv", trainer.settings(), List.of(), java.util.Map.of(), "", "leave-one-set-out fold");
    double[][] prob = new double[steps.size()][];
    for (int f = 0; f < sets.size(); f++) {
      List<Integer> tr = new ArrayList<>();
      for (int i = 0; i < steps.size(); i++) {
        if (fold[i] != f) {
          tr.add(i);
        }
      }
      LearnedDetector m = trainer.fit(p, tr.stream().mapToInt(Integer::intValue).toArray(), LearnedDetector.Mode.LEARNED, "cv", prov);
      for (int i = 0; i < steps.size(); i++) {
        if (fold[i] == f) {
          prob[i] = m.probabilities(p.vectors.get(i), p.infos.get(i));
        }
      }
      System.out.printf(Locale.ROOT, "fold %d done%n", f);
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < steps.size(); i++) {
      LabelledStep st = steps.get(i);
      sb.append(setOf[i]).append('\t').append(DetectorEvaluation.group(st)).append('\t')
          .append(st.lang()).append('\t').append(st.label());
      for (double v : prob[i]) {
        sb.append('\t').append(String.format(Locale.ROOT, "%.5f", v));
      }
      sb.append('\n');
    }
    Files.writeString(out, sb.toString());
  }

  static String row(String name, EvaluationReport r) {
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-9s", name));
    for (Behaviour b : LearnedDetector.BEHAVIOURS) {
      EvaluationReport.Score s = r.scores().get(b);
      sb.append(s == null ? " | -" : String.format(Locale.ROOT, " | %s %.2f/%.2f/%.2f", b.key().substring(0, 4), s.precision(), s.recall(), s.f1()));
    }
    return sb.append(String.format(Locale.ROOT, " | macro %.3f", r.macroF1Of(LearnedDetector.BEHAVIOURS))).toString();
  }
}
