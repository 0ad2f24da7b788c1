package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.ltm.core.loop.TraceReader;
import io.ltm.core.loop.TraceRecord;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ltm loop --backend openai} against an in-process server on 127.0.0.1 speaking vLLM's
 * streamed shape ({@code reasoning} deltas, logprobs with top_logprobs): base and adapter by served
 * name, a dropped stream recorded and retried by running the same command again, metrics over the
 * result, and the errors a user meets first.
 */
class LoopOpenAiBackendTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path tmp;
  static HttpServer server;
  static String url;
  static Path probes;
  /** The request number (0-based) whose stream drops after its reasoning; -1 for none. */
  static final AtomicInteger dropRequest = new AtomicInteger(-1);
  static final AtomicInteger requests = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/v1/models", ex -> {
      try (ex) {
        byte[] b = "{\"object\":\"list\",\"data\":[{\"id\":\"Qwen3-0.6B\"},{\"id\":\"seed\"}]}".getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, b.length);
        ex.getResponseBody().write(b);
      }
    });
    server.createContext("/v1/chat/completions", ex -> {
      try (ex) {
        JsonNode req = JSON.readTree(ex.getRequestBody());
        int n = requests.getAndIncrement();
        String model = req.get("model").asText();
        ex.getResponseHeaders().add("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        event(out, "{\"choices\":[{\"index\":0,\"delta\":{\"reasoning\":\"Think " + model + "\"},\"logprobs\":{\"content\":["
            + "{\"token\":\"Think\",\"logprob\":-0.4,\"top_logprobs\":[{\"token\":\"Think\",\"logprob\":-0.4},{\"token\":\"So\",\"logprob\":-1.3}]},"
            + "{\"token\":\" " + model + "\",\"logprob\":-0.2,\"top_logprobs\":[{\"token\":\" x\",\"logprob\":-0.2}]}]}}]}");
        if (n == dropRequest.get()) {
          return; // the body ends here: no finish_reason, no [DONE]
        }
        event(out, "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Answer from " + model + ".\"},\"logprobs\":{\"content\":["
            + "{\"token\":\"Answer from " + model + ".\",\"logprob\":-0.1,\"top_logprobs\":[{\"token\":\"A\",\"logprob\":-0.1},{\"token\":\"B\",\"logprob\":-2.4}]}]}}]}");
        event(out, "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\",\"stop_reason\":null}]}");
        event(out, "[DONE]");
      }
    });
    server.start();
    url = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    probes = tmp.resolve("probes.yaml");
    Files.writeString(probes, "- id: en\n  prompt: What does LoRA train?\n- id: ru\n  lang: ru\n  prompt: Что тренирует LoRA?\n");
  }

  private static void event(OutputStream out, String data) throws java.io.IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  @AfterAll
  static void stop() {
    server.stop(0);
  }

  @Test
  void baseAndServedAdapterWithADroppedStreamRetriedOnTheSecondRun() throws Exception {
    Path out = tmp.resolve("remote/traces.jsonl");
    String[] args = {"loop", "--backend", "openai", "--url", url, "--model", "Qwen3-0.6B", "--adapter-model", "seed",
        "--probes", probes.toString(), "--out", out.toString(), "--iterations", "1", "--retries", "0"};
    requests.set(0);
    dropRequest.set(3); // the adapter's second probe
    CliRun r = CliRun.of(args);
    assertThat(r.code()).as(r.err() + r.out()).isEqualTo(LtmCli.PARTIAL);
    assertThat(r.err()).contains("[Qwen3-0.6B] probe 1/2 en", "[Qwen3-0.6B+seed] probe 2/2 ru", "iteration 0 FAILED");
    assertThat(r.out()).contains("FAILED: probe ru (Qwen3-0.6B+seed) at iteration 0", "run the same command again");

    TraceReader.TraceLog log = TraceReader.read(out);
    assertThat(log.records()).extracting(x -> x.variant() + " " + x.probeId()).containsExactly(
        "Qwen3-0.6B en", "Qwen3-0.6B ru", "Qwen3-0.6B+seed en");
    TraceRecord first = log.records().get(0);
    assertThat(first.reasoning()).isEqualTo("Think Qwen3-0.6B");
    assertThat(first.answer()).isEqualTo("Answer from Qwen3-0.6B.");
    assertThat(first.entropyTopK()).isEqualTo(20);
    assertThat(first.tokens()).hasSize(3);
    assertThat(first.tokens().get(0).logprob()).isEqualTo(-0.4);
    assertThat(first.tokens().get(0).reasoning()).isTrue();
    assertThat(first.tokens().get(2).reasoning()).isFalse();
    assertThat(log.failures()).extracting(TraceRecord::probeId).containsExactly("ru");

    dropRequest.set(-1);
    CliRun again = CliRun.of(args);
    assertThat(again.code()).as(again.err() + again.out()).isZero();
    assertThat(again.out()).contains("wrote 1 trace record to", "(3 already there)");
    assertThat(requests.get()).isEqualTo(5); // four the first time, one retry
    List<TraceRecord> all = TraceReader.read(out).records();
    assertThat(all).extracting(x -> x.variant() + " " + x.probeId()).containsExactly(
        "Qwen3-0.6B en", "Qwen3-0.6B ru", "Qwen3-0.6B+seed en", "Qwen3-0.6B+seed ru");
    assertThat(all.get(3).answer()).isEqualTo("Answer from seed.");

    CliRun metrics = CliRun.of("metrics", out.toString());
    assertThat(metrics.code()).as(metrics.err()).isZero();
    assertThat(metrics.out()).contains("Qwen3-0.6B+seed");
  }

  @Test
  void namesThatTheServerDoesNotServeAreNamed() {
    CliRun r = CliRun.of("loop", "--backend", "openai", "--url", url, "--model", "Qwen3-0.6B", "--adapter-model", "nope",
        "--probes", probes.toString(), "--out", tmp.resolve("x.jsonl").toString());
    assertThat(r.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(r.err()).contains("does not serve [nope]", "it serves [Qwen3-0.6B, seed]", "--lora-modules");
  }

  @Test
  void eachBackendRequiresItsOwnOptions() {
    CliRun noUrl = CliRun.of("loop", "--backend", "openai", "--model", "m", "--probes", probes.toString(), "--out", "x.jsonl");
    assertThat(noUrl.code()).isEqualTo(LtmCli.USAGE_ERROR);
    assertThat(noUrl.err()).contains("--backend openai needs --url URL and --model NAME");
    CliRun noBase = CliRun.of("loop", "--probes", probes.toString(), "--out", "x.jsonl");
    assertThat(noBase.code()).isEqualTo(LtmCli.USAGE_ERROR);
    assertThat(noBase.err()).contains("--base DIR is required with --backend local");
    CliRun localAdapter = CliRun.of("loop", "--backend", "openai", "--url", url, "--model", "m", "--adapter", "a",
        "--probes", probes.toString(), "--out", "x.jsonl");
    assertThat(localAdapter.code()).isEqualTo(LtmCli.USAGE_ERROR);
    assertThat(localAdapter.err()).contains("--adapter-model NAME");
    CliRun badBackend = CliRun.of("loop", "--backend", "vllm", "--probes", probes.toString(), "--out", "x.jsonl");
    assertThat(badBackend.err()).contains("--backend must be local or openai");
  }

  @Test
  void seedRunsItsLoopOnTheServerWithoutTraining() throws Exception {
    Path run = tmp.resolve("seed-remote");
    dropRequest.set(-1);
    CliRun r = CliRun.of("seed", "--backend", "openai", "--url", url, "--model", "Qwen3-0.6B", "--adapter-model", "seed",
        "--scenes", "../examples/scenes", "--out", run.toString(), "--iterations", "1", "--max-new-tokens", "8",
        "--probes", "2");
    assertThat(r.code()).as(r.err() + r.out()).isZero();
    assertThat(r.out()).contains("no local weights", "no training here (--backend openai)", "report.html");
    assertThat(run.resolve("dataset/scenes.jsonl")).isRegularFile();
    assertThat(run.resolve("adapter")).doesNotExist();
    assertThat(run.resolve("report.html")).isRegularFile();
    List<TraceRecord> t = TraceReader.read(run.resolve("traces/loop.jsonl")).records();
    assertThat(t).extracting(TraceRecord::variant).containsOnly("Qwen3-0.6B", "Qwen3-0.6B+seed");
    assertThat(t.stream().filter(x -> x.adapter() != null).count()).isEqualTo(t.stream().filter(x -> x.adapter() == null).count());
    assertThat(Files.readString(run.resolve("seed.json"))).contains("\"backend\" : \"openai\"", "\"adapter_models\" : [ \"seed\" ]");

    CliRun trainingFlag = CliRun.of("seed", "--backend", "openai", "--url", url, "--model", "Qwen3-0.6B", "--steps", "5",
        "--scenes", "../examples/scenes", "--out", run.toString());
    assertThat(trainingFlag.code()).isEqualTo(LtmCli.USAGE_ERROR);
    assertThat(trainingFlag.err()).contains("--steps is for training here");
  }
}
