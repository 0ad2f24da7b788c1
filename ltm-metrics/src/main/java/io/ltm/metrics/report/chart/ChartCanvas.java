package io.ltm.metrics.report.chart;

/** The drawing operations a chart needs, in pixels with y pointing down. Colours are {@code #rrggbb}. */
public interface ChartCanvas {
  /** How text is anchored at its x coordinate. */
  enum Anchor {
    START,
    MIDDLE,
    END
  }

  /** A straight line. */
  void line(double x1, double y1, double x2, double y2, String color, double width, boolean dashed);

  /** An open polyline through the points. */
  void polyline(double[] xs, double[] ys, String color, double width, boolean dashed);

  /** A filled polygon with the given opacity in [0, 1]. */
  void polygon(double[] xs, double[] ys, String color, double opacity);

  /** A filled circle. */
  void circle(double cx, double cy, double r, String color);

  /** A filled rectangle. */
  void rect(double x, double y, double w, double h, String color);

  /** Text with its baseline at y; {@code rotate} turns it 90 degrees counter-clockwise. */
  void text(double x, double y, String text, Anchor anchor, double size, String color, boolean bold, boolean rotate);

  /** The approximate width of {@code text} at {@code size} (for layout). */
  default double textWidth(String text, double size) {
    return text.length() * size * 0.55;
  }
}
