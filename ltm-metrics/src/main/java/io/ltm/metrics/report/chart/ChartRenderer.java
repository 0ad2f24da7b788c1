package io.ltm.metrics.report.chart;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Lays out and draws a {@link LineChart} on a {@link ChartCanvas}: title, axes with "nice" ticks
 * (steps of 1, 2 or 5 times a power of ten), series, intervals and a legend. The same layout serves SVG
 * and PNG, so both show the same picture.
 */
public final class ChartRenderer {
  private static final String AXIS = "#444444";
  private static final String GRID = "#e4e4e4";
  private static final double LEFT = 64;
  private static final double RIGHT = 16;
  private static final double TOP = 34;
  private static final double BOTTOM = 46;

  private ChartRenderer() {}

  /** Draws {@code chart} filling {@code width x height} pixels. */
  public static void render(LineChart chart, ChartCanvas c, int width, int height) {
    c.rect(0, 0, width, height, "#ffffff");
    c.text(width / 2.0, 20, chart.title(), ChartCanvas.Anchor.MIDDLE, 14, "#222222", true, false);
    double legendH = 16 * chart.series().size();
    double px0 = LEFT;
    double px1 = width - RIGHT;
    double py0 = TOP;
    double py1 = height - BOTTOM - legendH;

    double xmin = Double.POSITIVE_INFINITY;
    double xmax = Double.NEGATIVE_INFINITY;
    double ymin = Double.POSITIVE_INFINITY;
    double ymax = Double.NEGATIVE_INFINITY;
    for (LineChart.Series s : chart.series()) {
      for (LineChart.Point p : s.points()) {
        if (!p.defined()) {
          continue;
        }
        xmin = Math.min(xmin, p.x());
        xmax = Math.max(xmax, p.x());
        ymin = Math.min(ymin, p.y());
        ymax = Math.max(ymax, p.y());
        if (Double.isFinite(p.lower())) {
          ymin = Math.min(ymin, p.lower());
        }
        if (Double.isFinite(p.upper())) {
          ymax = Math.max(ymax, p.upper());
        }
      }
    }
    if (!Double.isFinite(xmin)) {
      c.text(width / 2.0, height / 2.0, "no data", ChartCanvas.Anchor.MIDDLE, 12, "#888888", false, false);
      return;
    }
    if (xmax == xmin) {
      xmin -= 1;
      xmax += 1;
    }
    if (ymax == ymin) {
      double d = Math.abs(ymin) > 0 ? Math.abs(ymin) * 0.1 : 1;
      ymin -= d;
      ymax += d;
    }
    double[] yt = ticks(ymin, ymax, 5);
    ymin = Math.min(ymin, yt[0]);
    ymax = Math.max(ymax, yt[yt.length - 1]);
    double[] xt = ticks(xmin, xmax, 6);
    double tickLo = xmin;
    double tickHi = xmax;
    double pad = (xmax - xmin) * 0.03; // keep markers and error bars off the axes
    xmin -= pad;
    xmax += pad;
    double fxmin = xmin;
    double fxmax = xmax;
    double fymin = ymin;
    double fymax = ymax;
    java.util.function.DoubleUnaryOperator sx = x -> px0 + (x - fxmin) / (fxmax - fxmin) * (px1 - px0);
    java.util.function.DoubleUnaryOperator sy = y -> py1 - (y - fymin) / (fymax - fymin) * (py1 - py0);

    for (double t : yt) {
      double y = sy.applyAsDouble(t);
      c.line(px0, y, px1, y, GRID, 1, false);
      c.text(px0 - 6, y + 4, fmt(t, yt), ChartCanvas.Anchor.END, 11, AXIS, false, false);
    }
    for (double t : xt) {
      if (t < tickLo - 1e-9 * Math.abs(tickHi - tickLo) || t > tickHi + 1e-9 * Math.abs(tickHi - tickLo)) {
        continue;
      }
      double x = sx.applyAsDouble(t);
      c.line(x, py1, x, py1 + 4, AXIS, 1, false);
      c.text(x, py1 + 17, fmt(t, xt), ChartCanvas.Anchor.MIDDLE, 11, AXIS, false, false);
    }
    c.line(px0, py0, px0, py1, AXIS, 1, false);
    c.line(px0, py1, px1, py1, AXIS, 1, false);
    c.text((px0 + px1) / 2, py1 + 34, chart.xLabel(), ChartCanvas.Anchor.MIDDLE, 12, AXIS, false, false);
    c.text(16, (py0 + py1) / 2, chart.yLabel(), ChartCanvas.Anchor.MIDDLE, 12, AXIS, false, true);

    for (LineChart.Series s : chart.series()) {
      List<LineChart.Point> pts = new ArrayList<>();
      for (LineChart.Point p : s.points()) {
        if (p.defined()) {
          pts.add(p);
        }
      }
      if (pts.isEmpty()) {
        continue;
      }
      double[] xs = new double[pts.size()];
      double[] ys = new double[pts.size()];
      for (int i = 0; i < xs.length; i++) {
        xs[i] = sx.applyAsDouble(pts.get(i).x());
        ys[i] = sy.applyAsDouble(pts.get(i).y());
      }
      switch (s.style()) {
        case LINE:
          c.polyline(xs, ys, s.color(), 1.6, false);
          break;
        case DASHED_BAND: {
          List<double[]> band = new ArrayList<>();
          for (LineChart.Point p : pts) {
            if (Double.isFinite(p.lower()) && Double.isFinite(p.upper())) {
              band.add(new double[] {sx.applyAsDouble(p.x()), sy.applyAsDouble(p.lower()), sy.applyAsDouble(p.upper())});
            }
          }
          if (band.size() >= 2) {
            double[] bx = new double[band.size() * 2];
            double[] by = new double[band.size() * 2];
            for (int i = 0; i < band.size(); i++) {
              bx[i] = band.get(i)[0];
              by[i] = band.get(i)[2];
              bx[bx.length - 1 - i] = band.get(i)[0];
              by[by.length - 1 - i] = band.get(i)[1];
            }
            c.polygon(bx, by, s.color(), 0.15);
          }
          c.polyline(xs, ys, s.color(), 1.6, true);
          break;
        }
        case POINTS_WITH_ERRORS:
          c.polyline(xs, ys, s.color(), 1.6, false);
          for (int i = 0; i < xs.length; i++) {
            LineChart.Point p = pts.get(i);
            if (Double.isFinite(p.lower()) && Double.isFinite(p.upper())) {
              double yl = sy.applyAsDouble(p.lower());
              double yu = sy.applyAsDouble(p.upper());
              c.line(xs[i], yl, xs[i], yu, s.color(), 1.4, false);
              c.line(xs[i] - 4, yl, xs[i] + 4, yl, s.color(), 1.4, false);
              c.line(xs[i] - 4, yu, xs[i] + 4, yu, s.color(), 1.4, false);
            }
            c.circle(xs[i], ys[i], 3.2, s.color());
          }
          break;
        default:
          throw new IllegalStateException("unknown style " + s.style());
      }
    }
    double ly = height - legendH - 4;
    for (LineChart.Series s : chart.series()) {
      c.line(px0, ly + 8, px0 + 22, ly + 8, s.color(), 2.5, s.style() == LineChart.Style.DASHED_BAND);
      c.text(px0 + 28, ly + 12, s.name(), ChartCanvas.Anchor.START, 11, "#333333", false, false);
      ly += 16;
    }
  }

  /** Nice tick values covering [lo, hi], about {@code n} of them. */
  static double[] ticks(double lo, double hi, int n) {
    double span = hi - lo;
    double raw = span / Math.max(1, n);
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double r = raw / mag;
    double step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
    double start = Math.floor(lo / step) * step;
    double end = Math.ceil(hi / step) * step;
    int count = (int) Math.round((end - start) / step) + 1;
    double[] t = new double[count];
    for (int i = 0; i < count; i++) {
      t[i] = start + i * step;
    }
    return t;
  }

  private static String fmt(double v, double[] ticks) {
    double step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
    if (Math.abs(v) < step * 1e-9) {
      v = 0;
    }
    double a = Math.max(Math.abs(ticks[0]), Math.abs(ticks[ticks.length - 1]));
    if (a != 0 && (a < 1e-3 || a >= 1e6)) {
      return String.format(Locale.ROOT, "%.1e", v);
    }
    int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }
}
