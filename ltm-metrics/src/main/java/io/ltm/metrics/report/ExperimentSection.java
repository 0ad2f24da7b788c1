package io.ltm.metrics.report;

import io.ltm.metrics.experiment.Effect;
import io.ltm.metrics.experiment.ExperimentResult;
import io.ltm.metrics.experiment.MetricResult;
import io.ltm.metrics.experiment.Preregistration;
import io.ltm.metrics.report.chart.Html;
import java.util.Locale;

/**
 * The report's opening section for a pre-registered experiment: the verdict, its supporting lines, the
 * pre-registration, and one table row per metric (primary first; exploratory rows marked so).
 * Stateless.
 */
final class ExperimentSection {
  private ExperimentSection() {}

  static void render(StringBuilder h, ExperimentResult r) {
    Preregistration p = r.preregistration();
    h.append("<section id=\"experiment\" class=\"verdict\" data-verdict=\"").append(r.verdict().kind()).append("\"><h2>Verdict</h2>")
        .append("<p class=\"headline\">").append(Html.escape(r.verdict().headline())).append("</p><ul>");
    r.verdict().details().forEach(d -> h.append("<li>").append(Html.escape(d)).append("</li>"));
    h.append("</ul><p><small>Pre-registered ").append(Html.escape(p.registeredAt())).append(" in <code>seed.json</code>, before training: ")
        .append("primary metrics ").append(Html.escape(p.primary().stream().map(m -> m.key()).toList().toString()))
        .append(", control <code>").append(Html.escape(p.control())).append("</code>, training seeds ")
        .append(Html.escape(p.trainingSeeds().toString())).append(", probes ").append(Html.escape(p.probes().toString()))
        .append(", sampling ").append(Html.escape(String.format(Locale.ROOT, "temperature %s, top-p %s, top-k %d, seed %d, %d tokens x %d iterations",
            p.sampling().temperature(), p.sampling().topP(), p.sampling().topK(), p.sampling().seed(), p.sampling().maxNewTokens(),
            p.iterations())))
        .append(". Effects are adapter minus comparison, mean over probes and training seeds, with a 95% crossed bootstrap ")
        .append("interval over probes and seeds (expanded percentile); p is a paired t-test across probes, Holm-adjusted over the ")
        .append("primary tests, Benjamini–Hochberg over the exploratory ones. Exploratory rows were not pre-registered: read them ")
        .append("as leads for the next experiment, not as findings.</small></p>");
    h.append("<div class=\"table-wrap\"><table class=\"summary experiment\"><thead><tr><th>metric</th><th>role</th>")
        .append("<th>adapter vs base</th>");
    if (p.hasControl()) {
      h.append("<th>adapter vs control</th><th>control vs base</th>");
    }
    h.append("<th>probes for 80% power</th></tr></thead><tbody>");
    for (MetricResult m : r.metrics()) {
      boolean any = m.vsBase().interval().n() > 0 || m.vsBase().interval().nonFinite() > 0;
      if (!any) {
        continue;
      }
      h.append("<tr").append(m.primary() ? "" : " class=\"exploratory\"").append("><th><code>").append(m.metric().key())
          .append("</code></th><td>").append(m.primary() ? "primary" : "exploratory").append("</td>");
      cell(h, m.vsBase());
      if (p.hasControl()) {
        cell(h, m.vsControl());
        h.append("<td>").append(Html.escape(m.controlVsBase().format())).append("</td>");
      }
      Effect e = m.vsControl() != null ? m.vsControl() : m.vsBase();
      h.append("<td>").append(e.probesNeeded() == Integer.MAX_VALUE ? "–" : String.valueOf(e.probesNeeded())).append("</td></tr>");
    }
    h.append("</tbody></table></div></section>\n");
  }

  private static void cell(StringBuilder h, Effect e) {
    h.append("<td><span class=\"delta").append(e.significant() ? "" : " ns").append("\">").append(Html.escape(e.format()))
        .append("</span><br><small>p_adj ").append(Double.isNaN(e.adjustedP()) ? "n/a"
            : e.adjustedP() < 0.001 ? "&lt;0.001" : String.format(Locale.ROOT, "%.3f", e.adjustedP())).append("</small></td>");
  }
}
