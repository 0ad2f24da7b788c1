package io.ltm.metrics.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ltm.metrics.trace.ThoughtMetrics;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders the fixture run's report in headless Chromium (Debian's {@code /usr/bin/chromium}) and checks
 * the rendered DOM holds every chart, section and probe. Skipped, with a log line, where Chromium is
 * not installed. The screenshot is kept at {@code target/report-screenshot.png} for a human to look at.
 */
class ReportChromiumTest {
  private static final Logger LOG = LoggerFactory.getLogger(ReportChromiumTest.class);
  static Path chromium;

  @TempDir Path tmp;

  @BeforeAll
  static void findChromium() {
    for (String c : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
      if (Files.isExecutable(Path.of(c))) {
        chromium = Path.of(c);
        return;
      }
    }
    System.err.println("ReportChromiumTest SKIPPED: no headless Chromium found (/usr/bin/chromium)");
    LOG.warn("ReportChromiumTest skipped: no headless Chromium found");
  }

  private String run(List<String> extra, Path html, Path profile) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-dev-shm-usage", "--user-data-dir=" + profile));
    cmd.addAll(extra);
    cmd.add(html.toUri().toString());
    Path out = tmp.resolve("chromium-" + System.nanoTime() + ".out");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("chromium did not finish in 120 s");
    }
    assertThat(p.exitValue()).as("chromium exit code").isZero();
    return Files.readString(out, StandardCharsets.UTF_8);
  }

  @Test
  void reportRendersWithEveryChartAndTraceSection() throws Exception {
    assumeTrue(chromium != null, "headless Chromium not installed; skipping the browser check");
    Path run = FixtureRun.copyTo(tmp.resolve("run"));
    RunReport.Result r = RunReport.build(run, ThoughtMetrics.builder().build(), Instant.parse("2025-11-29T12:00:00Z"));

    String dom = run(List.of("--dump-dom"), r.html(), tmp.resolve("profile1"));
    assertThat(dom).contains("<section id=\"training\">", "<section id=\"thought-metrics\">", "<section id=\"traces\">",
        "<section id=\"definitions\">");
    // every chart that has a PNG is in the DOM as an inline SVG with drawn content
    for (Path png : r.charts()) {
      String id = png.getFileName().toString().replace(".png", "");
      assertThat(dom).as("chart " + id).contains("id=\"chart-" + id + "\"");
      int at = dom.indexOf("id=\"chart-" + id + "\"");
      String svg = dom.substring(at, dom.indexOf("</svg>", at));
      assertThat(svg).as("chart " + id + " draws data").containsAnyOf("<polyline", "<circle");
    }
    assertThat(r.charts()).extracting(p -> p.getFileName().toString())
        .contains("loss.png", "lr.png", "tokens-per-s.png", "thought-reflective-per1k.png", "thought-tension-per1k.png");
    // six probes, four model variants each, reasoning set apart from the answer
    assertThat(dom.split("<article class=\"probe\"", -1)).hasSize(7);
    assertThat(dom.split("<div class=\"trace\"", -1)).hasSize(6 * 4 + 1);
    assertThat(dom.split("<div class=\"reasoning\"", -1)).hasSize(48 + 1);
    assertThat(dom.split("<div class=\"answer\"", -1)).hasSize(48 + 1);
    assertThat(dom).contains("<mark class=\"b-verify\"", "<mark class=\"b-tension\"", "<mark class=\"b-reflect\"");
    // trace text stayed text: no element injected by the fixture's "<script>"
    assertThat(dom).doesNotContain("<script");

    Path shot = Path.of("target", "report-screenshot.png").toAbsolutePath();
    Files.createDirectories(shot.getParent());
    run(List.of("--hide-scrollbars", "--window-size=1400,2600", "--screenshot=" + shot), r.html(), tmp.resolve("profile2"));
    BufferedImage img = ImageIO.read(shot.toFile());
    assertThat(img.getWidth()).isEqualTo(1400);
    // not blank: many distinct colours (charts, highlighted table)
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < img.getHeight(); y += 7) {
      for (int x = 0; x < img.getWidth(); x += 7) {
        colours.add(img.getRGB(x, y));
      }
    }
    assertThat(colours.size()).isGreaterThan(50);
    LOG.info("screenshot at {}", shot);
  }
}
