package io.ltm.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One test of llama.cpp's {@code llama-bench -o json}: a prompt-processing test ({@code n_prompt > 0,
 * n_gen == 0}, "pp512") or a generation test ({@code n_gen > 0}, "tg128"), with its mean tokens/s over
 * the repetitions and the build that measured it. Immutable.
 *
 * @param nPrompt prompt tokens processed ({@code n_prompt})
 * @param nGen tokens generated one at a time ({@code n_gen})
 * @param threads {@code n_threads}
 * @param tokensPerSecond {@code avg_ts}, the mean over the repetitions
 * @param samples {@code samples_ts}, one per repetition
 * @param buildCommit {@code build_commit} and {@code build_number}, e.g. "de3ff81 (1)"
 * @param modelType {@code model_type}, e.g. "qwen3 0.6B all F32"
 * @param modelBytes {@code model_size} in bytes
 * @param cpuInfo {@code cpu_info}
 * @param settings the settings that change the arithmetic: KV cache types and flash attention, e.g.
 *     "KV cache f16/f16, flash_attn -1" (-1: llama.cpp decides, which is on for the CPU)
 */
record LlamaBenchResult(int nPrompt, int nGen, int threads, double tokensPerSecond, List<Double> samples,
    String buildCommit, String modelType, long modelBytes, String cpuInfo, String settings) {
  private static final ObjectMapper JSON = new ObjectMapper();

  LlamaBenchResult {
    if (nPrompt < 0 || nGen < 0 || nPrompt + nGen == 0) {
      throw new IllegalArgumentException("llama-bench result with n_prompt " + nPrompt + " and n_gen " + nGen);
    }
    if (threads < 1 || !(tokensPerSecond > 0)) {
      throw new IllegalArgumentException("llama-bench result with n_threads " + threads + ", avg_ts " + tokensPerSecond);
    }
    samples = List.copyOf(samples);
    Objects.requireNonNull(buildCommit, "buildCommit");
    Objects.requireNonNull(modelType, "modelType");
    Objects.requireNonNull(cpuInfo, "cpuInfo");
    Objects.requireNonNull(settings, "settings");
  }

  /**
   * One llama-bench process: its tests, and the cores it kept busy over its whole life (CPU time /
   * wall time, including model load and warm-up; polled every 100 ms, so slightly low; 0 if unknown).
   */
  record Run(List<LlamaBenchResult> tests, double cores) {
    Run {
      tests = List.copyOf(tests);
    }
  }

  /** True for a prompt-processing test (pp): the prompt only, no generation. */
  boolean isPrompt() {
    return nGen == 0;
  }

  /**
   * Parses the JSON array {@code llama-bench -o json} prints.
   *
   * @throws IllegalArgumentException naming the entry and field when the text is not that array
   */
  static List<LlamaBenchResult> parse(String json) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("llama-bench output is not JSON (run it with -o json): " + e.getMessage(), e);
    }
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException("llama-bench output is not a JSON array (run it with -o json)");
    }
    List<LlamaBenchResult> out = new ArrayList<>();
    for (int i = 0; i < root.size(); i++) {
      JsonNode t = root.get(i);
      List<Double> samples = new ArrayList<>();
      for (JsonNode s : t.path("samples_ts")) {
        samples.add(s.asDouble());
      }
      out.add(new LlamaBenchResult(intField(t, i, "n_prompt"), intField(t, i, "n_gen"), intField(t, i, "n_threads"),
          number(t, i, "avg_ts").asDouble(), samples,
          t.path("build_commit").asText("?") + " (" + t.path("build_number").asText("?") + ")",
          t.path("model_type").asText(""), t.path("model_size").asLong(0), t.path("cpu_info").asText(""),
          "KV cache " + t.path("type_k").asText("?") + "/" + t.path("type_v").asText("?") + ", flash_attn "
              + t.path("flash_attn").asText("?")));
    }
    return out;
  }

  /**
   * Runs {@code llamaBench -m gguf -p prompt -n gen -t threads -r 1 -o json [extra...]} (one repetition
   * of each test after llama-bench's own warm-up) and parses what it prints.
   *
   * @throws IllegalStateException with llama-bench's exit status and the end of its stderr when it fails
   */
  static Run run(Path llamaBench, Path gguf, int prompt, int gen, int threads, List<String> extra) {
    List<String> cmd = new ArrayList<>(List.of(llamaBench.toString(), "-m", gguf.toString(), "-p",
        Integer.toString(prompt), "-n", Integer.toString(gen), "-t", Integer.toString(threads), "-r", "1", "-o", "json"));
    cmd.addAll(extra);
    try {
      long start = System.nanoTime();
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.PIPE).start();
      p.getOutputStream().close();
      long[] cpuNanos = {0};
      Thread poll = new Thread(() -> { // the last CPU time seen before the process exits
        while (p.isAlive()) {
          p.toHandle().info().totalCpuDuration().ifPresent(d -> cpuNanos[0] = d.toNanos());
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      poll.setDaemon(true);
      poll.start();
      // stderr is small (model load log); read it on a thread so neither pipe can fill up and block
      StringBuilder err = new StringBuilder();
      Thread drain = new Thread(() -> {
        try {
          err.append(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
          err.append(e.getMessage());
        }
      });
      drain.start();
      String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("llama-bench did not finish in 30 min: " + String.join(" ", cmd));
      }
      drain.join();
      double wall = System.nanoTime() - start;
      poll.join();
      if (p.exitValue() != 0) {
        String e = err.toString().strip();
        throw new IllegalStateException("llama-bench exited with " + p.exitValue() + " (" + String.join(" ", cmd)
            + "): " + e.substring(Math.max(0, e.length() - 600)));
      }
      return new Run(parse(stdout), cpuNanos[0] / wall);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + llamaBench + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running llama-bench", e);
    }
  }

  private static JsonNode number(JsonNode t, int i, String field) {
    JsonNode v = t.get(field);
    if (v == null || !v.isNumber()) {
      throw new IllegalArgumentException("llama-bench JSON entry " + i + ": field \"" + field + "\" is "
          + (v == null ? "missing" : v.getNodeType()) + ", expected a number");
    }
    return v;
  }

  private static int intField(JsonNode t, int i, String field) {
    return number(t, i, field).asInt();
  }
}
