package io.ltm.metrics.report.chart;

import java.util.List;
import java.util.Objects;

/**
 * A line chart: x/y series, optionally with intervals, rendered to inline SVG by {@link SvgCanvas} and
 * to PNG by {@link PngCanvas} through the same {@link ChartRenderer}. Immutable.
 *
 * @param id a file- and HTML-safe id ({@code [a-z0-9-]+}), used for the PNG name and the SVG element id
 * @param title the title
 * @param xLabel x-axis label
 * @param yLabel y-axis label
 * @param series the series, drawn in order, at least one
 */
public record LineChart(String id, String title, String xLabel, String yLabel, List<Series> series) {
  public LineChart {
    Objects.requireNonNull(id, "id");
    if (!id.matches("[a-z0-9-]+")) {
      throw new IllegalArgumentException("chart id must match [a-z0-9-]+ but got '" + id + "'");
    }
    Objects.requireNonNull(title, "title");
    xLabel = xLabel == null ? "" : xLabel;
    yLabel = yLabel == null ? "" : yLabel;
    series = List.copyOf(series);
    if (series.isEmpty()) {
      throw new IllegalArgumentException("chart '" + id + "' needs at least one series");
    }
  }

  /** How a series is drawn. */
  public enum Style {
    /** A polyline. */
    LINE,
    /** A polyline with markers and vertical error bars from lower to upper. */
    POINTS_WITH_ERRORS,
    /** A dashed polyline over a translucent band from lower to upper. */
    DASHED_BAND
  }

  /**
   * One series.
   *
   * @param name legend name
   * @param color CSS hex colour {@code #rrggbb}
   * @param style how to draw it
   * @param points the points, in x order; non-finite y values are skipped
   */
  public record Series(String name, String color, Style style, List<Point> points) {
    public Series {
      Objects.requireNonNull(name, "name");
      if (color == null || !color.matches("#[0-9a-fA-F]{6}")) {
        throw new IllegalArgumentException("colour must be #rrggbb but got '" + color + "'");
      }
      Objects.requireNonNull(style, "style");
      points = List.copyOf(points);
    }
  }

  /**
   * One point; {@code lower}/{@code upper} are NaN when it has no interval.
   *
   * @param x x value
   * @param y y value
   * @param lower interval lower end
   * @param upper interval upper end
   */
  public record Point(double x, double y, double lower, double upper) {
    /** A point without an interval. */
    public static Point of(double x, double y) {
      return new Point(x, y, Double.NaN, Double.NaN);
    }

    /** True when y is finite. */
    public boolean defined() {
      return Double.isFinite(x) && Double.isFinite(y);
    }
  }
}
