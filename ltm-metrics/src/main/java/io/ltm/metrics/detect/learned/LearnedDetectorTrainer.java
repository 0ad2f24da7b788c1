package io.ltm.metrics.detect.learned;

import io.ltm.metrics.detect.Behaviour;
import io.ltm.metrics.detect.BehaviourDetectors;
import io.ltm.metrics.detect.DetectorEvaluation;
import io.ltm.metrics.detect.LabelledStep;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Trains {@link LearnedDetector}s from labelled steps (the Trainer of the Trainer / Model / Evaluator
 * split; {@link GroupedCrossValidation} is the evaluator). Stateless apart from its settings;
 * thread-safe.
 *
 * <p>Procedure, for each of the six behaviours: (1) features of every step, scenes in order so a step
 * sees the steps before it; (2) out-of-fold scores from {@code folds}-fold cross-validation grouped by
 * scene (a scene's steps never sit on both sides); (3) Platt scaling fitted on those scores, so the
 * probabilities are calibrated on steps the scorer did not see; (4) the combined stacker, a small
 * logistic regression over the calibrated out-of-fold probability and the rules' cues; (5) the scorer
 * refitted on every step. Features seen in fewer than {@code minDf} training steps get no weight. With
 * {@link Settings#seeds()} above 1, (2) runs once per seed (its own folds and SGD order), (3) and (4) are
 * fitted on all those out-of-fold scores, and (5) averages the seeds' scorers.
 */
public final class LearnedDetectorTrainer {

  /**
   * Trainer settings.
   *
   * @param features how steps become features
   * @param epochs SGD passes, at least 1
   * @param learningRate AdaGrad base step, positive
   * @param l2 L2 penalty, at least 0
   * @param folds calibration folds (grouped by scene), at least 2
   * @param minDf fewest training steps a feature must occur in, at least 1
   * @param threshold decision threshold on the probability, in (0, 1)
   * @param singleLabel report at most one behaviour per step
   * @param seed shuffling and fold seed
   * @param tuneThresholds instead of {@code threshold}, give each behaviour the threshold in [0.2, 0.65]
   *     (steps of 0.05) that maximises F1 on the out-of-fold calibrated probabilities of the training
   *     steps (ties: the one nearest {@code threshold})
   * @param seeds how many seeds ({@code seed}, {@code seed + 7919}, …) the scorer is trained with, at least
   *     1: each seed gives its own grouped calibration folds and SGD order, Platt scaling and the stacker
   *     are fitted on the out-of-fold scores of all of them, and the final scorer is the average of the
   *     seeds' scorers (one linear model, as fast to apply as one); 0 in a file written before the field
   *     existed reads as 1
   * @param countingPrecision the held-out precision each behaviour's counting threshold must reach (see
   *     {@link LearnedDetector#countingThreshold}), in (0, 1); 0 in a file written before the field existed
   *     reads as {@link #DEFAULT_COUNTING_PRECISION}
   */
  public record Settings(FeatureConfig features, int epochs, double learningRate, double l2, int folds, int minDf,
      double threshold, boolean singleLabel, long seed, boolean tuneThresholds, int seeds, double countingPrecision) {
    /** The held-out precision a counting threshold must reach by default. */
    public static final double DEFAULT_COUNTING_PRECISION = 0.90;

    /**
     * The settings of the shipped detector: feature set 3, 25 epochs, L2 2e-3, threshold 0.35, 3 seeds, chosen by
     * leave-one-set-out evaluation (docs/detectors.md, round 3).
     */
    public static final Settings DEFAULT = new Settings(FeatureConfig.DEFAULT, 25, 0.2, 2e-3, 5, 2, 0.35, true, 14L, false, 3,
        DEFAULT_COUNTING_PRECISION);

    /**
     * The settings of round 2's shipped detector and of its one look at fresh-scenes-3 (feature set 2, L2
     * 1e-3, threshold 0.35), kept to reproduce the recorded look (docs/detectors.md).
     */
    public static final Settings ROUND_2 = new Settings(FeatureConfig.DEFAULT.withVersion(2), 15, 0.2, 1e-3, 5, 2, 0.35, true, 14L,
        false, 1, DEFAULT_COUNTING_PRECISION);

    /**
     * The settings of the first release (feature set 1), kept to reproduce its recorded figures
     * (docs/detectors.md, the one look at fresh-scenes-2).
     */
    public static final Settings FIRST_RELEASE = new Settings(FeatureConfig.DEFAULT.withVersion(1), 15, 0.2, 1e-4, 5, 2,
        0.5, true, 14L, false, 1, DEFAULT_COUNTING_PRECISION);

    public Settings {
      Objects.requireNonNull(features, "features");
      new LogisticRegression.Params(epochs, learningRate, l2, seed); // checks the ranges
      if (folds < 2) {
        throw new IllegalArgumentException("folds must be >= 2 but got " + folds);
      }
      if (minDf < 1) {
        throw new IllegalArgumentException("minDf must be >= 1 but got " + minDf);
      }
      if (!(threshold > 0 && threshold < 1)) {
        throw new IllegalArgumentException("threshold must be in (0, 1) but got " + threshold);
      }
      if (seeds == 0) {
        seeds = 1; // written before the field existed
      }
      if (seeds < 1 || seeds > 32) {
        throw new IllegalArgumentException("seeds must be in [1, 32] but got " + seeds);
      }
      if (countingPrecision == 0) {
        countingPrecision = DEFAULT_COUNTING_PRECISION; // written before the field existed
      }
      if (!(countingPrecision > 0 && countingPrecision < 1)) {
        throw new IllegalArgumentException("countingPrecision must be in (0, 1) but got " + countingPrecision);
      }
    }

    /** These settings with another threshold. */
    public Settings withThreshold(double t) {
      return new Settings(features, epochs, learningRate, l2, folds, minDf, t, singleLabel, seed, tuneThresholds, seeds, countingPrecision);
    }

    /** These settings with other features. */
    public Settings withFeatures(FeatureConfig f) {
      return new Settings(f, epochs, learningRate, l2, folds, minDf, threshold, singleLabel, seed, tuneThresholds, seeds, countingPrecision);
    }

    /** These settings with single-label decisions on or off. */
    public Settings withSingleLabel(boolean s) {
      return new Settings(features, epochs, learningRate, l2, folds, minDf, threshold, s, seed, tuneThresholds, seeds, countingPrecision);
    }
  }

  /** How far apart the seeds of {@link Settings#seeds()} are. */
  static final long SEED_STEP = 7919L;

  private final Settings settings;
  private final BehaviourDetectors rules;
  private final StepFeaturizer featurizer;

  /** A trainer with {@code settings} over the shipped rules. */
  public LearnedDetectorTrainer(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.rules = BehaviourDetectors.defaults();
    this.featurizer = new StepFeaturizer(settings.features(), rules);
  }

  /** The settings. */
  public Settings settings() {
    return settings;
  }

  /**
   * Trains on every step of {@code sets} and returns the detector in {@code mode}, named {@code name}.
   *
   * @param note free text kept in the provenance
   * @throws IllegalArgumentException when the sets share a scene, or a behaviour has no positive step
   */
  public LearnedDetector train(List<TrainingData> sets, LearnedDetector.Mode mode, String name, String note) {
    List<LabelledStep> steps = TrainingData.all(sets);
    Prepared p = prepare(steps);
    for (int b = 0; b < LearnedDetector.BEHAVIOURS.size(); b++) {
      int pos = 0;
      for (int l : p.labels) {
        pos += l == b ? 1 : 0;
      }
      if (pos < settings.folds()) {
        throw new IllegalArgumentException("only " + pos + " training steps show " + LearnedDetector.BEHAVIOURS.get(b).label()
            + " (kind " + LearnedDetector.BEHAVIOURS.get(b).key() + "); label at least " + settings.folds() + " in the scenes");
      }
    }
    int[] rows = new int[steps.size()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = i;
    }
    Map<String, Integer> labels = new TreeMap<>();
    for (LabelledStep s : steps) {
      labels.merge(s.label(), 1, Integer::sum);
    }
    List<Provenance.DataSet> data = new ArrayList<>();
    for (TrainingData d : sets) {
      data.add(d.description());
    }
    Provenance prov = new Provenance(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), settings, data, labels,
        rulesSha256(), note);
    p.sets = new int[steps.size()];
    int row = 0;
    for (int d = 0; d < sets.size(); d++) {
      for (int i = 0; i < sets.get(d).steps().size(); i++) {
        p.sets[row++] = d;
      }
    }
    return fit(p, rows, mode, name, prov, true);
  }

  /** Steps turned into features once: vectors, rules' view, label index (-1 for none) and scene group. */
  static final class Prepared {
    final List<SparseVector> vectors = new ArrayList<>();
    final List<StepFeaturizer.StepInfo> infos = new ArrayList<>();
    int[] labels;
    int[] groups;
    int[] sets; // the training set of each row; null when not known
  }

  Prepared prepare(List<LabelledStep> steps) {
    Prepared p = new Prepared();
    p.labels = new int[steps.size()];
    p.groups = new int[steps.size()];
    Map<String, Integer> groupIds = new HashMap<>();
    int row = 0;
    for (List<LabelledStep> seq : DetectorEvaluation.sequences(steps)) {
      List<String> texts = new ArrayList<>();
      for (LabelledStep s : seq) {
        texts.add(s.text());
      }
      StepFeaturizer.Featurized f = featurizer.features(texts);
      p.vectors.addAll(f.vectors());
      p.infos.addAll(f.infos());
      for (LabelledStep s : seq) {
        p.labels[row] = LearnedDetector.BEHAVIOURS.indexOf(Behaviour.forLabel(s.label()).orElse(Behaviour.BACKWARD_CHAINING));
        p.groups[row] = groupIds.computeIfAbsent(DetectorEvaluation.group(s), k -> groupIds.size());
        row++;
      }
    }
    return p;
  }

  /** Assigns the groups of {@code rows} to {@code k} folds (shuffled by the seed); returns the fold of each row. */
  int[] folds(Prepared p, int[] rows, int k, long seed) {
    return folds(p.groups, rows, k, seed);
  }

  /** As {@link #folds(Prepared, int[], int, long)} for any grouping: {@code groupOf} gives each row's group. */
  static int[] folds(int[] groupOf, int[] rows, int k, long seed) {
    TreeSet<Integer> gs = new TreeSet<>();
    for (int r : rows) {
      gs.add(groupOf[r]);
    }
    List<Integer> order = new ArrayList<>(gs);
    Collections.shuffle(order, new Random(seed));
    Map<Integer, Integer> foldOf = new HashMap<>();
    for (int i = 0; i < order.size(); i++) {
      foldOf.put(order.get(i), i % k);
    }
    int[] out = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      out[i] = foldOf.get(groupOf[rows[i]]);
    }
    return out;
  }

  /**
   * Out-of-fold scores {@code [behaviour][i]} of {@code rows[i]}: each fold's rows scored by scorers trained (with
   * {@code seed}) on the other folds' rows; {@code fold[i]} in {@code [0, k)} is row {@code i}'s fold.
   */
  private double[][] outOfFold(Prepared p, int[] rows, int[] fold, int k, long seed) {
    int nb = LearnedDetector.BEHAVIOURS.size();
    int n = rows.length;
    double[][] out = new double[nb][n];
    for (int f = 0; f < k; f++) {
      List<Integer> tr = new ArrayList<>();
      List<Integer> te = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        (fold[i] == f ? te : tr).add(i);
      }
      int[] trRows = new int[tr.size()];
      for (int i = 0; i < trRows.length; i++) {
        trRows[i] = rows[tr.get(i)];
      }
      LogisticRegression.Linear[] m = scorers(p, trRows, seed, 1);
      for (int i : te) {
        for (int b = 0; b < nb; b++) {
          out[b][i] = m[b].score(p.vectors.get(rows[i]));
        }
      }
    }
    return out;
  }

  /** Fits a detector on {@code rows} of {@code p} (calibration by inner grouped folds), without counting thresholds. */
  LearnedDetector fit(Prepared p, int[] rows, LearnedDetector.Mode mode, String name, Provenance prov) {
    return fit(p, rows, mode, name, prov, false);
  }

  /**
   * Fits a detector on {@code rows} of {@code p} (calibration by inner grouped folds); with {@code counting},
   * also estimates each behaviour's counting threshold ({@link #countingPoints}).
   */
  LearnedDetector fit(Prepared p, int[] rows, LearnedDetector.Mode mode, String name, Provenance prov, boolean counting) {
    int nb = LearnedDetector.BEHAVIOURS.size();
    int k = Math.min(settings.folds(), distinctGroups(p, rows));
    int bag = settings.seeds();
    int n = rows.length;
    // out-of-fold scores of every row once per seed (each seed its own grouped folds and SGD order)
    double[][] oof = new double[nb][n * bag];
    for (int e = 0; e < bag; e++) {
      long seed = settings.seed() + SEED_STEP * e;
      double[][] scores = outOfFold(p, rows, folds(p, rows, k, seed), k, seed);
      for (int b = 0; b < nb; b++) {
        System.arraycopy(scores[b], 0, oof[b], e * n, n);
      }
    }
    double[][] platt = new double[nb][];
    double[][] stack = new double[nb][];
    double[] thr = new double[nb];
    Arrays.fill(thr, settings.threshold());
    for (int b = 0; b < nb; b++) {
      boolean[] y = new boolean[n * bag];
      for (int i = 0; i < n * bag; i++) {
        y[i] = p.labels[rows[i % n]] == b;
      }
      platt[b] = LogisticRegression.platt(oof[b], y);
      if (settings.tuneThresholds()) {
        double[] prob = new double[n * bag];
        for (int i = 0; i < n * bag; i++) {
          prob[i] = LogisticRegression.sigmoid(platt[b][0] * oof[b][i] + platt[b][1]);
        }
        thr[b] = bestThreshold(prob, y, settings.threshold());
      }
      List<SparseVector> sx = new ArrayList<>(n * bag);
      for (int i = 0; i < n * bag; i++) {
        double prob = LogisticRegression.sigmoid(platt[b][0] * oof[b][i] + platt[b][1]);
        double[] in = LearnedDetector.stackInputs(prob, LearnedDetector.BEHAVIOURS.get(b), p.infos.get(rows[i % n]));
        float[] v = new float[in.length];
        int[] ix = new int[in.length];
        for (int j = 0; j < in.length; j++) {
          ix[j] = j;
          v[j] = (float) in[j];
        }
        sx.add(SparseVector.of(ix, v, in.length));
      }
      LogisticRegression.Linear st = LogisticRegression.train(sx, y, LearnedDetector.STACK_INPUTS,
          new LogisticRegression.Params(60, 0.1, 1e-3, settings.seed()), false);
      stack[b] = new double[LearnedDetector.STACK_INPUTS + 1];
      for (int j = 0; j < LearnedDetector.STACK_INPUTS; j++) {
        stack[b][j] = st.w()[j];
      }
      stack[b][LearnedDetector.STACK_INPUTS] = st.bias();
    }
    // the scorer on every row: the average of the seeds' scorers (one linear model, as fast as one)
    LogisticRegression.Linear[] m = scorers(p, rows, settings.seed(), bag);
    float[][] w = new float[nb][];
    float[] bias = new float[nb];
    for (int b = 0; b < nb; b++) {
      w[b] = m[b].w();
      bias[b] = m[b].bias();
    }
    LearnedDetector.CountingPoint[] points = new LearnedDetector.CountingPoint[nb];
    Arrays.fill(points, LearnedDetector.CountingPoint.NONE);
    if (counting) {
      points = countingPoints(p, rows, oof, platt, thr);
    }
    return new LearnedDetector(name, mode, featurizer, rules, w, bias, platt, stack, thr, points, settings.singleLabel(), prov);
  }

  /** Fewest held-out predictions a counting threshold's precision is estimated from. */
  static final int COUNTING_MIN_PREDICTIONS = 10;

  /** Lowest held-out recall a counting threshold may have: below it a count misses most instances. */
  static final double COUNTING_MIN_RECALL = 0.25;

  /**
   * Each behaviour's counting threshold: the lowest probability, from its decision threshold up to 0.95 in
   * steps of 0.05, at which the held-out precision of the decisions with {@code probability >= t} reaches {@link
   * Settings#countingPrecision} over at least {@link #COUNTING_MIN_PREDICTIONS} predictions, keeping a held-out
   * recall of at least {@link #COUNTING_MIN_RECALL}. Held out means:
   * when the rows come from at least three training sets, scored by scorers trained with whole sets left
   * out ({@code folds} folds of sets, one seed: the closest proxy for another author's text); otherwise the
   * out-of-fold scores grouped by scene of the first seed ({@code oof}). Scores become probabilities
   * through the final detector's Platt scaling. A behaviour whose precision never reaches the target is
   * counted at its most precise candidate, marked not reached.
   */
  private LearnedDetector.CountingPoint[] countingPoints(Prepared p, int[] rows, double[][] oof, double[][] platt, double[] thr) {
    int nb = LearnedDetector.BEHAVIOURS.size();
    int n = rows.length;
    double[][] held = new double[nb][];
    TreeSet<Integer> setIds = new TreeSet<>();
    if (p.sets != null) {
      for (int r : rows) {
        setIds.add(p.sets[r]);
      }
    }
    String how;
    if (setIds.size() >= 3) {
      int k = Math.min(settings.folds(), setIds.size());
      held = outOfFold(p, rows, folds(p.sets, rows, k, settings.seed() + 1), k, settings.seed());
      how = "sets left out";
    } else {
      for (int b = 0; b < nb; b++) {
        held[b] = Arrays.copyOf(oof[b], n);
      }
      how = "scenes left out";
    }
    double[][] prob = new double[nb][n];
    for (int b = 0; b < nb; b++) {
      for (int i = 0; i < n; i++) {
        prob[b][i] = LogisticRegression.sigmoid(platt[b][0] * held[b][i] + platt[b][1]);
      }
    }
    // what the detector decides on each held-out row (as LearnedDetector.decide does)
    boolean[][] decided = new boolean[nb][n];
    double[] pi = new double[nb];
    for (int i = 0; i < n; i++) {
      for (int b = 0; b < nb; b++) {
        pi[b] = prob[b][i];
      }
      for (var d : LearnedDetector.decide(pi, thr, settings.singleLabel(), null)) {
        decided[LearnedDetector.BEHAVIOURS.indexOf(d)][i] = true;
      }
    }
    LearnedDetector.CountingPoint[] out = new LearnedDetector.CountingPoint[nb];
    for (int b = 0; b < nb; b++) {
      boolean[] y = new boolean[n];
      for (int i = 0; i < n; i++) {
        y[i] = p.labels[rows[i]] == b;
      }
      out[b] = countingPoint(prob[b], decided[b], y, thr[b], settings.countingPrecision(), how);
    }
    return out;
  }

  /**
   * The counting point of one behaviour from held-out probabilities {@code prob}, the rows where the
   * detector decided for it ({@code decided}) and the gold labels {@code y} (see {@link #countingPoints}):
   * a row counts at {@code t} when it was decided and {@code prob >= t}.
   */
  static LearnedDetector.CountingPoint countingPoint(double[] prob, boolean[] decided, boolean[] y, double decision, double target,
      String heldOut) {
    int positives = 0;
    for (boolean v : y) {
      positives += v ? 1 : 0;
    }
    LearnedDetector.CountingPoint best = null;
    for (int k = 0; ; k++) {
      double t = k == 0 ? decision : Math.round(decision / 0.05 + k) * 0.05;
      if (t > 0.95 + 1e-9) {
        break;
      }
      int tp = 0;
      int fp = 0;
      for (int i = 0; i < prob.length; i++) {
        if (decided[i] && prob[i] >= t) {
          tp += y[i] ? 1 : 0;
          fp += y[i] ? 0 : 1;
        }
      }
      if (tp + fp < COUNTING_MIN_PREDICTIONS) {
        break;
      }
      double precision = (double) tp / (tp + fp);
      double recall = positives == 0 ? 0 : (double) tp / positives;
      if (recall < COUNTING_MIN_RECALL) {
        break; // a count finding so few of the instances could not show a difference between models
      }
      if (precision >= target) {
        return new LearnedDetector.CountingPoint(t, precision, recall, true, heldOut);
      }
      if (best == null || precision > best.precision()) {
        best = new LearnedDetector.CountingPoint(t, precision, recall, false, heldOut);
      }
    }
    return best != null ? best : new LearnedDetector.CountingPoint(decision, Double.NaN, Double.NaN, false, heldOut);
  }

  /** The threshold in [0.2, 0.65] (steps of 0.05) with the best F1 of {@code prob >= t} against {@code y}. */
  static double bestThreshold(double[] prob, boolean[] y, double preferred) {
    double best = preferred;
    double bestF1 = -1;
    for (int k = 4; k <= 13; k++) {
      double t = k * 0.05;
      int tp = 0;
      int fp = 0;
      int fn = 0;
      for (int i = 0; i < prob.length; i++) {
        boolean pr = prob[i] >= t;
        tp += pr && y[i] ? 1 : 0;
        fp += pr && !y[i] ? 1 : 0;
        fn += !pr && y[i] ? 1 : 0;
      }
      double f1 = tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
      if (f1 > bestF1 + 1e-12 || Math.abs(f1 - bestF1) <= 1e-12 && Math.abs(t - preferred) < Math.abs(best - preferred)) {
        bestF1 = f1;
        best = t;
      }
    }
    return best;
  }

  private static int distinctGroups(Prepared p, int[] rows) {
    TreeSet<Integer> gs = new TreeSet<>();
    for (int r : rows) {
      gs.add(p.groups[r]);
    }
    return gs.size();
  }

  /** One scorer per behaviour trained on {@code rows}; features in fewer than minDf of them are dropped. */
  private LogisticRegression.Linear[] scorers(Prepared p, int[] rows, long seed, int seeds) {
    int dim = settings.features().dimension();
    int[] df = new int[dim];
    for (int r : rows) {
      for (int i : p.vectors.get(r).idx) {
        df[i]++;
      }
    }
    boolean[] keep = new boolean[dim];
    for (int i = 0; i < dim; i++) {
      keep[i] = df[i] >= settings.minDf();
    }
    List<SparseVector> xs = new ArrayList<>(rows.length);
    for (int r : rows) {
      xs.add(p.vectors.get(r).filter(keep));
    }
    LogisticRegression.Params params = new LogisticRegression.Params(settings.epochs(), settings.learningRate(), settings.l2(), seed);
    int nb = LearnedDetector.BEHAVIOURS.size();
    LogisticRegression.Linear[] out = new LogisticRegression.Linear[nb];
    for (int b = 0; b < nb; b++) {
      boolean[] y = new boolean[rows.length];
      for (int i = 0; i < rows.length; i++) {
        y[i] = p.labels[rows[i]] == b;
      }
      if (seeds == 1) {
        out[b] = LogisticRegression.train(xs, y, dim, params);
        continue;
      }
      // the average of the scorers of `seeds` SGD orders: one linear model, as fast to apply as one
      float[] w = new float[dim];
      double bias = 0;
      for (int e = 0; e < seeds; e++) {
        LogisticRegression.Linear m = LogisticRegression.train(xs, y, dim,
            new LogisticRegression.Params(params.epochs(), params.learningRate(), params.l2(), seed + SEED_STEP * e));
        for (int j = 0; j < dim; j++) {
          w[j] += m.w()[j] / seeds;
        }
        bias += m.bias() / (double) seeds;
      }
      out[b] = new LogisticRegression.Linear(w, (float) bias);
    }
    return out;
  }

  /** SHA-256 of the shipped rules file, whose cues are features. */
  static String rulesSha256() {
    try (InputStream in = BehaviourDetectors.class.getResourceAsStream(BehaviourDetectors.DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("resource " + BehaviourDetectors.DEFAULT_RESOURCE + " missing from the class path");
      }
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
