package io.ltm.metrics.detect;

import io.ltm.core.scene.Scene;
import io.ltm.core.scene.Step;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Evaluates behaviour detectors on labelled steps: precision, recall and F1 per behaviour, and their
 * macro average.
 *
 * <p>Definition: for behaviour {@code b}, a step is a gold positive when its label is {@code b}'s key
 * ({@link Behaviour#key()}), and a predicted positive when {@link BehaviourDetectors#classify} of its
 * text contains {@code b} (the detector fires, and no other behaviour outweighs it with a strong cue
 * where its own cue is weak). {@code precision = tp / (tp + fp)}, {@code recall = tp / (tp + fn)}, {@code F1 = 2PR /
 * (P + R)}; a ratio with a zero denominator is 0. A behaviour is evaluated when the set has at least
 * one step labelled with it ({@code support > 0}), or when it has a step kind and fired on some step
 * anyway (support 0, so precision and F1 are 0: its false alarms count against the macro average, as
 * scikit-learn counts predicted labels); macro F1 is the mean F1 over evaluated behaviours. Backward
 * chaining has no step kind, so it is evaluated only where some step is labelled {@code backward}.
 */
public final class DetectorEvaluation {
  private DetectorEvaluation() {}

  /** The labelled steps of scenes: every step, labelled with its kind; source is {@code sceneId#index}. */
  public static List<LabelledStep> steps(List<Scene> scenes) {
    List<LabelledStep> out = new ArrayList<>();
    for (Scene s : scenes) {
      for (int i = 0; i < s.thought().size(); i++) {
        Step st = s.thought().get(i);
        out.add(new LabelledStep(s.id() + "#" + i, s.lang(), st.kind().yamlName(), st.text()));
      }
    }
    return out;
  }

  /**
   * Reads labelled steps from TSV: {@code lang<TAB>label<TAB>text} per line, {@code #} comments.
   *
   * @throws IllegalArgumentException naming {@code source:line} for a line with fewer than 3 columns
   */
  public static List<LabelledStep> readTsv(Reader reader, String source) throws IOException {
    List<LabelledStep> out = new ArrayList<>();
    BufferedReader br = new BufferedReader(reader);
    String line;
    int no = 0;
    while ((line = br.readLine()) != null) {
      no++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] c = line.split("\t", 3);
      if (c.length < 3 || c[2].isBlank()) {
        throw new IllegalArgumentException(source + ":" + no + ": expected lang<TAB>label<TAB>text");
      }
      out.add(new LabelledStep(source + ":" + no, c[0], c[1], c[2]));
    }
    return out;
  }

  /**
   * Evaluates {@code detectors} on {@code steps}. Consecutive steps of one scene (sources {@code
   * sceneId#index}, as {@link #steps} makes them) are classified together with {@link
   * BehaviourClassifier#classifySteps}, so a detector that looks at earlier steps sees them; other
   * steps (TSV lines) are classified alone.
   */
  public static EvaluationReport evaluate(List<LabelledStep> steps, BehaviourClassifier detectors) {
    Objects.requireNonNull(steps, "steps");
    Objects.requireNonNull(detectors, "detectors");
    return score(steps, predict(steps, detectors));
  }

  /** The scene a step belongs to: its source up to {@code #}, or the whole source when it has none. */
  public static String group(LabelledStep s) {
    int h = s.source().lastIndexOf('#');
    return h < 0 ? s.source() : s.source().substring(0, h);
  }

  /** The runs of consecutive steps of one {@link #group}, in order. */
  public static List<List<LabelledStep>> sequences(List<LabelledStep> steps) {
    List<List<LabelledStep>> out = new ArrayList<>();
    String last = null;
    for (LabelledStep s : steps) {
      String g = group(s);
      if (!g.equals(last) || !s.source().contains("#")) {
        out.add(new ArrayList<>());
        last = g;
      }
      out.get(out.size() - 1).add(s);
    }
    return out;
  }

  /** What {@code detectors} predict for each step (scenes classified in sequence, see {@link #evaluate}). */
  public static List<Set<Behaviour>> predict(List<LabelledStep> steps, BehaviourClassifier detectors) {
    List<Set<Behaviour>> out = new ArrayList<>(steps.size());
    for (List<LabelledStep> seq : sequences(steps)) {
      List<String> texts = new ArrayList<>(seq.size());
      for (LabelledStep s : seq) {
        texts.add(s.text());
      }
      List<Set<Behaviour>> p = detectors.classifySteps(texts);
      if (p.size() != seq.size()) {
        throw new IllegalStateException(detectors.name() + " returned " + p.size() + " predictions for " + seq.size() + " steps");
      }
      out.addAll(p);
    }
    return out;
  }

  /**
   * Scores predictions: {@code predicted.get(i)} is what a detector found in {@code steps.get(i)}.
   *
   * @throws IllegalArgumentException when the lists differ in length
   */
  public static EvaluationReport score(List<LabelledStep> steps, List<Set<Behaviour>> predicted) {
    if (steps.size() != predicted.size()) {
      throw new IllegalArgumentException(steps.size() + " steps but " + predicted.size() + " predictions");
    }
    Map<Behaviour, int[]> counts = new EnumMap<>(Behaviour.class); // tp, fp, fn, support
    List<EvaluationReport.Error> errors = new ArrayList<>();
    for (Behaviour b : Behaviour.values()) {
      counts.put(b, new int[4]);
    }
    for (int i = 0; i < steps.size(); i++) {
      LabelledStep s = steps.get(i);
      Set<Behaviour> pred0 = predicted.get(i);
      for (Behaviour b : Behaviour.values()) {
        boolean gold = b.key().equals(s.label());
        boolean pred = pred0.contains(b);
        int[] c = counts.get(b);
        if (gold) {
          c[3]++;
        }
        if (gold && pred) {
          c[0]++;
        } else if (pred) {
          c[1]++;
          errors.add(new EvaluationReport.Error(b, s, false));
        } else if (gold) {
          c[2]++;
          errors.add(new EvaluationReport.Error(b, s, true));
        }
      }
    }
    Map<Behaviour, EvaluationReport.Score> scores = new EnumMap<>(Behaviour.class);
    double sum = 0;
    int n = 0;
    for (Behaviour b : Behaviour.values()) {
      int[] c = counts.get(b);
      boolean labelled = c[3] > 0;
      boolean falseAlarmsOnly = c[3] == 0 && c[1] > 0 && b.goldKind().isPresent();
      if (!labelled && !falseAlarmsOnly) {
        continue;
      }
      EvaluationReport.Score sc = EvaluationReport.Score.of(c[0], c[1], c[2]);
      scores.put(b, sc);
      sum += sc.f1();
      n++;
    }
    return new EvaluationReport(scores, n == 0 ? 0 : sum / n, steps.size(), errors);
  }
}
