package io.ltm.metrics.detect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The result of {@link DetectorEvaluation#evaluate}: a score per evaluated behaviour, macro F1, and
 * each error (missed gold positive or false alarm) for inspection.
 *
 * @param scores per behaviour with support > 0, in {@link Behaviour} order
 * @param macroF1 mean F1 over {@code scores}
 * @param steps number of steps evaluated
 * @param errors false negatives and false positives
 */
public record EvaluationReport(Map<Behaviour, Score> scores, double macroF1, int steps, List<Error> errors) {
  public EvaluationReport {
    java.util.EnumMap<Behaviour, Score> copy = new java.util.EnumMap<>(Behaviour.class);
    copy.putAll(scores);
    scores = java.util.Collections.unmodifiableMap(copy);
    errors = List.copyOf(errors);
  }

  /**
   * Counts and ratios of one behaviour.
   *
   * @param tp steps labelled with it where the detector fired
   * @param fp steps not labelled with it where it fired
   * @param fn steps labelled with it where it did not fire
   * @param precision {@code tp/(tp+fp)}, 0 when nothing fired
   * @param recall {@code tp/(tp+fn)}
   * @param f1 harmonic mean of precision and recall, 0 when both are 0
   */
  public record Score(int tp, int fp, int fn, double precision, double recall, double f1) {
    /** The score of these counts. */
    public static Score of(int tp, int fp, int fn) {
      double p = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
      double r = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
      double f = p + r == 0 ? 0 : 2 * p * r / (p + r);
      return new Score(tp, fp, fn, p, r, f);
    }

    /** Gold positives: {@code tp + fn}. */
    public int support() {
      return tp + fn;
    }
  }

  /**
   * One detector error.
   *
   * @param behaviour whose detector erred
   * @param step the step
   * @param missed true for a missed gold positive, false for a false alarm
   */
  public record Error(Behaviour behaviour, LabelledStep step, boolean missed) {
    public Error {
      Objects.requireNonNull(behaviour, "behaviour");
      Objects.requireNonNull(step, "step");
    }
  }

  /** Mean F1 over those of {@code behaviours} that were evaluated (0 when none was). */
  public double macroF1Of(java.util.Collection<Behaviour> behaviours) {
    double sum = 0;
    int n = 0;
    for (Behaviour b : behaviours) {
      Score s = scores.get(b);
      if (s != null) {
        sum += s.f1();
        n++;
      }
    }
    return n == 0 ? 0 : sum / n;
  }

  /**
   * The JSON form: {@code {"behaviours":{"<kind>":{"precision","recall","f1","support"}},"macroF1"}},
   * keyed by {@link Behaviour#key()}.
   */
  public ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode root = mapper.createObjectNode();
    ObjectNode bs = root.putObject("behaviours");
    scores.forEach((b, s) -> {
      ObjectNode o = bs.putObject(b.key());
      o.put("precision", round(s.precision()));
      o.put("recall", round(s.recall()));
      o.put("f1", round(s.f1()));
      o.put("support", s.support());
    });
    root.put("macroF1", round(macroF1));
    return root;
  }

  private static double round(double v) {
    return Math.round(v * 10000) / 10000.0;
  }

  /** A Markdown table: behaviour, key, precision, recall, F1, support, then macro F1. */
  public String toMarkdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("| behaviour | gold label | precision | recall | F1 | support |\n");
    sb.append("|---|---|---:|---:|---:|---:|\n");
    scores.forEach((b, s) -> sb.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.3f | %d |%n",
        b.label(), b.key(), s.precision(), s.recall(), s.f1(), s.support())));
    sb.append(String.format(Locale.ROOT, "| **macro F1** | | | | **%.3f** | %d steps |%n", macroF1, steps));
    return sb.toString();
  }
}
