package io.ltm.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.model.Autograd;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import io.ltm.lora.model.KvCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The fused prefill kernels and {@code --bf16-matmul} ({@code io.ltm.lora.model.TorchKernels}) on the Qwen3-0.6B
 * shape, in one process: prefill tokens/s of the three paths in rotating rounds (the Java kernels of a multi-row
 * forward with the fused kernels, the fused kernels in libtorch only, neither; f32 weights; bf16 weights with bf16
 * products; bf16 weights with f32 products), and the tolerance of the bf16 products: the largest
 * |dlogprob| over the vocabulary, for the greedy token and on average, bf16 products against f32 products of the
 * same bf16 weights, next to what rounding the f32 checkpoint to bf16 moved. Writes a Markdown table
 * (docs/engine.md, "Fused prefill kernels and bf16 matmul").
 *
 * <p>Run: {@code benchmarks/run PrefillKernelsBench [--tokens 512] [--rounds 5] [--score-tokens 128] [--out FILE.md]};
 * the f32 and bf16 checkpoints are PeerBench's (written on first use, seed 1). Thread count: as every bench,
 * {@code OMP_NUM_THREADS=T LTM_BENCH_JAVA_OPTS="-Dai.djl.pytorch.num_threads=T"}.
 */
public final class PrefillKernelsBench {
  private PrefillKernelsBench() {}

  public static void main(String[] args) throws IOException {
    int tokens = 512;
    int rounds = 5;
    int scoreTokens = 128;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--tokens" -> tokens = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--score-tokens" -> scoreTokens = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + " (PrefillKernelsBench [--tokens 512] [--rounds 5] [--score-tokens 128] [--out FILE.md])");
      }
    }
    Path f32 = checkpoint(PeerBench.DEFAULT_MODEL, TensorDType.F32);
    Path bf16 = checkpoint(PeerBench.DEFAULT_BF16_MODEL, TensorDType.BF16);
    LoadOptions kept = LoadOptions.forGeneration(Device.cpu());
    List<String> md = new ArrayList<>();
    md.add(String.format(Locale.ROOT, "PrefillKernelsBench: Qwen3-0.6B shape, prefill of %d tokens, %d rounds rotating "
        + "over three paths in one process (after one warm-up round each): the fused kernels with the Java kernels of a "
        + "multi-row forward (the default), the fused kernels in libtorch only, neither; %d cores, %s threads, load "
        + "average %.1f.",
        tokens, rounds, Runtime.getRuntime().availableProcessors(), System.getProperty("ai.djl.pytorch.num_threads", "default"),
        PeerBench.loadAverage()));
    md.add("");
    md.add("| weights, products | Java + fused: tokens/s (median, min–max) | libtorch fused | explicit | Java / "
        + "libtorch fused | Java / explicit |");
    md.add("|---|---|---|---|---:|---:|");
    md.add(speedRow("f32, f32", f32, LoadOptions.cpu(), tokens, rounds));
    md.add(speedRow("bf16 kept, bf16 (`--bf16-matmul`)", bf16, kept.withBf16Matmul(true), tokens, rounds));
    md.add(speedRow("bf16 kept, f32 (default)", bf16, kept, tokens, rounds));
    md.add("");
    int[] ids = EngineBench.randomIds(scoreTokens, 5);
    float[] f32Products = logprobs(bf16, kept, ids);
    float[] bf16Products = logprobs(bf16, kept.withBf16Matmul(true), ids);
    float[] f32Checkpoint = logprobs(f32, LoadOptions.cpu(), ids);
    double[] moved = diff(f32Products, bf16Products, ids.length);
    double[] rounding = diff(f32Products, f32Checkpoint, ids.length);
    md.add(String.format(Locale.ROOT, "Tolerance over %d positions: | max \\|dlogprob\\| over the vocabulary | greedy token | "
        + "mean |", ids.length));
    md.add("|---|---:|---:|---:|");
    md.add(String.format(Locale.ROOT, "| bf16 products vs f32 products of the same bf16 weights | %.3e | %.3e | %.3e |",
        moved[0], moved[1], moved[2]));
    md.add(String.format(Locale.ROOT, "| f32 checkpoint vs its bf16 rounding (f32 products) | %.3e | %.3e | %.3e |",
        rounding[0], rounding[1], rounding[2]));
    String text = String.join("\n", md) + "\n";
    System.out.print(text);
    if (out != null) {
      Files.writeString(out, text);
    }
  }

  private static Path checkpoint(Path dir, TensorDType dtype) throws IOException {
    if (!Files.isRegularFile(dir.resolve("config.json"))) {
      RandomCheckpointWriter.builder(CheckpointPreset.QWEN3_0_6B).dtype(dtype).seed(1).build().write(dir);
    }
    return dir;
  }

  /**
   * One table row: prefill tokens/s in one loaded model, rounds rotating over the three paths: the fused kernels with
   * the Java kernels of a multi-row forward (the default), the fused kernels in libtorch only (the flash attention),
   * and neither (the explicit ops).
   */
  private static String speedRow(String what, Path dir, LoadOptions load, int tokens, int rounds) {
    int[] ids = EngineBench.randomIds(tokens, 1);
    List<List<Double>> tps = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>()); // java, libtorch, explicit
    boolean wasFused = Decoder.useFusedKernels(true);
    boolean wasJava = Decoder.useJavaPrefillKernels(true);
    try (Decoder d = DecoderLoader.load(dir, load)) {
      for (int r = -1; r < rounds; r++) { // round -1 warms all three up
        for (int i = 0; i < 3; i++) {
          int path = Math.floorMod(r + i, 3);
          Decoder.useFusedKernels(path < 2);
          Decoder.useJavaPrefillKernels(path == 0);
          double t = prefill(d, ids);
          if (r >= 0) {
            tps.get(path).add(t);
          }
        }
      }
    } finally {
      Decoder.useFusedKernels(wasFused);
      Decoder.useJavaPrefillKernels(wasJava);
    }
    EngineBench.log("%s: Java %s, libtorch fused %s, explicit %s tok/s", what, EngineBench.fmt(tps.get(0)),
        EngineBench.fmt(tps.get(1)), EngineBench.fmt(tps.get(2)));
    StringBuilder row = new StringBuilder("| " + what + " |");
    for (List<Double> xs : tps) {
      row.append(String.format(Locale.ROOT, " %.1f (%.1f–%.1f) |", EngineBench.median(xs), min(xs), max(xs)));
    }
    double median = EngineBench.median(tps.get(0));
    return row.append(String.format(Locale.ROOT, " %.2fx | %.2fx |", median / EngineBench.median(tps.get(1)),
        median / EngineBench.median(tps.get(2)))).toString();
  }

  /** Tokens/s of one prefill of {@code ids} into a fresh cache (logits of the last position), as PeerBench's. */
  private static double prefill(Decoder d, int[] ids) {
    try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, ids.length)) {
      long t = System.nanoTime();
      Autograd.inference(() -> d.forward(scope, DecoderInput.of(ids), cache, true)).toFloatArray();
      return ids.length / ((System.nanoTime() - t) / 1e9);
    }
  }

  /** Log-softmax of every position's logits ({@code [T * V]}) under {@code load}. */
  private static float[] logprobs(Path dir, LoadOptions load, int[] ids) {
    try (Decoder d = DecoderLoader.load(dir, load); NDManager s = d.manager().newSubManager()) {
      return Autograd.inference(() -> d.forward(s, DecoderInput.of(ids), null, false)).logSoftmax(-1).toFloatArray();
    }
  }

  /** {max over the vocabulary, max for each position's greedy token under {@code a}, mean} of |a - b|. */
  static double[] diff(float[] a, float[] b, int positions) {
    int vocab = a.length / positions;
    double max = 0;
    double chosen = 0;
    double sum = 0;
    for (int t = 0; t < positions; t++) {
      int best = t * vocab;
      for (int i = t * vocab; i < (t + 1) * vocab; i++) {
        double e = Math.abs(a[i] - b[i]);
        max = Math.max(max, e);
        sum += e;
        best = a[i] > a[best] ? i : best;
      }
      chosen = Math.max(chosen, Math.abs(a[best] - b[best]));
    }
    return new double[] {max, chosen, sum / a.length};
  }

  private static double min(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }

  private static double max(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }
}
