package io.ltm.bench;

import static io.ltm.bench.EngineBench.copyGbps;
import static io.ltm.bench.EngineBench.log;
import static io.ltm.bench.EngineBench.matmulGflops;
import static io.ltm.bench.EngineBench.randomIds;
import static io.ltm.bench.EngineBench.readGbps;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ltm.bench.EngineBench.Rss;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.MoeConfig;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import io.ltm.lora.model.KvCache;
import io.ltm.lora.model.Projection;
import io.ltm.lora.model.ProjectionKind;
import io.ltm.lora.train.AdamW;
import io.ltm.lora.train.AdamWConfig;
import io.ltm.lora.train.DecoderLanguageModel;
import io.ltm.lora.train.Gradients;
import io.ltm.lora.train.TrainingBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The engine on Qwen3-30B-A3B's per-layer shape (hidden 2048, 32/4 heads of 128, 128 experts of 768,
 * top-8, untied 151936-row head) with {@code --layers} layers (default 1; the full model has 48):
 * load (peak RSS against the f32 weights, from a bf16 checkpoint), prefill against the libtorch f32
 * matMul limit measured just before (a large GEMM) and against the experts' own GEMMs timed alone over the
 * model's weights, decode against the floor set by the bytes a token actually reads (attention, the router,
 * the 8 chosen experts, one embedding row, the head) at the copy bandwidth and at the read-only bandwidth
 * measured in the same run (one-row Java path and libtorch layer path alternated), and a LoRA training step
 * (all-linear: attention, router, every expert). {@code --only prefill} stops after the prefill, {@code --only decode}
 * measures the decode alone (for A/B runs of two builds, alternated by a script). Before the decode rounds each
 * path decodes {@code --decode-warmup} steps untimed (default 200: about 4 tokens of the 48-layer model).
 *
 * <p>Run: {@code java -Xmx2g -Dai.djl.offline=true --add-modules jdk.incubator.vector -cp ...
 * io.ltm.bench.MoeBench [--dir D] [--layers L] [--vocab V] [--prefill T] [--new N] [--train-seq S] [--load-only] [--only prefill|decode] [--decode-warmup STEPS] [--out F]}
 * ({@code --vocab} below Qwen3's 151936 shrinks only the embedding and head, for machines short of memory).
 */
public final class MoeBench {
  private MoeBench() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(arg(args, "--dir", "target/moe-bench"));
    int layers = Integer.parseInt(arg(args, "--layers", "1"));
    int prefill = Integer.parseInt(arg(args, "--prefill", "256"));
    int newTokens = Integer.parseInt(arg(args, "--new", "24"));
    int trainSeq = Integer.parseInt(arg(args, "--train-seq", "128"));
    int vocab = Integer.parseInt(arg(args, "--vocab", "151936"));
    Path out = args.length > 0 && Arrays.asList(args).contains("--out") ? Path.of(arg(args, "--out", "")) : null;
    ModelConfig cfg = CheckpointPreset.QWEN3_30B_A3B_2L.config().toBuilder().numLayers(layers).vocabSize(vocab).build();
    MoeConfig moe = cfg.moe();
    dir = dir.resolve(layers + "-layers-vocab-" + vocab);
    if (!Files.exists(dir.resolve("config.json"))) {
      log("writing a random Qwen3-30B-A3B-shaped checkpoint, %d layer(s), bf16, to %s", layers, dir);
      RandomCheckpointWriter.builder(cfg).dtype(TensorDType.BF16).seed(1).shards(2).withoutTokenizer().build().write(dir);
    }
    long weightBytes = cfg.parameterCount() * 4; // f32 on the host
    double copy = copyGbps(1L << 28);
    log("copy %.1f GB/s (read+write)", copy);

    Rss.resetPeak();
    long t0 = System.nanoTime();
    try (Decoder d = DecoderLoader.load(dir)) {
      double loadS = (System.nanoTime() - t0) / 1e9;
      long loadPeak = Rss.peak();
      log("loaded %d parameters (%.2f GB f32) from bf16 shards in %.1f s, peak RSS %.2f GB (%.2fx the weights)",
          cfg.parameterCount(), weightBytes / 1e9, loadS, loadPeak / 1e9, loadPeak / (double) weightBytes);
      if (Arrays.asList(args).contains("--load-only")) { // a model too large to also prefill, decode and train here
        String md = String.format(Locale.ROOT, "Qwen3-30B-A3B per-layer shape, %d layer(s) (of 48), vocabulary %d, %d "
            + "parameters%n%n| measure | value | limit / peer (same run) | ratio |%n|---|---|---|---|%n"
            + "| load (bf16 shards -> f32) | %.1f s, peak RSS %.2f GB | f32 weights %.2f GB | %.2fx |%n",
            layers, vocab, cfg.parameterCount(), loadS, loadPeak / 1e9, weightBytes / 1e9, loadPeak / (double) weightBytes);
        System.out.print(md);
        if (out != null) {
          Files.writeString(out, md);
        }
        return;
      }

      String only = arg(args, "--only", "");
      String prefillRow = "";
      if (!"decode".equals(only)) {
        // --- prefill: best of 3, each against the matMul limit measured just before it ---
        int[] prompt = ids(prefill, 1, vocab);
        double flops = prefillFlops(cfg, prefill);
        int perExpert = Math.max(1, prefill * moe.numExpertsPerTok() / moe.numExperts());
        double expertFlops = expertFlops(cfg, prefill);
        double bestS = Double.MAX_VALUE;
        double pairedLimit = 0;
        double pairedExperts = 0;
        for (int rep = 0; rep < 3; rep++) {
          double lim = matmulGflops(prefill, cfg.hiddenSize(), 2 * moe.moeIntermediateSize() * moe.numExpertsPerTok());
          double experts = expertsAloneGflops(d, perExpert);
          try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, prefill)) {
            long t = System.nanoTime();
            d.forward(scope, DecoderInput.of(prompt), cache, true).toFloatArray();
            double s = (System.nanoTime() - t) / 1e9;
            log("prefill %d tokens: %.2f s, %.1f GFLOP/s vs matMul %.1f GFLOP/s (%.0f%%); experts' GEMMs alone %.1f GFLOP/s",
                prefill, s, flops / s / 1e9, lim, 100 * flops / s / 1e9 / lim, experts);
            if (s < bestS) {
              bestS = s;
              pairedLimit = lim;
              pairedExperts = experts;
            }
          }
        }
        double expertShape = matmulGflops(perExpert, cfg.hiddenSize(), 2 * moe.moeIntermediateSize());
        // the time the prefill's FLOPs take at these rates: the experts' at their own GEMMs' rate, the rest at the large GEMM's
        double roofS = expertFlops / (pairedExperts * 1e9) + (flops - expertFlops) / (pairedLimit * 1e9);
        prefillRow = String.format(Locale.ROOT, "| prefill %d tokens | %.2f s, %.1f GFLOP/s | matMul [%d x %d x %d] %.1f GFLOP/s | %.0f%% |%n",
            prefill, bestS, flops / bestS / 1e9, prefill, cfg.hiddenSize(), 2 * moe.moeIntermediateSize() * moe.numExpertsPerTok(),
            pairedLimit, 100 * flops / bestS / 1e9 / pairedLimit)
            + String.format(Locale.ROOT, "| (per-expert GEMM shape, operands in cache) | | matMul [%d x %d x %d] %.1f GFLOP/s | %.0f%% |%n",
            perExpert, cfg.hiddenSize(), 2 * moe.moeIntermediateSize(), expertShape, 100 * flops / bestS / 1e9 / expertShape)
            + String.format(Locale.ROOT, "| (experts' GEMMs alone, model weights) | %.1f GFLOP/s over %.1f GFLOP of %.1f | "
            + "%.2f s with the rest at the matMul rate | %.0f%% |%n", pairedExperts, expertFlops / 1e9, flops / 1e9, roofS,
            100 * roofS / bestS);
        if ("prefill".equals(only)) {
          String md = String.format(Locale.ROOT, "prefill-only, load average %.1f%n%n| measure | value | limit / peer (same run) | ratio |%n"
              + "|---|---|---|---|%n", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())
              + prefillRow;
          System.out.print(md);
          if (out != null) {
            Files.writeString(out, md);
          }
          return;
        }
      }

      // --- decode: one token at a time into the KV cache, greedy on the host; the one-row Java path and
      // the libtorch layer path alternated, each round after its own bandwidth measurements ---
      double bytes = decodeBytesPerToken(cfg);
      List<Double> rowMs = new ArrayList<>();
      List<Double> layerMs = new ArrayList<>();
      List<Double> copyRates = new ArrayList<>();
      List<Double> readRates = new ArrayList<>();
      // warm-up, each path untimed: a 48-layer model runs its layer code 48 times a token, this one-layer model once,
      // so its first tokens measure the JIT (2026-12-07, two threads, the Java path: 47 ms/token over the first 10
      // steps, 20-34 over the next 90, 17-18 from about the 150th on); 4 tokens of the real model are 192 steps here
      int warmSteps = Integer.parseInt(arg(args, "--decode-warmup", "200"));
      if (warmSteps > 2) {
        Decoder.useRowDecoder(true);
        decodeSeconds(d, warmSteps, vocab);
        Decoder.useRowDecoder(false);
        decodeSeconds(d, warmSteps, vocab);
        Decoder.useRowDecoder(true);
      }
      for (int round = 0; round < 2; round++) {
        copyRates.add(copyGbps(1L << 28));
        readRates.add(readGbps(1L << 28));
        Decoder.useRowDecoder(true);
        rowMs.add(1e3 * decodeSeconds(d, newTokens, vocab));
        Decoder.useRowDecoder(false);
        layerMs.add(1e3 * decodeSeconds(d, newTokens, vocab));
        Decoder.useRowDecoder(true);
      }
      copy = Math.max(copy, copyRates.stream().mapToDouble(Double::doubleValue).max().orElse(0));
      double read = readRates.stream().mapToDouble(Double::doubleValue).max().orElse(0);
      double decodeS = Math.min(rowMs.get(0), rowMs.get(1)) / 1e3;
      double layerS = Math.min(layerMs.get(0), layerMs.get(1)) / 1e3;
      double floorS = bytes / (copy * 1e9);
      double readFloorS = bytes / (read * 1e9);
      log("decode: row path %s ms/token, libtorch layer path %s ms/token; reads %.3f GB/token; copy %s GB/s, read-only %s GB/s;"
          + " floor %.1f ms at copy (%.0f%%), %.1f ms read-only (%.0f%%)", rowMs, layerMs, bytes / 1e9, copyRates, readRates,
          floorS * 1e3, 100 * floorS / decodeS, readFloorS * 1e3, 100 * readFloorS / decodeS);
      String decodeRows = String.format(Locale.ROOT, "| decode (one-row Java path) | %.1f ms/token | %.3f GB/token at %.1f GB/s copy = %.1f ms | %.0f%% |%n",
          decodeS * 1e3, bytes / 1e9, copy, floorS * 1e3, 100 * floorS / decodeS)
          + String.format(Locale.ROOT, "| (same, read-only bandwidth) | | %.3f GB/token at %.1f GB/s sum() = %.1f ms | %.0f%% |%n",
          bytes / 1e9, read, readFloorS * 1e3, 100 * readFloorS / decodeS)
          + String.format(Locale.ROOT, "| (decode, libtorch layer path) | %.1f ms/token | copy floor %.1f ms | %.0f%% |%n",
          layerS * 1e3, floorS * 1e3, 100 * floorS / layerS);
      if ("decode".equals(only)) {
        String md = String.format(Locale.ROOT, "decode-only, load average %.1f%n%n| measure | value | limit / peer (same run) | ratio |%n"
            + "|---|---|---|---|%n", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())
            + decodeRows;
        System.out.print(md);
        if (out != null) {
          Files.writeString(out, md);
        }
        return;
      }

      // --- training step: LoRA r=8 all-linear vs a rank-1 probe on one q_proj (activation gradients only) ---
      TrainingBatch batch = randomBatch(trainSeq, cfg.vocabSize());
      double loraS;
      double probeS;
      long trainable;
      try (LoraModel model = new LoraModel(d)) {
        LoraAdapter all = model.create("all", LoraConfig.builder().optR(8).optLoraAlpha(16)
            .optTargetModules(new TargetModules.AllLinear()).build(), 1);
        trainable = all.parameterCount();
        loraS = stepSeconds(model, all, batch, 2);
        model.detach("all");
        LoraAdapter probe = model.create("probe", LoraConfig.builder().optR(1).optLoraAlpha(1)
            .optTargetModules(new TargetModules.Regex("model\\.layers\\.0\\.self_attn\\.q_proj")).build(), 1);
        probeS = stepSeconds(model, probe, batch, 2);
        model.detach("probe");
      }

      StringBuilder md = new StringBuilder();
      md.append(String.format(Locale.ROOT, "Qwen3-30B-A3B per-layer shape, %d layer(s) (of 48), vocabulary %d, %d parameters "
          + "(%.2f GB f32), %d cores, load average %.1f at the end%n%n", layers, vocab, cfg.parameterCount(), weightBytes / 1e9,
          Runtime.getRuntime().availableProcessors(),
          java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
      md.append("| measure | value | limit / peer (same run) | ratio |\n|---|---|---|---|\n");
      md.append(String.format(Locale.ROOT, "| load (bf16 shards -> f32) | %.1f s, peak RSS %.2f GB | f32 weights %.2f GB | %.2fx |%n",
          loadS, loadPeak / 1e9, weightBytes / 1e9, loadPeak / (double) weightBytes));
      md.append(prefillRow);
      md.append(decodeRows);
      md.append(String.format(Locale.ROOT, "| train step, LoRA r=8 all-linear (%d params) | %.2f s, %.1f tokens/s | "
          + "fwd+bwd without LoRA %.2f s | overhead %.2fx |%n", trainable, loraS, trainSeq / loraS, probeS, loraS / probeS));
      System.out.print(md);
      if (out != null) {
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, md.toString());
      }
    }
  }

  /** Seconds per decoded token: 16 prompt tokens, then {@code newTokens} greedy steps, the first two not timed. */
  private static double decodeSeconds(Decoder d, int newTokens, int vocab) {
    try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, 16 + newTokens + 1)) {
      NDArray logits = d.forward(scope, DecoderInput.of(ids(16, 2, vocab)), cache, true);
      int next = argmax(logits.toFloatArray());
      long[] stamps = new long[newTokens];
      for (int i = 0; i < newTokens; i++) {
        try (NDManager step = scope.newSubManager()) {
          next = argmax(d.forward(step, DecoderInput.of(new int[] {next}, 16 + i), cache, true).toFloatArray());
        }
        stamps[i] = System.nanoTime();
      }
      return (stamps[newTokens - 1] - stamps[1]) / 1e9 / (newTokens - 2); // first two steps warm up
    }
  }

  /**
   * GFLOP/s of the first sparse layer's experts' own projections alone, as a prefill runs them: every
   * expert's gate, up and down over {@code rows} random rows (libtorch's linear over the model's weights,
   * which stream from memory: 128 experts are 2.4 GB in f32), best of two passes.
   */
  private static double expertsAloneGflops(Decoder d, int rows) {
    ModelConfig c = d.config();
    int layer = 0;
    while (!c.isSparseLayer(layer)) {
      layer++;
    }
    int h = c.hiddenSize();
    int inter = c.moe().moeIntermediateSize();
    double flops = 2.0 * rows * 3 * h * inter * c.moe().numExperts();
    double best = 0;
    try (NDManager mm = d.manager().newSubManager()) {
      NDArray x = mm.randomUniform(-1, 1, new ai.djl.ndarray.types.Shape(rows, h));
      NDArray a = mm.randomUniform(-1, 1, new ai.djl.ndarray.types.Shape(rows, inter));
      for (int pass = 0; pass < 2; pass++) {
        try (NDManager s = mm.newSubManager()) {
          long t = System.nanoTime();
          for (int e = 0; e < c.moe().numExperts(); e++) {
            for (ProjectionKind k : new ProjectionKind[] {ProjectionKind.GATE_PROJ, ProjectionKind.UP_PROJ, ProjectionKind.DOWN_PROJ}) {
              Projection p = d.projections().get(k.expertModuleName(layer, e));
              p.apply(k == ProjectionKind.DOWN_PROJ ? a : x).attach(s);
            }
          }
          best = Math.max(best, flops / ((System.nanoTime() - t) / 1e9) / 1e9);
        }
      }
    }
    return best;
  }

  /** FLOPs of the routed experts' projections in a prefill of {@code t} tokens (k experts per token, every sparse layer). */
  static double expertFlops(ModelConfig c, int t) {
    double total = 0;
    for (int l = 0; l < c.numLayers(); l++) {
      if (c.isSparseLayer(l)) {
        total += 2.0 * t * c.moe().numExpertsPerTok() * 3.0 * c.hiddenSize() * c.moe().moeIntermediateSize();
      }
    }
    return total;
  }

  /** Bytes of f32 weights one decoded token reads: attention, router, k experts, norms per layer; one embedding row; the head. */
  static double decodeBytesPerToken(ModelConfig c) {
    long h = c.hiddenSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKvHeads() * c.headDim();
    double perLayer = h * q + 2 * h * kv + q * h + 2 * h + 2L * c.headDim();
    double total = 0;
    for (int l = 0; l < c.numLayers(); l++) {
      total += perLayer + (c.isSparseLayer(l)
          ? h * c.moe().numExperts() + (double) c.moe().numExpertsPerTok() * 3 * h * c.moe().moeIntermediateSize()
          : 3.0 * h * c.intermediateSize());
    }
    total += h + (double) c.vocabSize() * h + h; // embedding row, head, final norm
    return 4 * total;
  }

  /** FLOPs of a prefill of {@code t} tokens: the active projections, attention, the last position's logits. */
  static double prefillFlops(ModelConfig c, int t) {
    double h = c.hiddenSize();
    double q = (double) c.numHeads() * c.headDim();
    double kv = (double) c.numKvHeads() * c.headDim();
    double linear = 0;
    for (int l = 0; l < c.numLayers(); l++) {
      linear += h * q + 2 * h * kv + q * h + (c.isSparseLayer(l)
          ? h * c.moe().numExperts() + (double) c.moe().numExpertsPerTok() * 3 * h * c.moe().moeIntermediateSize()
          : 3 * h * c.intermediateSize());
    }
    double attention = 4.0 * t * t * c.headDim() * c.numHeads() * c.numLayers();
    return 2.0 * t * linear + attention + 2.0 * h * c.vocabSize();
  }

  private static double stepSeconds(LoraModel model, LoraAdapter adapter, TrainingBatch batch, int steps) {
    adapter.setTrainable(true);
    float denom = batch.predictedTokens();
    DecoderLanguageModel lm = new DecoderLanguageModel(model);
    try (var use = model.use(adapter.name()); AdamW opt = new AdamW(AdamWConfig.DEFAULT, adapter.parameters(),
        adapter.manager())) {
      double best = Double.MAX_VALUE;
      for (int s = 0; s <= steps; s++) {
        long t0 = System.nanoTime();
        Gradients.zero(adapter.parameters().values());
        adapter.modules().values().forEach(io.ltm.lora.lora.LoraModule::resetReached);
        try (NDManager scope = adapter.manager().newSubManager()) {
          lm.forwardBackward(scope, batch, denom);
        }
        Gradients.clipGlobalNorm(adapter.parameters(), 1.0);
        java.util.Set<String> reached = new java.util.HashSet<>();
        adapter.modules().forEach((name, m) -> {
          if (m.reached()) {
            reached.add(name + LoraAdapter.A_SUFFIX);
            reached.add(name + LoraAdapter.B_SUFFIX);
          }
        });
        opt.step(1e-4, reached::contains);
        double sec = (System.nanoTime() - t0) / 1e9;
        log("  %s step %d: %.2f s", adapter.name(), s, sec);
        if (s > 0) {
          best = Math.min(best, sec);
        }
      }
      return best;
    }
  }

  private static TrainingBatch randomBatch(int seq, int vocab) {
    int[] ids = ids(seq, 7, vocab);
    int[] pos = new int[seq];
    int[] segs = new int[seq];
    for (int i = 0; i < seq; i++) {
      pos[i] = i;
      segs[i] = 1;
    }
    return new TrainingBatch(1, seq, ids, ids.clone(), pos, segs);
  }

  /** Random token ids below {@code vocab}. */
  private static int[] ids(int n, long seed, int vocab) {
    int[] ids = randomIds(n, seed);
    for (int i = 0; i < n; i++) {
      ids[i] %= vocab;
    }
    return ids;
  }

  static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      if (v[i] > v[best]) {
        best = i;
      }
    }
    return best;
  }

  private static String arg(String[] args, String name, String dflt) {
    int i = Arrays.asList(args).indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
  }
}
