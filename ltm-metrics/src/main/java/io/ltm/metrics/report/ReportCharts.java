package io.ltm.metrics.report;

import io.ltm.metrics.report.chart.LineChart;
import io.ltm.metrics.report.chart.LineChart.Point;
import io.ltm.metrics.report.chart.LineChart.Series;
import io.ltm.metrics.report.chart.LineChart.Style;
import io.ltm.metrics.stats.Interval;
import io.ltm.metrics.trace.Metric;
import io.ltm.metrics.trace.MetricsSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Builds the report's charts from a training log and a metrics summary. */
public final class ReportCharts {
  /** Colours of adapters in order; the base is grey. */
  static final String[] PALETTE = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"};
  static final String BASE_COLOR = "#555555";

  private ReportCharts() {}

  /** Training charts: loss (train and eval), learning rate, tokens/s, gradient norm; empty without a log. */
  public static List<LineChart> training(TrainingLog log) {
    List<LineChart> out = new ArrayList<>();
    if (log == null || log.train().isEmpty() && log.eval().isEmpty()) {
      return out;
    }
    List<Point> loss = new ArrayList<>();
    List<Point> lr = new ArrayList<>();
    List<Point> tps = new ArrayList<>();
    List<Point> gn = new ArrayList<>();
    for (TrainingLog.TrainStep s : log.train()) {
      loss.add(Point.of(s.step(), s.loss()));
      lr.add(Point.of(s.step(), s.lr()));
      tps.add(Point.of(s.step(), s.tokensPerS()));
      gn.add(Point.of(s.step(), s.gradNorm()));
    }
    List<Point> eval = new ArrayList<>();
    for (TrainingLog.EvalStep e : log.eval()) {
      eval.add(new Point(e.step(), e.evalLoss(), Double.NaN, Double.NaN));
    }
    List<Series> ls = new ArrayList<>();
    ls.add(new Series("train loss", PALETTE[0], Style.LINE, loss));
    if (!eval.isEmpty()) {
      ls.add(new Series("eval loss", PALETTE[1], Style.POINTS_WITH_ERRORS, eval));
    }
    out.add(new LineChart("loss", "Training and eval loss", "step", "loss", ls));
    out.add(new LineChart("lr", "Learning rate", "step", "lr", List.of(new Series("lr", PALETTE[2], Style.LINE, lr))));
    out.add(new LineChart("tokens-per-s", "Throughput", "step", "tokens/s",
        List.of(new Series("tokens/s", PALETTE[3], Style.LINE, tps))));
    out.add(new LineChart("grad-norm", "Gradient norm", "step", "grad norm",
        List.of(new Series("grad norm", PALETTE[4], Style.LINE, gn))));
    return out;
  }

  /**
   * One chart per metric with any value: each adapter's mean per checkpoint with 95% intervals, the
   * base as a dashed line over its interval band. Adapters without checkpoints sit at {@code defaultX}.
   */
  public static Map<Metric, LineChart> thought(MetricsSummary summary, double defaultX) {
    Map<Metric, LineChart> out = new LinkedHashMap<>();
    double xmin = Double.POSITIVE_INFINITY;
    double xmax = Double.NEGATIVE_INFINITY;
    for (MetricsSummary.Group g : summary.groups()) {
      if (!g.isBase() && !g.allCheckpoints()) {
        double x = g.checkpoint() == null ? defaultX : g.checkpoint();
        xmin = Math.min(xmin, x);
        xmax = Math.max(xmax, x);
      }
    }
    if (!Double.isFinite(xmin)) {
      xmin = 0;
      xmax = Math.max(1, defaultX);
    }
    for (Metric m : Metric.values()) {
      List<Series> series = new ArrayList<>();
      boolean any = false;
      Map<String, List<Point>> adapters = new LinkedHashMap<>();
      for (MetricsSummary.Group g : summary.groups()) {
        Interval iv = g.means().get(m);
        if (iv == null || iv.n() == 0) {
          continue;
        }
        any = true;
        if (g.isBase()) {
          series.add(new Series(g.label() + " (base)", BASE_COLOR, Style.DASHED_BAND, List.of(
              new Point(xmin, iv.mean(), iv.lower(), iv.upper()), new Point(xmax, iv.mean(), iv.lower(), iv.upper()))));
        } else if (!g.allCheckpoints()) {
          double x = g.checkpoint() == null ? defaultX : g.checkpoint();
          adapters.computeIfAbsent(g.model() + "+" + g.adapter(), k -> new ArrayList<>())
              .add(new Point(x, iv.mean(), iv.lower(), iv.upper()));
        }
      }
      if (!any) {
        continue;
      }
      int c = 0;
      for (Map.Entry<String, List<Point>> e : adapters.entrySet()) {
        List<Point> pts = new ArrayList<>(e.getValue());
        pts.sort((a, b) -> Double.compare(a.x(), b.x()));
        series.add(new Series(e.getKey(), PALETTE[c++ % PALETTE.length], Style.POINTS_WITH_ERRORS, pts));
      }
      String id = "thought-" + m.key().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "");
      out.put(m, new LineChart(id, m.label(), "checkpoint (step)", m.label(), series));
    }
    return out;
  }
}
