package io.ltm.metrics.experiment;

import io.ltm.metrics.stats.Power;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The verdict from the primary metrics' results, in this order:
 *
 * <ol>
 *   <li>{@link Verdict.Kind#SPECIFIC_EFFECT}: some primary metric is significant vs base and vs
 *       control, in the same direction;
 *   <li>{@link Verdict.Kind#NOT_SPECIFIC}: some primary metric is significant vs base only (the
 *       control moved it about as much);
 *   <li>{@link Verdict.Kind#EFFECT_WITHOUT_CONTROL}: significant vs base, and no control was trained;
 *   <li>{@link Verdict.Kind#TOO_FEW_PROBES}: nothing significant and fewer than 3 probes, or the power
 *       estimate of the most detectable primary comparison needs more probes than were run;
 *   <li>{@link Verdict.Kind#NO_EFFECT}: otherwise (nothing moved, or nothing significant though the
 *       probes sufficed for effects of the size seen).
 * </ol>
 */
final class VerdictRules {
  static final int MIN_PROBES = 3;

  private VerdictRules() {}

  static Verdict decide(List<MetricResult> results, Preregistration prereg, int probes) {
    List<MetricResult> primary = results.stream().filter(MetricResult::primary).toList();
    List<String> details = new ArrayList<>();
    for (MetricResult r : primary) {
      details.add(line(r));
      if (r.vsBase().interval().nonFinite() > 0) {
        details.add(r.metric().key() + ": " + r.vsBase().interval().nonFinite()
            + " probe(s) have a non-finite value (e.g. a -inf log-probability); not tested");
      }
    }
    details.add(String.format(Locale.ROOT, "%d probes x %d training seed(s); Holm-corrected over %d primary tests at alpha %.2f; "
        + "other metrics are exploratory", probes, prereg.trainingSeeds().size(),
        primary.size() * (prereg.hasControl() ? 2 : 1), prereg.alpha()));
    List<MetricResult> specific = new ArrayList<>();
    List<MetricResult> moved = new ArrayList<>();
    for (MetricResult r : primary) {
      if (r.vsBase().significant()) {
        moved.add(r);
        if (r.vsControl() != null && r.vsControl().significant()
            && Math.signum(r.vsControl().interval().mean()) == Math.signum(r.vsBase().interval().mean())) {
          specific.add(r);
        }
      }
    }
    if (!specific.isEmpty()) {
      MetricResult r = specific.get(0);
      return new Verdict(Verdict.Kind.SPECIFIC_EFFECT, r.metric().label() + ": adapter " + r.vsBase().format() + " vs base, "
          + r.vsControl().format() + " vs control — an effect of the thinking in the scenes", details);
    }
    if (!moved.isEmpty()) {
      MetricResult r = moved.get(0);
      if (!prereg.hasControl()) {
        return new Verdict(Verdict.Kind.EFFECT_WITHOUT_CONTROL, r.metric().label() + ": adapter " + r.vsBase().format()
            + " vs base; without a control this cannot tell the scenes' thinking from any fine-tuning (run with --control "
            + "no-reasoning)", details);
      }
      return new Verdict(Verdict.Kind.NOT_SPECIFIC, "the adapter moved " + r.metric().label() + " (" + r.vsBase().format()
          + " vs base) about as much as the control did (control " + r.controlVsBase().format()
          + " vs base): no effect specific to the scenes' thinking", details);
    }
    // Nothing significant: was it too few probes for the effects seen?
    int needed = Integer.MAX_VALUE;
    MetricResult best = null;
    for (MetricResult r : primary) {
      Effect e = r.vsControl() != null ? r.vsControl() : r.vsBase();
      if (e.probesNeeded() < needed) {
        needed = e.probesNeeded();
        best = r;
      }
    }
    if (probes < MIN_PROBES) {
      return new Verdict(Verdict.Kind.TOO_FEW_PROBES, "too few probes to tell: " + probes + " probe(s), a paired test needs at least "
          + MIN_PROBES + (needed < Power.MAX_PROBES ? "; about " + needed + " would be needed to see an effect of the size seen" : ""),
          details);
    }
    if (best == null || needed == Integer.MAX_VALUE) {
      return new Verdict(Verdict.Kind.NO_EFFECT, "no primary metric moved on these " + probes
          + " probes: no effect of the scenes' thinking seen", details);
    }
    Effect e = best.vsControl() != null ? best.vsControl() : best.vsBase();
    String vs = best.vsControl() != null ? " vs control" : " vs base";
    if (needed > probes) {
      return new Verdict(Verdict.Kind.TOO_FEW_PROBES, "too few probes to tell: about " + needed + " would be needed to see an effect "
          + "of this size (" + best.metric().label() + ", " + e.format() + vs + "; " + probes + " probes run)", details);
    }
    return new Verdict(Verdict.Kind.NO_EFFECT, "no significant effect on the primary metrics after correction (largest: "
        + best.metric().label() + " " + e.format() + vs + ")", details);
  }

  static String line(MetricResult r) {
    StringBuilder sb = new StringBuilder(r.metric().label()).append(": adapter ").append(r.vsBase().format()).append(" vs base (p_adj ")
        .append(ExperimentAnalysis.fmtP(r.vsBase().adjustedP())).append(")");
    if (r.vsControl() != null) {
      sb.append(", ").append(r.vsControl().format()).append(" vs control (p_adj ").append(ExperimentAnalysis.fmtP(r.vsControl().adjustedP()))
          .append("); control ").append(r.controlVsBase().format()).append(" vs base");
    }
    return sb.toString();
  }
}
