package io.ltm.metrics.detect.learned;

import io.ltm.metrics.detect.Behaviour;
import io.ltm.metrics.detect.BehaviourClassifier;
import io.ltm.metrics.detect.BehaviourDetectors;
import io.ltm.metrics.detect.Sentences;
import io.ltm.metrics.detect.Span;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A learned behaviour detector: one logistic regression per behaviour (one-vs-rest over verification,
 * backtracking, subgoal setting, tension, rewrite, reflection) over {@link StepFeaturizer}'s features,
 * with Platt-calibrated probabilities fitted on held-out folds, and a stacker that combines the
 * calibrated probability with the rules' cues ({@link Mode#COMBINED}). Made by {@link
 * LearnedDetectorTrainer}, saved and loaded by {@link DetectorFiles} with its {@link Provenance}.
 * Immutable and thread-safe; holds no native resources (nothing to close).
 *
 * <p>Decisions: a step shows behaviour {@code b} when its probability reaches {@code b}'s threshold;
 * with single-label decisions (the default, since every labelled step has one kind) only the most
 * probable of those is kept. In free text ({@link #detect}) each sentence ({@link Sentences}) is a
 * step, seeing the sentences before it, and a span covers a whole sentence. In {@link Mode#COMBINED}
 * backward chaining, which no labelled scene step carries, comes from the rules unchanged.
 *
 * <p>Counting: what the thought metrics compare between models ({@link #counts}) is counted at a
 * stricter operating point than the spans are found at: of the sentences decided to show a behaviour,
 * those whose probability also reaches the behaviour's {@link #countingThreshold}, chosen at training
 * time as the lowest threshold whose held-out precision reached the trainer's target ({@link
 * CountingPoint}). The counted sentences are a subset of the spans ({@link #detect}), and a count mostly
 * holds real instances, so a difference between a base model and an adapter is not made of false alarms.
 */
public final class LearnedDetector implements BehaviourClassifier {

  /** Which probability decides. */
  public enum Mode {
    /** The calibrated learned probability. */
    LEARNED,
    /** The stacker over the learned probability and the rules' cues. */
    COMBINED
  }

  /** The six behaviours with a step kind, in {@link Behaviour} order: what a learned detector models. */
  public static final List<Behaviour> BEHAVIOURS = List.of(Behaviour.VERIFICATION, Behaviour.BACKTRACKING,
      Behaviour.SUBGOAL_SETTING, Behaviour.TENSION, Behaviour.REWRITE, Behaviour.REFLECTION);

  /**
   * Where a behaviour is counted for the metrics, and how precise that was on held-out training data.
   *
   * @param threshold the probability from which a sentence counts: the lowest that reached the target
   *     precision or, when none did, the most precise one tried; {@link Double#NaN} when not estimated (then
   *     counting uses the decision threshold)
   * @param precision held-out precision at {@code threshold}; NaN when not estimated
   * @param recall held-out recall at {@code threshold}; NaN when not estimated
   * @param reached whether {@code precision} reached the trainer's target
   * @param heldOut how the held-out scores were made: {@code sets left out}, {@code scenes left out}, or
   *     {@code none} (not estimated: a detector written before counting thresholds existed)
   */
  public record CountingPoint(double threshold, double precision, double recall, boolean reached, String heldOut) {
    /** Not estimated: counting uses the decision threshold. */
    public static final CountingPoint NONE = new CountingPoint(Double.NaN, Double.NaN, Double.NaN, false, "none");

    public CountingPoint {
      Objects.requireNonNull(heldOut, "heldOut");
      if (!Double.isNaN(threshold) && !(threshold > 0 && threshold < 1)) {
        throw new IllegalArgumentException("a counting threshold must be in (0, 1) or NaN but got " + threshold);
      }
    }

    /** Whether a threshold was estimated at all. */
    public boolean estimated() {
      return !Double.isNaN(threshold);
    }
  }

  /** Number of stacker inputs: logit of the learned probability, strong cue, weak cue, rules' class; plus a bias. */
  static final int STACK_INPUTS = 4;

  private final String name;
  private final Mode mode;
  private final StepFeaturizer featurizer;
  private final BehaviourDetectors rules;
  private final float[][] weights; // (behaviour, slot)
  private final float[] interleaved; // (slot, behaviour): one cache line per slot for all six scores
  private final float[] bias; // (behaviour)
  private final double[][] platt; // (behaviour, {a, b})
  private final double[][] stack; // (behaviour, STACK_INPUTS + 1), last is the bias
  private final double[] threshold; // (behaviour)
  private final CountingPoint[] counting; // (behaviour)
  private final double[] countThreshold; // (behaviour) counting[b].threshold, or threshold[b] when not reached
  private final boolean singleLabel;
  private final boolean countedOnly; // decisions keep only what reaches the counting threshold
  private final Provenance provenance;

  LearnedDetector(String name, Mode mode, StepFeaturizer featurizer, BehaviourDetectors rules, float[][] weights,
      float[] bias, double[][] platt, double[][] stack, double[] threshold, CountingPoint[] counting, boolean singleLabel,
      Provenance provenance) {
    this(name, mode, featurizer, rules, weights, bias, platt, stack, threshold, counting, singleLabel, false, provenance);
  }

  private LearnedDetector(String name, Mode mode, StepFeaturizer featurizer, BehaviourDetectors rules, float[][] weights,
      float[] bias, double[][] platt, double[][] stack, double[] threshold, CountingPoint[] counting, boolean singleLabel,
      boolean countedOnly, Provenance provenance) {
    this.name = Objects.requireNonNull(name, "name");
    this.mode = Objects.requireNonNull(mode, "mode");
    this.featurizer = Objects.requireNonNull(featurizer, "featurizer");
    this.rules = Objects.requireNonNull(rules, "rules");
    int k = BEHAVIOURS.size();
    if (weights.length != k || bias.length != k || platt.length != k || stack.length != k || threshold.length != k
        || counting.length != k) {
      throw new IllegalArgumentException("a learned detector needs parameters for " + k + " behaviours");
    }
    for (int b = 0; b < k; b++) {
      if (weights[b].length != featurizer.config().dimension()) {
        throw new IllegalArgumentException("weights of " + BEHAVIOURS.get(b).key() + " have " + weights[b].length
            + " slots but the features have " + featurizer.config().dimension());
      }
      if (platt[b].length != 2 || stack[b].length != STACK_INPUTS + 1) {
        throw new IllegalArgumentException("calibration of " + BEHAVIOURS.get(b).key() + " has the wrong size");
      }
      if (!(threshold[b] > 0 && threshold[b] < 1)) {
        throw new IllegalArgumentException("threshold of " + BEHAVIOURS.get(b).key() + " must be in (0, 1) but got " + threshold[b]);
      }
    }
    this.weights = weights;
    int dim = featurizer.config().dimension();
    this.interleaved = new float[dim * k];
    for (int b = 0; b < k; b++) {
      float[] wb = weights[b];
      for (int i = 0; i < dim; i++) {
        interleaved[i * k + b] = wb[i];
      }
    }
    this.bias = bias;
    this.platt = platt;
    this.stack = stack;
    this.threshold = threshold;
    this.counting = counting.clone();
    this.countThreshold = new double[k];
    for (int b = 0; b < k; b++) {
      Objects.requireNonNull(counting[b], "counting point");
      countThreshold[b] = counting[b].estimated() ? Math.max(counting[b].threshold(), threshold[b]) : threshold[b];
    }
    this.singleLabel = singleLabel;
    this.countedOnly = countedOnly;
    this.provenance = Objects.requireNonNull(provenance, "provenance");
  }

  /** The same model deciding by {@code mode}, named {@code name}. */
  public LearnedDetector with(Mode mode, String name) {
    return new LearnedDetector(name, mode, featurizer, rules, weights, bias, platt, stack, threshold, counting, singleLabel,
        provenance);
  }

  /**
   * The same model reporting only what {@link #counts} counts (a decision whose probability also reaches
   * the counting threshold), named {@code name}: what {@code ltm detect} scores to show the precision of the
   * counts.
   */
  public LearnedDetector counting(String name) {
    return new LearnedDetector(name, mode, featurizer, rules, weights, bias, platt, stack, threshold, counting, singleLabel,
        true, provenance);
  }

  @Override
  public String name() {
    return name;
  }

  /** How this detector decides. */
  public Mode mode() {
    return mode;
  }

  /** What the model was trained on and how. */
  public Provenance provenance() {
    return provenance;
  }

  /** The feature settings. */
  public FeatureConfig features() {
    return featurizer.config();
  }

  /** Whether at most one behaviour is reported per step. */
  public boolean singleLabel() {
    return singleLabel;
  }

  /** The decision threshold of {@code b} (one of {@link #BEHAVIOURS}). */
  public double threshold(Behaviour b) {
    return threshold[index(b)];
  }

  /** Where {@code b} (one of {@link #BEHAVIOURS}) is counted for the metrics, and how precise it was held out. */
  public CountingPoint countingPoint(Behaviour b) {
    return counting[index(b)];
  }

  /** The probability from which a sentence showing {@code b} is counted: the counting point's, else the decision threshold. */
  public double countingThreshold(Behaviour b) {
    return countThreshold[index(b)];
  }

  private static int index(Behaviour b) {
    int k = BEHAVIOURS.indexOf(b);
    if (k < 0) {
      throw new IllegalArgumentException(b.label() + " is not modelled by a learned detector");
    }
    return k;
  }

  @Override
  public Set<Behaviour> behaviours() {
    Set<Behaviour> s = EnumSet.copyOf(BEHAVIOURS);
    if (mode == Mode.COMBINED && rules.behaviours().contains(Behaviour.BACKWARD_CHAINING)) {
      s.add(Behaviour.BACKWARD_CHAINING);
    }
    return Collections.unmodifiableSet(s);
  }

  /**
   * The probability of each modelled behaviour for each step of one sequence (step {@code i} sees the
   * steps before it), by this detector's mode.
   */
  public List<Map<Behaviour, Double>> probabilities(List<String> steps) {
    StepFeaturizer.Featurized f = featurizer.features(steps);
    List<Map<Behaviour, Double>> out = new ArrayList<>(steps.size());
    for (int i = 0; i < steps.size(); i++) {
      Map<Behaviour, Double> m = new EnumMap<>(Behaviour.class);
      double[] p = probabilities(f.vectors().get(i), f.infos().get(i));
      for (int b = 0; b < p.length; b++) {
        m.put(BEHAVIOURS.get(b), p[b]);
      }
      out.add(Collections.unmodifiableMap(m));
    }
    return out;
  }

  double[] probabilities(SparseVector x, StepFeaturizer.StepInfo info) {
    int k = BEHAVIOURS.size();
    double[] score = new double[k];
    for (int j = 0; j < x.idx.length; j++) {
      int base = x.idx[j] * k;
      float v = x.val[j];
      for (int b = 0; b < k; b++) {
        score[b] += interleaved[base + b] * v;
      }
    }
    double[] p = new double[k];
    for (int b = 0; b < p.length; b++) {
      double s = score[b] + bias[b];
      p[b] = LogisticRegression.sigmoid(platt[b][0] * s + platt[b][1]);
      if (mode == Mode.COMBINED) {
        p[b] = stacked(stack[b], p[b], BEHAVIOURS.get(b), info);
      }
    }
    return p;
  }

  static double[] stackInputs(double learned, Behaviour b, StepFeaturizer.StepInfo info) {
    int s = info.strengths().getOrDefault(b, 0);
    return new double[] {LogisticRegression.logit(learned), s >= 2 ? 1 : 0, s == 1 ? 1 : 0, info.ruleClass().contains(b) ? 1 : 0};
  }

  static double stacked(double[] w, double learned, Behaviour b, StepFeaturizer.StepInfo info) {
    double[] in = stackInputs(learned, b, info);
    double z = w[STACK_INPUTS];
    for (int k = 0; k < STACK_INPUTS; k++) {
      z += w[k] * in[k];
    }
    return LogisticRegression.sigmoid(z);
  }

  Set<Behaviour> decide(double[] p, StepFeaturizer.StepInfo info) {
    return decide(p, threshold, singleLabel, mode == Mode.COMBINED ? info : null);
  }

  static Set<Behaviour> decide(double[] p, double[] threshold, boolean singleLabel, StepFeaturizer.StepInfo rulesBackward) {
    Set<Behaviour> out = EnumSet.noneOf(Behaviour.class);
    int best = -1;
    for (int b = 0; b < p.length; b++) {
      if (p[b] >= threshold[b]) {
        if (singleLabel) {
          if (best < 0 || p[b] - threshold[b] > p[best] - threshold[best]) {
            best = b;
          }
        } else {
          out.add(BEHAVIOURS.get(b));
        }
      }
    }
    if (best >= 0) {
      out.add(BEHAVIOURS.get(best));
    }
    if (rulesBackward != null && rulesBackward.ruleClass().contains(Behaviour.BACKWARD_CHAINING)) {
      out.add(Behaviour.BACKWARD_CHAINING);
    }
    return out;
  }

  @Override
  public Set<Behaviour> classify(String text) {
    return classifySteps(List.of(text)).get(0);
  }

  @Override
  public List<Set<Behaviour>> classifySteps(List<String> steps) {
    return classify(featurizer.features(steps), countedOnly);
  }

  private List<Set<Behaviour>> classify(StepFeaturizer.Featurized f, boolean counted) {
    int steps = f.vectors().size();
    List<Set<Behaviour>> out = new ArrayList<>(steps);
    for (int i = 0; i < steps; i++) {
      StepFeaturizer.StepInfo info = f.infos().get(i);
      double[] p = probabilities(f.vectors().get(i), info);
      Set<Behaviour> d = decide(p, info);
      if (counted) {
        for (int b = 0; b < p.length; b++) {
          if (p[b] < countThreshold[b]) {
            d.remove(BEHAVIOURS.get(b));
          }
        }
      }
      out.add(Collections.unmodifiableSet(d));
    }
    return out;
  }

  /** Spans of whole sentences; in {@link Mode#COMBINED} also the rules' backward-chaining spans. */
  @Override
  public List<Span> detect(String text) {
    return spans(text, countedOnly);
  }

  /**
   * Per behaviour, the sentences {@link #detect} finds whose probability also reaches the behaviour's
   * {@link #countingThreshold}; in {@link Mode#COMBINED} also the rules' backward-chaining spans. What the
   * thought metrics count.
   */
  @Override
  public Map<Behaviour, Integer> counts(String text) {
    return BehaviourClassifier.spanCounts(behaviours(), spans(text, true));
  }

  private List<Span> spans(String text, boolean counted) {
    Objects.requireNonNull(text, "text");
    List<Sentences.Range> ranges = Sentences.split(text);
    List<String> sentences = new ArrayList<>(ranges.size());
    for (Sentences.Range r : ranges) {
      sentences.add(r.in(text));
    }
    // the rules' cues of all sentences in one pass over the text (their fast path), not sentence by sentence
    List<Set<Behaviour>> cls = classify(featurizer.features(sentences, rules.strengths(text, ranges)), counted);
    List<Span> out = new ArrayList<>();
    for (int i = 0; i < ranges.size(); i++) {
      for (Behaviour b : cls.get(i)) {
        if (b != Behaviour.BACKWARD_CHAINING) {
          out.add(new Span(b, ranges.get(i).start(), ranges.get(i).end()));
        }
      }
    }
    if (mode == Mode.COMBINED && rules.detector(Behaviour.BACKWARD_CHAINING) != null) {
      out.addAll(rules.detector(Behaviour.BACKWARD_CHAINING).detect(text));
    }
    Collections.sort(out);
    return out;
  }

  // package-private access for DetectorFiles
  StepFeaturizer featurizer() {
    return featurizer;
  }

  float[][] weights() {
    return weights;
  }

  float[] bias() {
    return bias;
  }

  double[][] platt() {
    return platt;
  }

  double[][] stack() {
    return stack;
  }

  double[] thresholds() {
    return threshold;
  }

  CountingPoint[] countingPoints() {
    return counting.clone();
  }
}
