package io.ltm.metrics.report.chart;

import java.util.Locale;

/** A {@link ChartCanvas} that builds an inline {@code <svg>} element. Not thread-safe. */
public final class SvgCanvas implements ChartCanvas {
  private final StringBuilder sb = new StringBuilder(8192);
  private final int width;
  private final int height;

  private SvgCanvas(int width, int height) {
    this.width = width;
    this.height = height;
  }

  /** The chart as an {@code <svg>} element with {@code id="chart-<id>"} and a {@code <title>}. */
  public static String render(LineChart chart, int width, int height) {
    SvgCanvas c = new SvgCanvas(width, height);
    ChartRenderer.render(chart, c, width, height);
    return "<svg id=\"chart-" + chart.id() + "\" class=\"chart\" width=\"" + width
        + "\" height=\"" + height + "\" viewBox=\"0 0 " + width + " " + height + "\" role=\"img\" aria-label=\""
        + Html.escape(chart.title()) + "\"><title>" + Html.escape(chart.title()) + "</title>" + c.sb + "</svg>";
  }

  private static String n(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  private static String points(double[] xs, double[] ys) {
    StringBuilder p = new StringBuilder();
    for (int i = 0; i < xs.length; i++) {
      if (i > 0) {
        p.append(' ');
      }
      p.append(n(xs[i])).append(',').append(n(ys[i]));
    }
    return p.toString();
  }

  @Override
  public void line(double x1, double y1, double x2, double y2, String color, double w, boolean dashed) {
    sb.append("<line x1=\"").append(n(x1)).append("\" y1=\"").append(n(y1)).append("\" x2=\"").append(n(x2))
        .append("\" y2=\"").append(n(y2)).append("\" stroke=\"").append(color).append("\" stroke-width=\"").append(w)
        .append('"').append(dashed ? " stroke-dasharray=\"6 4\"" : "").append("/>");
  }

  @Override
  public void polyline(double[] xs, double[] ys, String color, double w, boolean dashed) {
    sb.append("<polyline fill=\"none\" points=\"").append(points(xs, ys)).append("\" stroke=\"").append(color)
        .append("\" stroke-width=\"").append(w).append('"').append(dashed ? " stroke-dasharray=\"6 4\"" : "").append("/>");
  }

  @Override
  public void polygon(double[] xs, double[] ys, String color, double opacity) {
    sb.append("<polygon points=\"").append(points(xs, ys)).append("\" fill=\"").append(color)
        .append("\" fill-opacity=\"").append(opacity).append("\" stroke=\"none\"/>");
  }

  @Override
  public void circle(double cx, double cy, double r, String color) {
    sb.append("<circle cx=\"").append(n(cx)).append("\" cy=\"").append(n(cy)).append("\" r=\"").append(r)
        .append("\" fill=\"").append(color).append("\"/>");
  }

  @Override
  public void rect(double x, double y, double w, double h, String color) {
    sb.append("<rect x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" width=\"").append(n(w))
        .append("\" height=\"").append(n(h)).append("\" fill=\"").append(color).append("\"/>");
  }

  @Override
  public void text(double x, double y, String text, Anchor anchor, double size, String color, boolean bold, boolean rotate) {
    String a = anchor == Anchor.START ? "start" : anchor == Anchor.MIDDLE ? "middle" : "end";
    sb.append("<text x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" font-family=\"sans-serif\" font-size=\"")
        .append(size).append("\" fill=\"").append(color).append("\" text-anchor=\"").append(a).append('"');
    if (bold) {
      sb.append(" font-weight=\"bold\"");
    }
    if (rotate) {
      sb.append(" transform=\"rotate(-90 ").append(n(x)).append(' ').append(n(y)).append(")\"");
    }
    sb.append('>').append(Html.escape(text)).append("</text>");
  }
}
