package io.ltm.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.cuda.CudaUtils;
import io.ltm.lora.doctor.Flops;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.ModelType;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import io.ltm.lora.model.KvCache;
import io.ltm.lora.plan.MemoryPlanner;
import io.ltm.lora.plan.PlanRequest;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * LoRA training and decoding on one device (the GPU proof; runs on the CPU too), per model shape at one
 * sequence length, against limits measured in the same run: this device's matmul throughput in the weights'
 * type through DJL, and optionally torch's own (bf16/f16 8192^3) and copy bandwidth passed in by
 * {@code gpu/prove.sh}. Prints a Markdown table (and writes it to {@code --out}).
 *
 * <p>Rows per shape: LoRA r=16 all-linear (forward, backward, global-norm clip, AdamW); the same with
 * gradient checkpointing; forward + backward with activation gradients only (a rank-1 adapter on layer 0's
 * q_proj; LoRA overhead = first row / this row); decode ms/token (32-token prompt, greedy) against the
 * floor of reading the weights once per token at the copy's read bandwidth. Memory: the device's memory in
 * use after each row (libtorch's caching allocator keeps its peak reserved) against {@code ltm plan}.
 *
 * <p>Usage: {@code DeviceBench --device cuda [--shapes 0.6b,1.7b] [--seq 2048] [--steps 3] [--dir /tmp/x]
 * [--torch-matmul-tflops F] [--torch-copy-gbps G] [--out FILE]}
 */
public final class DeviceBench {
  private DeviceBench() {}

  /** Qwen3-1.7B's shape: hidden 2048, 28 layers, 16 heads / 8 KV heads of 128, intermediate 6144, tied. */
  static final ModelConfig QWEN3_1_7B = ModelConfig.builder(ModelType.QWEN3).hiddenSize(2048).intermediateSize(6144)
      .numLayers(28).numHeads(16).numKvHeads(8).headDim(128).eosTokenIds(List.of(151645)).build();
  static final ModelConfig TINY = ModelConfig.builder(ModelType.QWEN3).hiddenSize(64).intermediateSize(128).numLayers(2)
      .numHeads(4).numKvHeads(2).headDim(16).maxPositionEmbeddings(4096).eosTokenIds(List.of(151645)).build();

  public static void main(String[] args) throws IOException {
    Device dev = LoadOptions.parseDevice(arg(args, "--device", "cpu"));
    int seq = Integer.parseInt(arg(args, "--seq", "2048"));
    int steps = Integer.parseInt(arg(args, "--steps", "3"));
    Path dir = Path.of(arg(args, "--dir", System.getProperty("java.io.tmpdir") + "/ltm-device-bench"));
    double torchTflops = Double.parseDouble(arg(args, "--torch-matmul-tflops", "0"));
    double torchCopy = Double.parseDouble(arg(args, "--torch-copy-gbps", "0"));
    String out = arg(args, "--out", null);
    Engine.getEngine("PyTorch");
    LoadOptions opts = LoadOptions.on(dev);
    boolean f16 = opts.weightType() == TensorDType.F16;
    double djlTflops = matmulTflops(dev, f16, dev.isGpu() ? 8192 : 1024);
    double djlCopy = copyGBps(dev, dev.isGpu() ? (512L << 20) : (32L << 20));
    double copy = torchCopy > 0 ? torchCopy : djlCopy;
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "device %s, weights %s; limits measured in this run: DJL %s matmul %.1f TFLOP/s, "
        + "DJL copy %.0f GB/s%s%n%n", dev, f16 ? "f16" : "f32", f16 ? "f16" : "f32", djlTflops, djlCopy,
        torchTflops > 0 ? String.format(Locale.ROOT, "; torch matmul %.1f TFLOP/s, torch copy %.0f GB/s", torchTflops, torchCopy) : ""));
    t.append("| shape | row | seq | step s | tokens/s | MFU vs DJL matmul | MFU vs torch matmul | memory in use GiB | plan GiB |\n");
    t.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    List<String> decodeRows = new ArrayList<>();
    for (String shape : arg(args, "--shapes", "0.6b,1.7b").split(",")) {
      ModelConfig cfg = switch (shape) {
        case "0.6b" -> CheckpointPreset.QWEN3_0_6B.config();
        case "1.7b" -> QWEN3_1_7B;
        case "tiny" -> TINY;
        default -> throw new IllegalArgumentException("unknown shape " + shape + "; use 0.6b, 1.7b or tiny");
      };
      Path mdir = dir.resolve("qwen3-" + shape);
      if (!Files.exists(mdir.resolve("config.json"))) {
        System.err.println("writing a random " + shape + " checkpoint (bf16) to " + mdir);
        RandomCheckpointWriter.builder(cfg).dtype(TensorDType.BF16).seed(1).withoutTokenizer().build().write(mdir);
      }
      TrainingBatch batch = randomBatch(seq, cfg.vocabSize());
      double flops = Flops.trainPerToken(cfg, seq);
      try (Decoder d = DecoderLoader.load(mdir, opts); LoraModel model = new LoraModel(d)) {
        LoraAdapter all = model.create("all", LoraConfig.builder().optR(16).optLoraAlpha(32).optLoraDropout(0)
            .optTargetModules(new TargetModules.AllLinear()).build(), 1);
        double lora = time(model, all, new DecoderLanguageModel(model), batch, steps);
        row(t, shape, "LoRA r=16 all-linear", seq, lora, flops, djlTflops, torchTflops, dev,
            plan(cfg, dev, seq, false));
        double ckpt = time(model, all, new RecomputingDecoderModel(model), batch, steps);
        row(t, shape, "LoRA r=16 all-linear, gradient checkpointing", seq, ckpt, flops, djlTflops, torchTflops, dev,
            plan(cfg, dev, seq, true));
        model.detach("all");
        LoraAdapter probe = model.create("probe", LoraConfig.builder().optR(1).optLoraAlpha(1).optLoraDropout(0)
            .optTargetModules(new TargetModules.Regex("model\\.layers\\.0\\.self_attn\\.q_proj")).build(), 1);
        double base = time(model, probe, new DecoderLanguageModel(model), batch, steps);
        row(t, shape, "forward+backward, activation grads only (peer)", seq, base, flops, djlTflops, torchTflops, dev, 0);
        model.detach("probe");
        t.append(String.format(Locale.ROOT, "| %s | LoRA overhead (LoRA step / peer step) | | %.3fx | | | | | |%n", shape, lora / base));
        decodeRows.add(decode(d, shape, f16, copy, torchCopy > 0 ? "torch" : "DJL"));
      }
    }
    t.append("\n| shape | decode ms/token | floor ms (weights / copy read bandwidth) | % of floor | bytes/token |\n");
    t.append("|---|---:|---:|---:|---:|\n");
    decodeRows.forEach(t::append);
    System.out.print(t);
    if (out != null) {
      Files.writeString(Path.of(out), t.toString());
    }
  }

  private static long plan(ModelConfig c, Device dev, int seq, boolean ckpt) {
    PlanRequest r = PlanRequest.builder().optGpu(dev.isGpu()).optMaxLen(seq).optDropout(0).optEvaluation(false)
        .optGradientCheckpointing(ckpt).build();
    return MemoryPlanner.plan(c, r, Long.MAX_VALUE / 4, "bench").train().bytes();
  }

  private static void row(StringBuilder t, String shape, String name, int seq, double stepS, double flops, double djlTflops,
      double torchTflops, Device dev, long planBytes) {
    double tps = seq / stepS;
    double used = memoryInUse(dev);
    t.append(String.format(Locale.ROOT, "| %s | %s | %d | %.3f | %.0f | %.1f%% | %s | %.2f | %s |%n", shape, name, seq, stepS, tps,
        100 * tps * flops / (djlTflops * 1e12),
        torchTflops > 0 ? String.format(Locale.ROOT, "%.1f%%", 100 * tps * flops / (torchTflops * 1e12)) : "n/a",
        used / (1L << 30), planBytes > 0 ? String.format(Locale.ROOT, "%.2f", planBytes / (double) (1L << 30)) : ""));
    System.err.print(t.substring(t.lastIndexOf("| " + shape)));
  }

  private static String decode(Decoder d, String shape, boolean f16, double copyGBps, String copySource) {
    int prompt = 32;
    int n = 64;
    int[] ids = randomBatch(prompt, d.config().vocabSize()).inputIds();
    try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, prompt + n + 1)) {
      int next = argmax(d, scope, DecoderInput.of(ids, 0), cache);
      next = argmax(d, scope, DecoderInput.of(new int[] {next}, prompt), cache);
      long t0 = System.nanoTime();
      for (int i = 1; i < n; i++) {
        next = argmax(d, scope, DecoderInput.of(new int[] {next}, prompt + i), cache);
      }
      double ms = (System.nanoTime() - t0) / 1e6 / (n - 1);
      ModelConfig c = d.config();
      long bytes = (c.activeParameterCount() - (c.tieWordEmbeddings() ? 0 : (long) c.vocabSize() * c.hiddenSize())) * (f16 ? 2 : 4);
      double floor = bytes / (copyGBps * 1e9 / 2) * 1e3;
      return String.format(Locale.ROOT, "| %s | %.2f | %.3f (%s copy %.0f GB/s) | %.0f%% | %.2f GB |%n", shape, ms, floor, copySource,
          copyGBps, 100 * floor / ms, bytes / 1e9);
    }
  }

  private static int argmax(Decoder d, NDManager parent, DecoderInput in, KvCache cache) {
    try (NDManager s = parent.newSubManager()) {
      return (int) d.forward(s, in, cache, true).argMax().getLong();
    }
  }

  private static double time(LoraModel model, LoraAdapter adapter, CausalLanguageModel lm, TrainingBatch batch, int steps) {
    adapter.setTrainable(true);
    float denom = batch.predictedTokens();
    try (var use = model.use(adapter.name()); AdamW opt = new AdamW(AdamWConfig.DEFAULT, adapter.parameters(),
        adapter.manager())) {
      double total = 0;
      for (int s = 0; s <= steps; s++) {
        long t0 = System.nanoTime();
        Gradients.zero(adapter.parameters().values());
        double loss;
        try (NDManager scope = adapter.manager().newSubManager()) {
          loss = lm.forwardBackward(scope, batch, denom) / denom; // reading the loss back syncs the device
        }
        Gradients.clipGlobalNorm(adapter.parameters(), 1.0);
        opt.step(1e-4);
        adapter.parameters().values().iterator().next().getScalar(0, 0).getFloat(); // sync after the update
        double sec = (System.nanoTime() - t0) / 1e9;
        System.err.printf(Locale.ROOT, "  %s step %d: %.3f s, loss %.4f%n", adapter.name(), s, sec, loss);
        if (s > 0) {
          total += sec;
        }
      }
      return total / steps;
    }
  }

  static double matmulTflops(Device dev, boolean f16, int n) {
    try (NDManager m = NDManager.newBaseManager(dev)) {
      NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
      NDArray b = m.randomUniform(-1, 1, new Shape(n, n));
      if (f16) {
        a = a.toType(DataType.FLOAT16, false);
        b = b.toType(DataType.FLOAT16, false);
      }
      a.matMul(b).getScalar(0, 0).toType(DataType.FLOAT32, false).getFloat();
      int reps = dev.isGpu() ? 20 : 3;
      long t0 = System.nanoTime();
      NDArray c = null;
      for (int i = 0; i < reps; i++) {
        if (c != null) {
          c.close();
        }
        c = a.matMul(b);
      }
      c.getScalar(0, 0).toType(DataType.FLOAT32, false).getFloat();
      return 2.0 * n * n * n * reps / ((System.nanoTime() - t0) / 1e9) / 1e12;
    }
  }

  static double copyGBps(Device dev, long floats) {
    try (NDManager m = NDManager.newBaseManager(dev)) {
      NDArray a = m.ones(new Shape(floats));
      a.duplicate().getScalar(0).getFloat();
      int reps = 5;
      long t0 = System.nanoTime();
      NDArray c = null;
      for (int i = 0; i < reps; i++) {
        if (c != null) {
          c.close();
        }
        c = a.duplicate();
      }
      c.getScalar(0).getFloat();
      return 2.0 * floats * 4 * reps / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }
  }

  private static double memoryInUse(Device dev) {
    if (dev.isGpu()) {
      try {
        return CudaUtils.getGpuMemory(dev).getCommitted();
      } catch (RuntimeException e) { // libcudart not found by JNA: nvidia-smi's samples in prove.sh still hold
        return Double.NaN;
      }
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024.0;
        }
      }
    } catch (IOException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }

  private static TrainingBatch randomBatch(int seq, int vocab) {
    Random r = new Random(7);
    int[] ids = new int[seq];
    int[] pos = new int[seq];
    int[] segs = new int[seq];
    for (int i = 0; i < seq; i++) {
      ids[i] = r.nextInt(Math.min(vocab, 150000));
      pos[i] = i;
      segs[i] = 1;
    }
    return new TrainingBatch(1, seq, ids, ids.clone(), pos, segs);
  }

  private static String arg(String[] args, String name, String dflt) {
    int i = Arrays.asList(args).indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
  }
}
