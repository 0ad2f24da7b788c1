package io.ltm.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import io.ltm.lora.model.KvCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The model engine on the Qwen3-0.6B shape (random weights, f32, CPU): load peak RSS, prefill
 * tokens/s at 512 tokens, decode tokens/s over 128 new tokens, resident memory over the decode, and
 * the limits measured in the same run on the same libtorch: f32 matMul GFLOP/s at the model's MLP
 * shape and the bandwidth of a large copy. Writes a Markdown table to stdout and to {@code --out}.
 *
 * <p>Run: {@code java -Xmx2g -Dai.djl.offline=true -cp ... io.ltm.bench.EngineBench [--dir D] [--out F]}
 * (see the README). The checkpoint is written once into {@code --dir} and reused.
 */
public final class EngineBench {
  private EngineBench() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of("benchmarks", "target", "qwen3-0.6b-f32");
    Path out = null;
    int prefillTokens = 512;
    int newTokens = 128;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir" -> dir = Path.of(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--prefill" -> prefillTokens = Integer.parseInt(args[++i]);
        case "--new" -> newTokens = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    ModelConfig cfg = CheckpointPreset.QWEN3_0_6B.config();
    if (!Files.exists(dir.resolve("model.safetensors"))) {
      long t = System.nanoTime();
      RandomCheckpointWriter.builder(CheckpointPreset.QWEN3_0_6B).dtype(TensorDType.F32).seed(1).build().write(dir);
      log("wrote %s in %.1f s", dir, (System.nanoTime() - t) / 1e9);
    }
    long weightBytes = cfg.parameterCount() * 4;
    List<String[]> rows = new ArrayList<>();

    // --- limits, measured first on the same libtorch ---
    double gflops = matmulGflops(prefillTokens, cfg.hiddenSize(), cfg.intermediateSize());
    double copyGbps = copyGbps(1L << 28); // 1 GiB of f32
    log("limits: matMul %.1f GFLOP/s, copy %.1f GB/s", gflops, copyGbps);

    // --- load ---
    Rss.resetPeak();
    long rssBefore = Rss.current();
    long t0 = System.nanoTime();
    try (LocalModel model = LocalModel.open(dir)) {
      double loadS = (System.nanoTime() - t0) / 1e9;
      long loadPeak = Rss.peak();
      long rssLoaded = Rss.current();
      log("loaded in %.1f s, peak RSS %d MiB", loadS, loadPeak >> 20);
      Decoder d = model.decoder();

      // --- prefill: one forward of 512 tokens into a KV cache, logits of the last position ---
      int[] prompt = randomIds(prefillTokens, 1);
      double prefillS = Double.MAX_VALUE;
      for (int rep = 0; rep < 3; rep++) {
        try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, prefillTokens)) {
          long t = System.nanoTime();
          d.forward(scope, DecoderInput.of(prompt), cache, true).toFloatArray();
          double s = (System.nanoTime() - t) / 1e9;
          prefillS = Math.min(prefillS, s);
          log("prefill %d tokens: %.2f s", prefillTokens, s);
        }
      }
      double prefillFlops = prefillFlops(cfg, prefillTokens);
      double prefillGflops = prefillFlops / prefillS / 1e9;

      // --- decode: 128 new tokens after a 16-token prompt, greedy, through the generator ---
      Rss.resetPeak();
      long[] stamps = new long[newTokens];
      long[] rssAt = new long[newTokens];
      int[] count = {0};
      GenerationRequest req = GenerationRequest.builder().prompt("x").maxNewTokens(newTokens).listener(tk -> {
        stamps[count[0]] = System.nanoTime();
        rssAt[count[0]] = Rss.current();
        count[0]++;
      }).build();
      Generation g = model.generator().generateFromIds(List.of(randomIds(16, 2)), List.of(req)).get(0);
      int n = count[0];
      double decodeS = (stamps[n - 1] - stamps[0]) / 1e9;
      double decodeTps = (n - 1) / decodeS;
      long decodePeak = Rss.peak();
      double bytesPerToken = weightBytes; // every weight is read once per decoded token (tied lm_head)
      double decodeLimitTps = copyGbps * 1e9 / bytesPerToken;

      // --- report ---
      rows.add(row("model", String.format(Locale.ROOT, "Qwen3-0.6B shape, random, f32, %d parameters (%.2f GB)",
          cfg.parameterCount(), weightBytes / 1e9), ""));
      rows.add(row("load time", String.format(Locale.ROOT, "%.1f s", loadS), ""));
      rows.add(row("load peak RSS", String.format(Locale.ROOT, "%.2f GB (%.2fx f32 weights)", loadPeak / 1e9,
          loadPeak / (double) weightBytes), "goal < 1.5x"));
      rows.add(row("RSS after load", String.format(Locale.ROOT, "%.2f GB (before: %.2f GB)", rssLoaded / 1e9, rssBefore / 1e9), ""));
      rows.add(row("libtorch f32 matMul limit", String.format(Locale.ROOT, "%.1f GFLOP/s", gflops),
          String.format(Locale.ROOT, "[%d,%d]x[%d,%d]", prefillTokens, cfg.hiddenSize(), cfg.hiddenSize(), cfg.intermediateSize())));
      rows.add(row("memory bandwidth limit", String.format(Locale.ROOT, "%.1f GB/s", copyGbps), "1 GiB copy, read+write bytes"));
      rows.add(row("prefill " + prefillTokens + " tokens", String.format(Locale.ROOT, "%.1f tokens/s (%.2f s, %.1f GFLOP/s)",
          prefillTokens / prefillS, prefillS, prefillGflops),
          String.format(Locale.ROOT, "%.0f%% of matMul limit (goal >= 60%%)", 100 * prefillGflops / gflops)));
      rows.add(row("decode " + (n - 1) + " tokens", String.format(Locale.ROOT, "%.2f tokens/s (%.0f ms/token)",
          decodeTps, 1000 / decodeTps), String.format(Locale.ROOT, "%.0f%% of bandwidth limit %.2f tokens/s (goal >= 70%%)",
          100 * decodeTps / decodeLimitTps, decodeLimitTps)));
      rows.add(row("RSS during decode", String.format(Locale.ROOT, "token 2: %.2f GB, token %d: %.2f GB, token %d: %.2f GB",
          rssAt[1] / 1e9, n / 2, rssAt[n / 2 - 1] / 1e9, n, rssAt[n - 1] / 1e9),
          String.format(Locale.ROOT, "peak %.2f GB; finish %s", decodePeak / 1e9, g.finishReason())));
    }
    StringBuilder md = new StringBuilder();
    md.append("| measure | value | note |\n|---|---|---|\n");
    for (String[] r : rows) {
      md.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    md.append("\n").append(machine()).append("\n");
    System.out.print(md);
    if (out != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
      Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
      Files.writeString(tmp, md);
      Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static String[] row(String a, String b, String c) {
    return new String[] {a, b, c};
  }

  private static String machine() {
    double load = -1;
    try {
      load = Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return String.format(Locale.ROOT, "Machine: %d cores, load average %.1f at the end of the run (shared machine: "
        + "other jobs compete for cores and memory bandwidth); libtorch %s.",
        Runtime.getRuntime().availableProcessors(), load, Engine.getEngine("PyTorch").getVersion());
  }

  /** Linear-layer and attention FLOPs of one prefill (attention over the full T x T, as computed). */
  static double prefillFlops(ModelConfig c, int t) {
    double h = c.hiddenSize();
    double q = (double) c.numHeads() * c.headDim();
    double kv = (double) c.numKvHeads() * c.headDim();
    double perLayerLinear = h * q + 2 * h * kv + q * h + 3 * h * c.intermediateSize();
    double linear = 2.0 * t * perLayerLinear * c.numLayers() + 2.0 * h * c.vocabSize(); // + last-position logits
    double attention = 4.0 * t * t * c.headDim() * c.numHeads() * c.numLayers(); // QK^T and PV
    return linear + attention;
  }

  static double matmulGflops(int m, int k, int n) {
    try (NDManager mm = NDManager.newBaseManager()) {
      NDArray a = mm.randomUniform(-1, 1, new Shape(m, k));
      NDArray b = mm.randomUniform(-1, 1, new Shape(k, n));
      double best = 0;
      for (int rep = 0; rep < 8; rep++) {
        try (NDManager s = mm.newSubManager()) {
          NDArray x = a.duplicate();
          x.attach(s);
          long t = System.nanoTime();
          x.matMul(b).toFloatArray();
          double sec = (System.nanoTime() - t) / 1e9;
          best = Math.max(best, 2.0 * m * k * n / sec / 1e9);
        }
      }
      return best;
    }
  }

  /** Read+write bandwidth of copying {@code floats} f32 into an already touched destination. */
  static double copyGbps(long floats) {
    try (NDManager mm = NDManager.newBaseManager()) {
      NDArray a = mm.ones(new Shape(floats), DataType.FLOAT32);
      NDArray c = mm.zeros(new Shape(floats), DataType.FLOAT32);
      double best = 0;
      for (int rep = 0; rep < 6; rep++) {
        long t = System.nanoTime();
        a.copyTo(c);
        double sec = (System.nanoTime() - t) / 1e9;
        best = Math.max(best, 2.0 * floats * 4 / sec / 1e9);
      }
      return best;
    }
  }

  static int[] randomIds(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = r.nextInt(150_000);
    }
    return ids;
  }

  static void log(String fmt, Object... args) {
    System.err.printf(Locale.ROOT, fmt + "%n", args);
  }

  /** Resident memory of this process from /proc/self/status. */
  static final class Rss {
    private Rss() {}

    static long current() {
      return field("VmRSS:");
    }

    static long peak() {
      return field("VmHWM:");
    }

    /** Resets VmHWM to the current RSS (Linux: write 5 to /proc/self/clear_refs). */
    static void resetPeak() {
      try {
        Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      } catch (IOException | RuntimeException e) {
        log("cannot reset peak RSS: %s", e.getMessage());
      }
    }

    private static long field(String name) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (line.startsWith(name)) {
            return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (IOException | RuntimeException e) {
        return -1;
      }
      return -1;
    }
  }
}
