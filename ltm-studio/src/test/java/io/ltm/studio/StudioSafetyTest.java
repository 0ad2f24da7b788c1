package io.ltm.studio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.core.loop.TraceReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The studio's safety rules, each over real HTTP against a running studio on the built-in random
 * model: loopback by default, a token beyond it, no path traversal, request size limits, no state
 * change on GET, Origin checks, escaping headers, generation stopped by a closed event stream or the
 * Stop button, and two writers never corrupting a scene file or a run's trace.
 */
class StudioSafetyTest {
  @TempDir static Path tmp;
  static StudioFixture fx;
  static Studio studio;
  static String base;
  static String origin;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final ObjectMapper json = new ObjectMapper();

  @BeforeAll
  static void start() throws IOException {
    fx = new StudioFixture(tmp);
    studio = fx.studio().maxRequestBytes(64 * 1024).thinkBudget(0).build().start();
    origin = "http://127.0.0.1:" + studio.port();
    base = origin;
  }

  @AfterAll
  static void stop() {
    if (studio != null) {
      studio.close();
    }
  }

  // ---- loopback and token

  @Test
  void listensOnTheLoopbackByDefault() {
    Studio.Builder b = Studio.builder();
    assertThat(b.build().loopback()).isTrue();
    assertThat(studio.boundAddress().getAddress().isLoopbackAddress()).isTrue();
    assertThat(studio.url()).startsWith("http://127.0.0.1:");
  }

  @Test
  void anotherHostNeedsAToken() {
    assertThatThrownBy(() -> Studio.builder().host("0.0.0.0").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--token");
    assertThatThrownBy(() -> Studio.builder().host("0.0.0.0").token("short").build())
        .hasMessageContaining("at least 16");
    assertThat(Studio.builder().host("0.0.0.0").token("0123456789abcdef-xyz").build().loopback()).isFalse();
  }

  @Test
  void aTokenIsCheckedOnEveryRequestAndSetAsACookieByTheLink() throws Exception {
    String token = "secret-token-0123456789";
    try (Studio s = Studio.builder().port(0).token(token).build().start()) {
      String b = "http://127.0.0.1:" + s.port();
      assertThat(s.url()).endsWith("/?token=" + token);
      assertThat(send(get(b + "/api/info")).statusCode()).isEqualTo(401);
      assertThat(send(get(b + "/api/info").header("Authorization", "Bearer wrong-token-0123456789")).statusCode()).isEqualTo(401);
      assertThat(send(get(b + "/api/info").header("Authorization", "Bearer " + token)).statusCode()).isEqualTo(200);
      HttpResponse<String> page = send(get(b + "/?token=" + token));
      assertThat(page.statusCode()).isEqualTo(200);
      String cookie = page.headers().firstValue("Set-Cookie").orElseThrow();
      assertThat(cookie).contains(RequestGuard.COOKIE + "=" + token).containsIgnoringCase("HttpOnly").containsIgnoringCase("SameSite=Strict");
      assertThat(send(get(b + "/api/info").header("Cookie", RequestGuard.COOKIE + "=" + token)).statusCode()).isEqualTo(200);
      assertThat(send(get(b + "/?token=nope-nope-nope-nope")).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void aForeignHostHeaderIsRefused() throws Exception {
    // A DNS-rebinding page reaches 127.0.0.1 under its own name.
    assertThat(rawGet("/api/info", "evil.example:" + studio.port())).startsWith("HTTP/1.1 403");
    assertThat(rawGet("/api/info", "127.0.0.1.nip.io:" + studio.port())).startsWith("HTTP/1.1 403");
    assertThat(rawGet("/api/info", "localhost:" + studio.port())).startsWith("HTTP/1.1 200");
  }

  // ---- paths

  @Test
  void noPathLeavesItsRoot() throws Exception {
    Path secret = tmp.resolve("secret.yaml");
    Files.writeString(secret, "id: secret\n");
    Files.createSymbolicLink(fx.scenes.resolve("link.yaml"), secret);
    Files.createSymbolicLink(fx.scenes.resolve("outside"), tmp);
    for (String name : List.of("../secret.yaml", "..%2Fsecret.yaml", "%2e%2e/secret.yaml", "/etc/passwd", "..\\secret.yaml",
        "link.yaml", "outside/secret.yaml", "sub/../../secret.yaml", "C:/x.yaml", ".hidden.yaml")) {
      HttpResponse<String> r = send(get(base + "/api/scenes/file?name=" + java.net.URLEncoder.encode(name, StandardCharsets.UTF_8)));
      assertThat(r.statusCode()).as(name).isEqualTo(400);
      assertThat(r.body()).as(name).doesNotContain("id: secret");
    }
    // Saving through a link or upwards writes nothing outside.
    HttpResponse<String> w = send(post("/api/scenes/file", "{\"name\":\"outside/new.yaml\",\"text\":" + q(SceneFiles.template("x")) + "}", "PUT"));
    assertThat(w.statusCode()).isEqualTo(400);
    assertThat(tmp.resolve("new.yaml")).doesNotExist();
    // Run names and asset names.
    for (String path : List.of("/api/runs/..", "/api/runs/..%2F..%2Fsecret.yaml", "/api/runs/%2e%2e", "/assets/..%2Fstudio.css",
        "/assets/../../pom.xml", "/assets/%2e%2e%2fpom.xml", "/assets/StudioSafetyTest.class")) {
      HttpResponse<String> r = send(get(base + path));
      assertThat(r.statusCode()).as(path).isIn(400, 404);
      assertThat(r.body()).as(path).doesNotContain("<project").doesNotContain("id: secret");
    }
    Files.delete(fx.scenes.resolve("link.yaml"));
    Files.delete(fx.scenes.resolve("outside"));
  }

  @Test
  void largeRequestsAreRefused() throws Exception {
    String before = Files.readString(fx.scenes.resolve("second.yaml"));
    String big = "x".repeat(200 * 1024);
    HttpResponse<String> r = send(post("/api/scenes/file", "{\"name\":\"second.yaml\",\"text\":\"" + big + "\",\"version\":\"v\"}", "PUT"));
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(Files.readString(fx.scenes.resolve("second.yaml"))).isEqualTo(before);
    assertThat(send(post("/api/ask", "{\"prompt\":\"" + "y".repeat(30_000) + "\"}", "POST")).statusCode()).isEqualTo(400);
  }

  // ---- methods and origins

  @Test
  void getNeverChangesAFile() throws Exception {
    Map<String, String> before = snapshot(tmp);
    for (String path : List.of("/", "/api/info", "/api/runs", "/api/runs/demo-run", "/api/scenes", "/api/scenes/ids", "/api/scenes/file?name=first.yaml",
        "/api/scenes/new?id=made-by-get", "/api/scenes/file?name=first.yaml&text=broken&version=x", "/api/loop?prompt=hi&run=by-get",
        "/api/ask?prompt=hi", "/api/scenes/validate?name=first.yaml&text=x", "/api/jobs/x/stop")) {
      HttpResponse<String> r = send(get(base + path));
      assertThat(r.statusCode()).as(path).isIn(200, 404, 405);
    }
    assertThat(snapshot(tmp)).isEqualTo(before);
    assertThat(fx.scenes.resolve("made-by-get.yaml")).doesNotExist();
    assertThat(fx.runs.resolve("by-get")).doesNotExist();
  }

  @Test
  void stateChangesNeedTheStudiosOriginAndJson() throws Exception {
    String body = "{\"id\":\"origin-test\"}";
    HttpRequest.Builder noOrigin = HttpRequest.newBuilder(URI.create(base + "/api/scenes/new")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
    assertThat(send(noOrigin).statusCode()).isEqualTo(403);
    assertThat(send(noOrigin.copy().header("Origin", "http://evil.example")).statusCode()).isEqualTo(403);
    assertThat(send(noOrigin.copy().header("Origin", "http://127.0.0.1:1")).statusCode()).isEqualTo(403);
    HttpRequest.Builder form = HttpRequest.newBuilder(URI.create(base + "/api/scenes/new")).header("Origin", origin)
        .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("id=origin-test"));
    assertThat(send(form).statusCode()).isEqualTo(415);
    assertThat(fx.scenes.resolve("origin-test.yaml")).doesNotExist();
    HttpResponse<String> ok = send(post("/api/scenes/new", body, "POST"));
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(fx.scenes.resolve("origin-test.yaml")).exists();
    assertThat(send(post("/api/scenes/new", body, "POST")).statusCode()).isEqualTo(409); // never overwrites
    assertThat(send(HttpRequest.newBuilder(URI.create(base + "/api/scenes/file?name=first.yaml")).header("Origin", origin)
        .DELETE()).statusCode()).isEqualTo(405);
    assertThat(fx.scenes.resolve("first.yaml")).exists();
  }

  @Test
  void answersCarryASecurityPolicyAndJsonIsNotSniffed() throws Exception {
    HttpResponse<String> page = send(get(base + "/"));
    assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("script-src 'self'")
        .contains("default-src 'none'").contains("frame-ancestors 'none'");
    HttpResponse<String> api = send(get(base + "/api/runs/demo-run"));
    assertThat(api.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    assertThat(api.headers().firstValue("X-Content-Type-Options").orElse("")).isEqualTo("nosniff");
    // Hostile trace text travels as a JSON string, to be shown as text by the page.
    JsonNode run = json.readTree(api.body());
    assertThat(run.toString()).contains("onerror");
    assertThat(run.get("probes").get(0).get("variants").get(0).get("iterations").get(0).get("reasoning").asText())
        .contains(StudioFixture.HOSTILE);
  }

  // ---- generation lifetime

  @Test
  void closingTheEventStreamStopsTheGeneration() throws Exception {
    String job = startAsk(3000);
    HttpResponse<InputStream> sse = http.send(get(base + "/api/jobs/" + job + "/events").header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(sse.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
    BufferedReader in = new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8));
    int tokens = 0;
    String line;
    while (tokens < 5 && (line = in.readLine()) != null) {
      if (line.equals("event: token")) {
        tokens++;
      }
    }
    assertThat(tokens).isEqualTo(5);
    sse.body().close(); // the page closes
    JsonNode st = waitForEnd(job);
    assertThat(st.get("state").asText()).isEqualTo("stopped");
    assertThat(st.get("message").asText()).contains("page was closed");
    assertThat(st.get("tokens").asInt()).isLessThan(3000);
  }

  @Test
  void theStopButtonStopsTheGeneration() throws Exception {
    String job = startAsk(3000);
    HttpResponse<InputStream> sse = http.send(get(base + "/api/jobs/" + job + "/events").header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
    BufferedReader in = new BufferedReader(new InputStreamReader(sse.body(), StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.equals("event: token")) {
        break;
      }
    }
    assertThat(send(post("/api/jobs/" + job + "/stop", "{}", "POST")).statusCode()).isEqualTo(200);
    StringBuilder rest = new StringBuilder();
    for (String line; (line = in.readLine()) != null; ) {
      rest.append(line).append('\n');
    }
    assertThat(rest.toString()).contains("event: end").contains("\"state\":\"stopped\"").contains("stopped by the user");
    assertThat(waitForEnd(job).get("tokens").asInt()).isLessThan(3000);
  }

  @Test
  void atMostFourGenerationsRunAtOnce() throws Exception {
    List<String> jobs = new ArrayList<>();
    try {
      for (int i = 0; i < Jobs.MAX_RUNNING; i++) {
        jobs.add(startAsk(3000));
      }
      HttpResponse<String> fifth = send(post("/api/ask", "{\"prompt\":\"one more\"}", "POST"));
      assertThat(fifth.statusCode()).isEqualTo(429);
      assertThat(fifth.body()).contains("running already");
    } finally {
      for (String j : jobs) {
        send(post("/api/jobs/" + j + "/stop", "{}", "POST"));
      }
      for (String j : jobs) {
        assertThat(waitForEnd(j).get("state").asText()).isEqualTo("stopped");
      }
    }
  }

  // ---- two tabs

  @Test
  void concurrentSavesOfOneVersionLetExactlyOneWin() throws Exception {
    JsonNode f = json.readTree(send(get(base + "/api/scenes/file?name=second.yaml")).body());
    String version = f.get("version").asText();
    String text = f.get("text").asText();
    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Future<HttpResponse<String>>> rs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String edited = text.replace("The second scene", "Edit number " + i);
      Callable<HttpResponse<String>> c = () -> send(post("/api/scenes/file",
          "{\"name\":\"second.yaml\",\"text\":" + q(edited) + ",\"version\":\"" + version + "\"}", "PUT"));
      rs.add(pool.submit(c));
    }
    List<Integer> codes = new ArrayList<>();
    for (Future<HttpResponse<String>> r : rs) {
      codes.add(r.get().statusCode());
    }
    pool.shutdown();
    assertThat(codes).containsOnly(200, 409);
    assertThat(codes.stream().filter(c -> c == 200).count()).isEqualTo(1);
    String now = Files.readString(fx.scenes.resolve("second.yaml"));
    assertThat(now).containsPattern("title: Edit number [0-5]\n");
    assertThat(now).isEqualTo(text.replaceFirst("The second scene", now.replaceAll("(?s).*title: (Edit number \\d).*", "$1")));
    try (Stream<Path> s = Files.list(fx.scenes)) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
    HttpResponse<String> conflict = send(post("/api/scenes/file",
        "{\"name\":\"second.yaml\",\"text\":" + q(text) + ",\"version\":\"" + version + "\"}", "PUT"));
    assertThat(conflict.statusCode()).isEqualTo(409);
    assertThat(conflict.body()).contains("changed by another save");
  }

  @Test
  void aSecondLoopOnTheSameRunIsRefusedAndTheTraceStaysWhole() throws Exception {
    String body = "{\"prompt\":\"Two tabs?\",\"run\":\"two-tabs\",\"iterations\":2,\"maxNewTokens\":80}";
    HttpResponse<String> first = send(post("/api/loop", body, "POST"));
    assertThat(first.statusCode()).isEqualTo(200);
    String job = json.readTree(first.body()).get("job").asText();
    HttpResponse<InputStream> sse = http.send(get(base + "/api/jobs/" + job + "/events").header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
    HttpResponse<String> second = send(post("/api/loop", body, "POST"));
    assertThat(second.statusCode()).isEqualTo(409);
    assertThat(second.body()).contains("already");
    String all = new String(sse.body().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(all).contains("event: loopDone").contains("\"state\":\"done\"");
    Path trace = fx.runs.resolve("two-tabs/traces/loop.jsonl");
    TraceReader.TraceLog log = TraceReader.read(trace);
    assertThat(log.warnings()).isEmpty();
    assertThat(log.records()).hasSize(2);
    assertThat(log.records()).extracting(r -> r.iteration()).containsExactly(0, 1);
    assertThat(send(post("/api/loop", body, "POST")).statusCode()).isEqualTo(200); // free again once done
  }

  @Test
  void aLoopOnASceneWritesTheTraceAsLtmLoopDoes() throws Exception {
    JsonNode ids = json.readTree(send(get(base + "/api/scenes/ids")).body());
    assertThat(ids.toString()).contains("\"id\":\"first\"");
    HttpResponse<String> r = send(post("/api/loop", "{\"scene\":\"first\",\"run\":\"by-scene\",\"iterations\":1,\"maxNewTokens\":8}", "POST"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    String job = json.readTree(r.body()).get("job").asText();
    String events = new String(http.send(get(base + "/api/jobs/" + job + "/events").header("Accept", "text/event-stream").build(),
        HttpResponse.BodyHandlers.ofInputStream()).body().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(events).contains("event: iteration").contains("\"state\":\"done\"");
    var rec = TraceReader.read(fx.runs.resolve("by-scene/traces/loop.jsonl")).records().get(0);
    assertThat(rec.runId()).isEqualTo("by-scene");
    assertThat(rec.probeId()).isEqualTo("first");
    assertThat(rec.prompt()).isEqualTo("The question you are thinking about?");
    assertThat(rec.model()).isEqualTo("random-qwen3");
    assertThat(rec.adapter()).isNull();
    assertThat(rec.settings().maxNewTokens()).isEqualTo(8);
    // The run now shows on the Runs page, through the report's code.
    JsonNode run = json.readTree(send(get(base + "/api/runs/by-scene")).body());
    assertThat(run.get("traceRecords").asInt()).isEqualTo(1);
    assertThat(send(post("/api/loop", "{\"scene\":\"no-such\",\"run\":\"by-scene\"}", "POST")).statusCode()).isEqualTo(404);
  }

  // ---- helpers

  /** The status line of a GET with a chosen Host header (java.net.http does not let a caller set Host). */
  private static String rawGet(String path, String host) throws IOException {
    try (java.net.Socket sock = new java.net.Socket("127.0.0.1", studio.port())) {
      sock.setSoTimeout(10_000);
      sock.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      return new BufferedReader(new InputStreamReader(sock.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
  }

  private static String startAsk(int maxNewTokens) throws Exception {
    HttpResponse<String> r = send(post("/api/ask", "{\"prompt\":\"Think long.\",\"maxNewTokens\":" + maxNewTokens
        + ",\"thinkBudget\":0,\"temperature\":1.0}", "POST"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return json.readTree(r.body()).get("job").asText();
  }

  private static JsonNode waitForEnd(String job) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode st = json.readTree(send(get(base + "/api/jobs/" + job)).body());
      if (!st.get("state").asText().equals("running")) {
        return st;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("job " + job + " still running after 30 s");
  }

  static HttpRequest.Builder get(String url) {
    return HttpRequest.newBuilder(URI.create(url)).GET();
  }

  static HttpRequest.Builder post(String path, String body, String method) {
    return HttpRequest.newBuilder(URI.create(base + path)).header("Origin", origin).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body));
  }

  static HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
    return http.send(b.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static String q(String s) throws IOException {
    return json.writeValueAsString(s);
  }

  private static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        if (Files.isRegularFile(p)) {
          try {
            m.put(root.relativize(p).toString(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
          } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
          }
        } else {
          m.put(root.relativize(p) + "/", "dir");
        }
      }
    }
    return m;
  }
}
