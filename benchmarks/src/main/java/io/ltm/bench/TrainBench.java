package io.ltm.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.train.AdamW;
import io.ltm.lora.train.AdamWConfig;
import io.ltm.lora.train.CausalLanguageModel;
import io.ltm.lora.train.DecoderLanguageModel;
import io.ltm.lora.train.Gradients;
import io.ltm.lora.train.RecomputingDecoderModel;
import io.ltm.lora.train.TrainingBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * LoRA training throughput on the Qwen3-0.6B shape (random weights in the HF layout), f32 on the CPU,
 * against the limit measured in the same run: libtorch's f32 matmul throughput. Prints a Markdown table.
 *
 * <p>Rows: LoRA r=16 on all linear layers (forward, backward, clipping, AdamW) at the given sequence
 * length; the same forward + backward with gradients through the activations only (a rank-1 adapter on
 * layer 0's q_proj, so backward runs through every layer but computes no weight gradients of note); and,
 * optionally, LoRA with gradient checkpointing. MFU = tokens/s x FLOPs per token / matmul FLOP/s, with
 * FLOPs per token = 4 x (projection + lm_head parameters) + 12 x layers x T x heads x head_dim (attention
 * scores and values over the full T x T square, forward and activation backward).
 *
 * <p>Usage: {@code java -cp ... io.ltm.bench.TrainBench [--seq 512] [--steps 2] [--dir /tmp/qwen3-0.6b]
 * [--checkpointing | --only-checkpointing]}
 */
public final class TrainBench {

  private TrainBench() {}

  /**
   * @param args see the class comment
   * @throws IOException when the checkpoint cannot be written
   */
  public static void main(String[] args) throws IOException {
    int seq = Integer.parseInt(arg(args, "--seq", "512"));
    int steps = Integer.parseInt(arg(args, "--steps", "2"));
    Path dir = Path.of(arg(args, "--dir", System.getProperty("java.io.tmpdir") + "/ltm-bench-qwen3-0.6b"));
    boolean withCheckpointing = Arrays.asList(args).contains("--checkpointing");
    // --only-checkpointing: the checkpointed LoRA row alone, so the peak RSS column is that row's own
    // (the process high-water mark is cumulative); used for the sequence-2048 memory measurement
    boolean onlyCheckpointing = Arrays.asList(args).contains("--only-checkpointing");
    ModelConfig cfg = CheckpointPreset.QWEN3_0_6B.config();
    if (!Files.exists(dir.resolve("config.json"))) {
      System.err.println("writing a random Qwen3-0.6B-shaped checkpoint (bf16) to " + dir);
      RandomCheckpointWriter.builder(CheckpointPreset.QWEN3_0_6B).dtype(TensorDType.BF16).seed(1).build().write(dir);
    }
    double matmulGflops = matmulGflops();
    System.err.printf(Locale.ROOT, "libtorch f32 matmul: %.1f GFLOP/s%n", matmulGflops);
    TrainingBatch batch = randomBatch(seq, cfg.vocabSize());
    double flopsPerToken = flopsPerToken(cfg, seq);
    StringBuilder table = new StringBuilder();
    table.append("| run | seq | step s | tokens/s | MFU vs matmul | peak RSS GiB |\n");
    table.append("|---|---:|---:|---:|---:|---:|\n");
    double lora;
    double base;
    try (Decoder decoder = DecoderLoader.load(dir); LoraModel model = new LoraModel(decoder)) {
      LoraAdapter all = model.create("all", LoraConfig.builder().optR(16).optLoraAlpha(32)
          .optTargetModules(new TargetModules.AllLinear()).build(), 1);
      System.err.println(model.trainableParameters("all").format());
      if (onlyCheckpointing) {
        double ckpt = time(model, all, new RecomputingDecoderModel(model), batch, steps);
        row(table, "LoRA r=16 all-linear, gradient checkpointing", seq, ckpt, flopsPerToken, matmulGflops);
        table.append(String.format(Locale.ROOT, "%nlibtorch f32 matmul (2048^3, same run): %.1f GFLOP/s; FLOPs/token %.2f G%n",
            matmulGflops, flopsPerToken / 1e9));
        System.out.print(table);
        return;
      }
      lora = time(model, all, new DecoderLanguageModel(model), batch, steps);
      row(table, "LoRA r=16 all-linear", seq, lora, flopsPerToken, matmulGflops);
      if (withCheckpointing) {
        double ckpt = time(model, all, new RecomputingDecoderModel(model), batch, steps);
        row(table, "LoRA r=16 all-linear, gradient checkpointing", seq, ckpt, flopsPerToken, matmulGflops);
      }
      model.detach("all");
      LoraAdapter probe = model.create("probe", LoraConfig.builder().optR(1).optLoraAlpha(1)
          .optTargetModules(new TargetModules.Regex("model\\.layers\\.0\\.self_attn\\.q_proj")).build(), 1);
      base = time(model, probe, new DecoderLanguageModel(model), batch, steps);
      row(table, "forward+backward, activation grads only", seq, base, flopsPerToken, matmulGflops);
    }
    table.append(String.format(Locale.ROOT, "%nlibtorch f32 matmul (2048^3, same run): %.1f GFLOP/s; "
        + "FLOPs/token %.2f G; LoRA overhead (step with LoRA / fwd+bwd without): %.3fx%n",
        matmulGflops, flopsPerToken / 1e9, lora / base));
    System.out.print(table);
  }

  private static void row(StringBuilder t, String name, int seq, double stepS, double flopsPerToken, double gflops) {
    double tps = seq / stepS;
    t.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.1f | %.1f%% | %.2f |%n", name, seq, stepS, tps,
        100 * tps * flopsPerToken / (gflops * 1e9), peakRssGib()));
  }

  /** Mean seconds of a full optimizer step (forward, backward, clip, AdamW) after one warmup step. */
  private static double time(LoraModel model, LoraAdapter adapter, CausalLanguageModel lm, TrainingBatch batch,
      int steps) {
    adapter.setTrainable(true);
    float denom = batch.predictedTokens();
    try (var use = model.use(adapter.name()); AdamW opt = new AdamW(AdamWConfig.DEFAULT, adapter.parameters(),
        adapter.manager())) {
      double total = 0;
      for (int s = 0; s <= steps; s++) {
        long t0 = System.nanoTime();
        Gradients.zero(adapter.parameters().values());
        try (NDManager scope = adapter.manager().newSubManager()) {
          lm.forwardBackward(scope, batch, denom);
        }
        Gradients.clipGlobalNorm(adapter.parameters(), 1.0);
        opt.step(1e-4);
        double sec = (System.nanoTime() - t0) / 1e9;
        System.err.printf(Locale.ROOT, "  %s step %d: %.2f s%n", adapter.name(), s, sec);
        if (s > 0) {
          total += sec;
        }
      }
      return total / steps;
    }
  }

  private static double matmulGflops() {
    try (NDManager m = NDManager.newBaseManager()) {
      int n = 2048;
      NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
      NDArray b = m.randomUniform(-1, 1, new Shape(n, n));
      a.matMul(b).close();
      int reps = 5;
      long t0 = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        a.matMul(b).close();
      }
      double sec = (System.nanoTime() - t0) / 1e9;
      return 2.0 * n * n * n * reps / sec / 1e9;
    }
  }

  static double flopsPerToken(ModelConfig c, int seq) {
    long h = c.hiddenSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKvHeads() * c.headDim();
    long i = c.intermediateSize();
    long perLayer = h * q + 2 * h * kv + q * h + 3 * h * i;
    long matmulParams = perLayer * c.numLayers() + (long) c.vocabSize() * h;
    double attention = 12.0 * c.numLayers() * seq * q;
    return 4.0 * matmulParams + attention;
  }

  private static TrainingBatch randomBatch(int seq, int vocab) {
    Random r = new Random(7);
    int[] ids = new int[seq];
    int[] labels = new int[seq];
    int[] pos = new int[seq];
    int[] segs = new int[seq];
    for (int i = 0; i < seq; i++) {
      ids[i] = r.nextInt(Math.min(vocab, 150000));
      labels[i] = ids[i];
      pos[i] = i;
      segs[i] = 1;
    }
    return new TrainingBatch(1, seq, ids, labels, pos, segs);
  }

  private static double peakRssGib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }

  private static String arg(String[] args, String name, String dflt) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return dflt;
  }

  static {
    Engine.getInstance();
  }
}
