package io.ltm.studio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ltm.core.loop.TraceReader;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The studio in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * driven by Selenium) on the built-in random model: ask and watch reasoning and answer stream into
 * their panes, compare base and adapter, run a loop of two iterations, open a run and see its charts,
 * break a scene, see the message at its line, fix it and save. Screenshots go to {@code
 * target/studio-screenshots/}. Skipped, with a line saying so, where Chromium or its driver is missing
 * ({@code -Dltm.chromium} and {@code -Dltm.chromedriver} name other paths).
 */
class StudioBrowserTest {
  /** Debian's paths; {@code -Dltm.chromium=...} and {@code -Dltm.chromedriver=...} point elsewhere. */
  static final Path CHROMIUM = Path.of(System.getProperty("ltm.chromium", "/usr/bin/chromium"));
  static final Path DRIVER = Path.of(System.getProperty("ltm.chromedriver", "/usr/bin/chromedriver"));
  static final Path SHOTS = Path.of("target/studio-screenshots");

  @TempDir static Path tmp;
  static StudioFixture fx;
  static Studio studio;
  static WebDriver driver;
  static String base;

  @BeforeAll
  static void start() throws IOException {
    boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
    if (!present) {
      System.err.println("StudioBrowserTest skipped: no " + CHROMIUM + " or " + DRIVER
          + " (apt-get install -y chromium chromium-driver to run the studio's browser tests)");
    }
    assumeTrue(present, "Chromium and chromedriver are not installed (apt-get install -y chromium chromium-driver)");
    Files.createDirectories(SHOTS);
    fx = new StudioFixture(tmp);
    studio = fx.studio().build().start();
    base = "http://127.0.0.1:" + studio.port() + "/";
    ChromeOptions o = new ChromeOptions();
    o.setBinary(CHROMIUM.toFile());
    o.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,950",
        "--disable-extensions", "--no-first-run");
    ChromeDriverService svc = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
    driver = new ChromeDriver(svc, o);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() {
    if (driver != null) {
      driver.quit();
    }
    if (studio != null) {
      studio.close();
    }
  }

  @Test
  void askStreamsReasoningAndAnswerIntoTheirPanes() throws IOException {
    open("#ask");
    assertThat(driver.findElement(By.id("banner")).getText()).contains("RANDOM model");
    WebElement prompt = driver.findElement(By.id("ask-prompt"));
    prompt.clear();
    prompt.sendKeys("Should I verify the result before answering?");
    setNumber("maxNewTokens", 48);
    setNumber("thinkBudget", 24);
    driver.findElement(By.id("ask-go")).click();
    // Tokens arrive one by one: the reasoning pane has text before the answer pane gets any.
    WebDriverWait w = waitFor(120);
    w.until(d -> !pane("reasoning").getText().isBlank());
    w.until(d -> "true".equals(page().getAttribute("data-done")));
    shot("ask");
    assertThat(driver.findElement(By.id("ask-status")).getText()).contains("48 tokens");
    assertThat(pane("reasoning").getText()).isNotBlank();
    assertThat(pane("answer").getText()).isNotBlank();
    assertThat(driver.findElement(By.id("ask-metrics")).getText()).contains("entropyMean");
    driver.findElement(By.id("ask-heat")).click();
    List<WebElement> heat = driver.findElements(By.cssSelector(".pane.answer .text span[title^='entropy']"));
    assertThat(heat).isNotEmpty();
    shot("ask-heatmap");

    // Stop: a long generation ends at the button, keeping what it wrote.
    setNumber("maxNewTokens", 3000);
    setNumber("thinkBudget", 0);
    driver.findElement(By.id("ask-go")).click();
    w.until(d -> d.findElement(By.id("ask-status")).getText().matches("\\d+ tokens…"));
    driver.findElement(By.id("ask-stop")).click();
    w.until(d -> d.findElement(By.id("ask-status")).getText().startsWith("stopped after"));
    assertThat(driver.findElement(By.id("ask-status")).getText()).contains("stopped by the user");
    shot("ask-stopped");

    // Leaving the page mid-generation closes its event stream, and the server stops generating.
    driver.findElement(By.id("ask-go")).click();
    w.until(d -> d.findElement(By.id("ask-status")).getText().matches("\\d+ tokens…"));
    assertThat(studio.runningJobs()).isEqualTo(1);
    open("#runs");
    w.until(d -> studio.runningJobs() == 0);
  }

  @Test
  void compareStreamsBaseAndAdapterSideBySide() throws IOException {
    open("#compare");
    WebElement prompt = driver.findElement(By.id("compare-prompt"));
    prompt.clear();
    prompt.sendKeys("Is a five-point difference real?");
    setNumber("maxNewTokens", 40);
    setNumber("thinkBudget", 20);
    driver.findElement(By.id("compare-go")).click();
    waitFor(120).until(d -> "true".equals(page().getAttribute("data-done")));
    shot("compare");
    List<WebElement> cols = driver.findElements(By.cssSelector("#compare-grid .column"));
    assertThat(cols).hasSize(2);
    assertThat(cols.get(0).getText()).contains("(base)");
    assertThat(cols.get(1).getText()).contains("demo-run");
    String baseAnswer = cols.get(0).findElement(By.cssSelector(".pane.answer .text")).getText();
    String adapterAnswer = cols.get(1).findElement(By.cssSelector(".pane.answer .text")).getText();
    assertThat(baseAnswer).isNotBlank();
    assertThat(adapterAnswer).isNotBlank().isNotEqualTo(baseAnswer);
    for (WebElement c : cols) {
      assertThat(c.getAttribute("data-done")).isEqualTo("true");
      assertThat(c.findElement(By.cssSelector(".metrics")).getText()).contains("tokens");
    }
  }

  @Test
  void loopRunsTwoIterationsAndWritesTheTrace() throws IOException {
    open("#loop");
    WebElement prompt = driver.findElement(By.id("loop-prompt"));
    prompt.clear();
    prompt.sendKeys("Is retrieval enough?");
    WebElement run = driver.findElement(By.id("loop-run"));
    run.clear();
    run.sendKeys("browser-loop");
    setNumber("maxNewTokens", 40);
    setNumber("thinkBudget", 20);
    driver.findElement(By.id("loop-go")).click();
    waitFor(180).until(d -> "true".equals(page().getAttribute("data-done")));
    shot("loop");
    assertThat(driver.findElement(By.id("loop-status")).getText()).contains("trace written to runs/browser-loop/traces/loop.jsonl");
    List<WebElement> its = driver.findElements(By.cssSelector("#loop-iterations-stack .iteration"));
    assertThat(its).hasSize(2);
    assertThat(its.get(1).findElements(By.cssSelector(".diff"))).hasSize(1);
    Path trace = fx.runs.resolve("browser-loop/traces/loop.jsonl");
    assertThat(TraceReader.read(trace).records()).hasSize(2);
  }

  @Test
  void aRunShowsItsChartsMetricsAndEscapedTraces() throws IOException {
    open("#runs");
    waitFor(30).until(ExpectedConditions.elementToBeClickable(By.cssSelector("#runs-list button[data-run='demo-run']"))).click();
    waitFor(60).until(d -> !d.findElements(By.cssSelector("figure[data-chart='loss'] svg polyline")).isEmpty());
    shot("runs");
    Object rendered = ((JavascriptExecutor) driver).executeScript(
        "const l = document.querySelector(\"figure[data-chart='loss'] svg polyline\");"
            + "return l.namespaceURI === 'http://www.w3.org/2000/svg' && l.getBBox().width > 100;");
    assertThat(rendered).as("the loss curve is drawn as SVG").isEqualTo(true);
    assertThat(driver.findElements(By.cssSelector("figure[data-chart^='thought-'] svg"))).isNotEmpty();
    assertThat(driver.findElement(By.id("run-summary")).getText()).contains("random-qwen3+demo-run@20").contains("Δ");
    // Trace text that is markup shows as text and runs nothing.
    WebElement p1 = driver.findElement(By.cssSelector("article.probe[data-probe='p1']"));
    assertThat(p1.getText()).contains("<img src=x onerror=");
    assertThat(p1.findElements(By.tagName("img"))).isEmpty();
    assertThat(p1.findElements(By.tagName("script"))).isEmpty();
    assertThat(driver.findElement(By.tagName("body")).getAttribute("data-pwned")).isNull();
    assertThat(p1.findElements(By.cssSelector("mark.b-verify, mark.b-backtrack, mark.b-tension, mark.b-reflect"))).isNotEmpty();
    ((JavascriptExecutor) driver).executeScript("document.getElementById('run-summary').scrollIntoView()");
    shot("runs-metrics");
    ((JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView()", p1);
    shot("runs-probes");
  }

  @Test
  void aSceneErrorIsMarkedAtItsLineThenFixedAndSaved() throws IOException {
    open("#scenes");
    waitFor(30).until(ExpectedConditions.elementToBeClickable(By.cssSelector("#scene-files a[data-name='first.yaml']"))).click();
    WebElement text = driver.findElement(By.id("scene-text"));
    waitFor(30).until(d -> !text.getAttribute("value").isEmpty() && !d.findElement(By.id("scene-tokens")).getText().isEmpty());
    assertThat(driver.findElement(By.id("scene-tokens")).getText()).matches("first: \\d+ tokens");
    assertThat(driver.findElement(By.cssSelector("pre.chatml")).getText()).contains("<|im_start|>assistant").contains("<think>");
    String original = text.getAttribute("value");
    String broken = original.replace("kind: tension", "kind: tensoin");
    int line = lineOf(broken, "kind: tensoin");
    setValue(text, broken);
    WebDriverWait w = waitFor(30);
    w.until(d -> !d.findElements(By.cssSelector("#scene-gutter div.err[data-line='" + line + "']")).isEmpty());
    WebElement problem = driver.findElement(By.cssSelector("#scene-problems li.error"));
    assertThat(problem.getText()).startsWith("line " + line).contains("thought[2].kind").contains("tensoin");
    shot("scenes-error");
    // Saving with an error is refused.
    driver.findElement(By.id("scene-save")).click();
    w.until(d -> d.findElement(By.id("scene-status")).getText().contains("not saved"));
    assertThat(Files.readString(fx.scenes.resolve("first.yaml"))).isEqualTo(original);
    String fixed = broken.replace("kind: tensoin", "kind: tension").replace("A short title", "Saved from the browser");
    setValue(text, fixed);
    w.until(d -> "0".equals(d.findElement(By.id("scene-problems")).getAttribute("data-errors")));
    assertThat(driver.findElements(By.cssSelector("#scene-gutter div.err"))).isEmpty();
    driver.findElement(By.id("scene-save")).click();
    w.until(d -> d.findElement(By.id("scene-status")).getText().startsWith("saved"));
    shot("scenes-saved");
    assertThat(Files.readString(fx.scenes.resolve("first.yaml"))).isEqualTo(fixed);
    // Another tab (or editor) saves meanwhile: this editor's next save is refused, the other save kept.
    String other = fixed.replace("Saved from the browser", "Saved elsewhere");
    Files.writeString(fx.scenes.resolve("first.yaml"), other);
    setValue(text, fixed.replace("Saved from the browser", "Saved here again"));
    w.until(d -> "0".equals(d.findElement(By.id("scene-problems")).getAttribute("data-errors")));
    driver.findElement(By.id("scene-save")).click();
    w.until(d -> d.findElement(By.id("scene-status")).getText().contains("changed by another save"));
    shot("scenes-conflict");
    assertThat(Files.readString(fx.scenes.resolve("first.yaml"))).isEqualTo(other);
  }

  // ---- helpers

  private static void open(String hash) {
    driver.get(base + hash);
    waitFor(30).until(d -> {
      Object ready = ((JavascriptExecutor) d).executeScript(
          "const p = document.getElementById('page'); return p && p.dataset.page ? p.dataset.page : null;");
      return hash.substring(1).equals(ready);
    });
    // Every page says that the built-in random model runs.
    assertThat(driver.findElement(By.id("banner")).getText()).contains("RANDOM model");
  }

  private static WebElement page() {
    return driver.findElement(By.id("page"));
  }

  private static WebElement pane(String kind) {
    return driver.findElement(By.cssSelector(".pane." + kind + " .text"));
  }

  private static void setNumber(String name, int value) {
    WebElement e = driver.findElement(By.cssSelector("#page input[name='" + name + "']"));
    e.clear();
    e.sendKeys(Integer.toString(value));
  }

  private static void setValue(WebElement area, String value) {
    ((JavascriptExecutor) driver).executeScript(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", area, value);
  }

  private static int lineOf(String text, String needle) {
    return text.substring(0, text.indexOf(needle)).split("\n", -1).length;
  }

  private static WebDriverWait waitFor(int seconds) {
    return new WebDriverWait(driver, Duration.ofSeconds(seconds));
  }

  private static void shot(String name) throws IOException {
    File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
    Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
  }
}
