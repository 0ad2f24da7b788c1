package io.ltm.metrics.report.chart;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;

/**
 * A {@link ChartCanvas} drawing with Java2D into an image, written as PNG (headless AWT, no display
 * needed). Not thread-safe.
 */
public final class PngCanvas implements ChartCanvas {
  private final Graphics2D g;

  private PngCanvas(Graphics2D g) {
    this.g = g;
  }

  /**
   * Renders {@code chart} laid out at {@code width x height} and drawn at {@code scale} times that many
   * pixels (2 for sharp images on high-density screens), and writes it to {@code file} atomically
   * (temp file + rename).
   */
  public static void write(LineChart chart, int width, int height, double scale, Path file) throws IOException {
    if (!(scale > 0) || scale > 8) {
      throw new IllegalArgumentException("scale must be in (0, 8] but got " + scale);
    }
    System.setProperty("java.awt.headless", "true");
    BufferedImage img = new BufferedImage((int) Math.round(width * scale), (int) Math.round(height * scale),
        BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.scale(scale, scale);
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      ChartRenderer.render(chart, new PngCanvas(g), width, height);
    } finally {
      g.dispose();
    }
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
    try {
      if (!ImageIO.write(img, "png", tmp.toFile())) {
        throw new IOException("no PNG writer available");
      }
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static Color color(String hex) {
    return Color.decode(hex);
  }

  private void stroke(double w, boolean dashed) {
    g.setStroke(dashed
        ? new BasicStroke((float) w, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {6f, 4f}, 0f)
        : new BasicStroke((float) w, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
  }

  @Override
  public void line(double x1, double y1, double x2, double y2, String c, double w, boolean dashed) {
    g.setColor(color(c));
    stroke(w, dashed);
    g.draw(new Line2D.Double(x1, y1, x2, y2));
  }

  @Override
  public void polyline(double[] xs, double[] ys, String c, double w, boolean dashed) {
    if (xs.length == 0) {
      return;
    }
    Path2D.Double p = new Path2D.Double();
    p.moveTo(xs[0], ys[0]);
    for (int i = 1; i < xs.length; i++) {
      p.lineTo(xs[i], ys[i]);
    }
    g.setColor(color(c));
    stroke(w, dashed);
    g.draw(p);
  }

  @Override
  public void polygon(double[] xs, double[] ys, String c, double opacity) {
    Path2D.Double p = new Path2D.Double();
    p.moveTo(xs[0], ys[0]);
    for (int i = 1; i < xs.length; i++) {
      p.lineTo(xs[i], ys[i]);
    }
    p.closePath();
    Color base = color(c);
    g.setColor(new Color(base.getRed(), base.getGreen(), base.getBlue(), (int) Math.round(opacity * 255)));
    g.fill(p);
  }

  @Override
  public void circle(double cx, double cy, double r, String c) {
    g.setColor(color(c));
    g.fill(new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r));
  }

  @Override
  public void rect(double x, double y, double w, double h, String c) {
    g.setColor(color(c));
    g.fill(new Rectangle2D.Double(x, y, w, h));
  }

  @Override
  public void text(double x, double y, String text, Anchor anchor, double size, String c, boolean bold, boolean rotate) {
    g.setFont(new Font(Font.SANS_SERIF, bold ? Font.BOLD : Font.PLAIN, (int) Math.round(size)));
    g.setColor(color(c));
    double w = g.getFontMetrics().stringWidth(text);
    double dx = anchor == Anchor.START ? 0 : anchor == Anchor.MIDDLE ? -w / 2 : -w;
    if (rotate) {
      AffineTransform old = g.getTransform();
      g.rotate(-Math.PI / 2, x, y);
      g.drawString(text, (float) (x + dx), (float) y);
      g.setTransform(old);
    } else {
      g.drawString(text, (float) (x + dx), (float) y);
    }
  }
}
