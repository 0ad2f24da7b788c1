package io.ltm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.server.OpenAiServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code ltm serve} under load: total generated tokens/s with 1, 4 and 16 clients sending greedy chat
 * requests at once over real HTTP (the JDK's client, one connection per request), against one stream
 * alone (1 client) measured in the same run, and the engine called directly without HTTP (the limit
 * for one stream). Concurrency must raise total throughput: the server decodes simultaneous requests
 * as one batch. Every client sends {@code --requests} requests one after the other, each asking for
 * {@code --new} tokens of a different prompt. Prints a Markdown table (and writes it to {@code --out}).
 *
 * <p>Run: {@code benchmarks/run ServeBench [--preset tiny-qwen3|qwen3-0.6b] [--base DIR] [--new 32]
 * [--requests 2] [--sampled] [--out FILE]}. Requests are greedy, or with {@code --sampled} Qwen3's own sampling
 * settings (temperature 0.6, top-p 0.95, top-k 20, each request its own seed). A random checkpoint of the preset
 * is written once under benchmarks/target.
 */
public final class ServeBench {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ServeBench() {}

  public static void main(String[] args) throws Exception {
    CheckpointPreset preset = CheckpointPreset.TINY_QWEN3;
    Path base = null;
    Path out = null;
    int newTokens = 32;
    int requests = 2;
    int[] clients = {1, 4, 16};
    boolean sampled = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--preset" -> preset = CheckpointPreset.fromCliName(args[++i]);
        case "--base" -> base = Path.of(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--new" -> newTokens = Integer.parseInt(args[++i]);
        case "--requests" -> requests = Integer.parseInt(args[++i]);
        case "--sampled" -> sampled = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; use --preset NAME, --base DIR, --new N, --requests N, --sampled, --out FILE");
      }
    }
    if (base == null) {
      base = Path.of("benchmarks", "target", preset.cliName() + "-f32");
      if (!Files.exists(base.resolve("model.safetensors"))) {
        RandomCheckpointWriter.builder(preset).dtype(TensorDType.F32).seed(1).build().write(base);
      }
    }
    List<String[]> rows = new ArrayList<>();
    try (LocalModel model = LocalModel.open(base);
         OpenAiServer server = OpenAiServer.builder().model(model).port(0).maxBatch(16).build().start()) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String name = server.modelNames().get(0);
      final boolean sample = sampled;
      ask(http, server.url(), name, "warm up", newTokens, sample, 1); // JIT, first allocations
      ask(http, server.url(), name, "warm up again", newTokens, sample, 2);

      // the limit for one stream: the engine called directly, no HTTP, no scheduler
      GenerationRequest.Builder directBuilder = GenerationRequest.builder().prompt(prompt(0, 0)).maxNewTokens(newTokens);
      if (sample) {
        directBuilder.temperature(0.6).topP(0.95).topK(20).seed(3);
      }
      GenerationRequest direct = directBuilder.build();
      double directTps = 0;
      for (int rep = 0; rep < 2; rep++) {
        long t = System.nanoTime();
        Generation g = model.generator().generate(direct);
        directTps = Math.max(directTps, g.tokens().size() / ((System.nanoTime() - t) / 1e9));
      }
      rows.add(new String[] {"engine direct, 1 stream (no HTTP)", fmt(directTps), "", "limit for one stream"});

      double alone = 0;
      for (int c : clients) {
        int largestBefore = server.scheduler().largestBatch();
        long t = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(c);
        List<Future<long[]>> fs = new ArrayList<>();
        final int fc = c;
        final int reqs = requests;
        final int nt = newTokens;
        for (int k = 0; k < c; k++) {
          final int client = k;
          fs.add(pool.submit(() -> {
            long tokens = 0;
            long nanos = 0;
            for (int r = 0; r < reqs; r++) {
              long s = System.nanoTime();
              tokens += ask(http, server.url(), name, prompt(client, r), nt, sample, 100 * client + r);
              nanos += System.nanoTime() - s;
            }
            return new long[] {tokens, nanos};
          }));
        }
        long tokens = 0;
        long latency = 0;
        for (Future<long[]> f : fs) {
          long[] v = f.get();
          tokens += v[0];
          latency += v[1];
        }
        pool.shutdown();
        double secs = (System.nanoTime() - t) / 1e9;
        double tps = tokens / secs;
        if (c == 1) {
          alone = tps;
        }
        rows.add(new String[] {fc + (fc == 1 ? " client (one stream alone)" : " clients at once"), fmt(tps),
            String.format(Locale.ROOT, "%.2fx", tps / alone),
            String.format(Locale.ROOT, "%d tokens in %.1f s; mean request %.2f s; largest batch %d", tokens, secs,
                latency / 1e9 / (fc * reqs), Math.max(largestBefore, server.scheduler().largestBatch()))});
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append("| load | tokens/s (all clients) | vs one stream alone | note |\n|---|---|---|---|\n");
    for (String[] r : rows) {
      sb.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    sb.append(String.format(Locale.ROOT, "%nModel %s (random weights, f32, CPU); %s chat requests of %d new tokens, %d per client, "
        + "over HTTP to ltm serve on 127.0.0.1; %d cores; load average %.1f at the end (shared machine).%n",
        base.getFileName(), sampled ? "sampled (temperature 0.6, top-p 0.95, top-k 20)" : "greedy", newTokens, requests, Runtime.getRuntime().availableProcessors(), loadAverage()));
    System.out.print(sb);
    if (out != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
      Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
      Files.writeString(tmp, sb.toString());
      Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
  }

  private static String prompt(int client, int request) {
    return "Client " + client + ", question " + request + ": what makes a thought worth keeping?";
  }

  /** One chat request, greedy or sampled as Qwen3 recommends; returns the completion tokens it reports. */
  private static long ask(HttpClient http, String url, String model, String prompt, int maxTokens, boolean sampled, long seed)
      throws IOException, InterruptedException {
    com.fasterxml.jackson.databind.node.ObjectNode req = JSON.createObjectNode().put("model", model).put("max_tokens", maxTokens);
    if (sampled) {
      req.put("temperature", 0.6).put("top_p", 0.95).put("top_k", 20).put("seed", seed);
    } else {
      req.put("temperature", 0);
    }
    String body = JSON.writeValueAsString(req.set("messages",
        JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user").put("content", prompt))));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/chat/completions"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
    }
    JsonNode n = JSON.readTree(r.body());
    return n.at("/usage/completion_tokens").asLong();
  }

  private static String fmt(double tps) {
    return String.format(Locale.ROOT, "%.1f", tps);
  }

  private static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}
