package io.ltm.bench;

import ai.djl.ndarray.NDManager;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.LoadOptions;
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

/**
 * The f16 KV cache against the f32 one at long contexts: decode ms/token after a prefill of C tokens (the
 * cache then holds C columns), the bytes a decoded token reads (weights plus every layer's cached keys and
 * values), and how far the f16 cache moves the logprobs of the same greedy tokens. Qwen3-0.6B's shape,
 * bf16 weights kept in bf16 (how {@code ltm generate} runs a bf16 checkpoint on the CPU), one decode path
 * (the one-row Java path). For each context the two cache types alternate, {@code --rounds} times each, each
 * round a fresh prefill and {@code --new} decoded tokens; the best round of each is reported.
 * Run: {@code benchmarks/run KvCacheBench [--contexts 512,2048] [--new 32] [--rounds 2] [--out FILE]}.
 */
public final class KvCacheBench {
  private KvCacheBench() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of("benchmarks", "target", "qwen3-0.6b-bf16");
    Path out = null;
    int[] contexts = {512, 2048};
    int n = 32;
    int rounds = 2;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--dir" -> dir = Path.of(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--contexts" -> contexts = java.util.Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--new" -> n = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (!Files.exists(dir.resolve("model.safetensors"))) {
      RandomCheckpointWriter.builder(CheckpointPreset.QWEN3_0_6B).dtype(TensorDType.BF16).seed(1).build().write(dir);
    }
    List<String> lines = new ArrayList<>();
    lines.add("f16 vs f32 KV cache, Qwen3-0.6B shape, bf16 weights kept, " + Runtime.getRuntime().availableProcessors()
        + " cores, " + System.getProperty("java.vm.version") + String.format(Locale.ROOT, ", load average %.1f", PeerBench.loadAverage()));
    lines.add("");
    lines.add("| cached columns | KV bytes / token, f32 | f16 | bytes / token, f32 cache | f16 cache | decode ms/token, f32 cache (rounds) | f16 cache (rounds) | f16 / f32 time | max abs dlogprob (vocabulary / chosen token) |");
    lines.add("|---:|---:|---:|---:|---:|---|---|---:|---|");
    try (Decoder d = DecoderLoader.load(dir, LoadOptions.forGeneration(ai.djl.Device.cpu()))) {
      // the f16 cache's attention kernel compiled now, before any prefill: the first f16 cache comes after an f32
      // round's prefill here, and compiled then, in a JVM without the trap limit, it came out about twice as slow
      // (Decoder#prepare, TrapLimit)
      d.prepare(TensorDType.F16);
      long weights = 0;
      for (var e : Files.newDirectoryStream(dir, "*.safetensors")) {
        weights += Files.size(e);
      }
      for (int c : contexts) {
        int[] prompt = EngineBench.randomIds(c, 9);
        List<Double> f32 = new ArrayList<>();
        List<Double> f16 = new ArrayList<>();
        float[][] lpFull = null;
        float[][] lpHalf = null;
        long kvFull = 0;
        long kvHalf = 0;
        for (int r = 0; r < rounds; r++) {
          for (TensorDType t : new TensorDType[] {TensorDType.F32, TensorDType.F16}) {
            Run run = run(d, prompt, n, t);
            (t == TensorDType.F32 ? f32 : f16).add(run.msPerToken);
            if (t == TensorDType.F32) {
              lpFull = run.logprobs;
              kvFull = run.kvBytesPerToken;
            } else {
              lpHalf = run.logprobs;
              kvHalf = run.kvBytesPerToken;
            }
            EngineBench.log("context %d, %s cache, round %d: %.1f ms/token", c, t, r + 1, run.msPerToken);
          }
        }
        double worst = 0;
        double chosen = 0;
        for (int i = 0; i < lpFull.length; i++) {
          int a = MoeBench.argmax(lpFull[i]);
          if (MoeBench.argmax(lpHalf[i]) != a) {
            break;
          }
          for (int v = 0; v < lpFull[i].length; v++) {
            worst = Math.max(worst, Math.abs(lpFull[i][v] - lpHalf[i][v]));
          }
          chosen = Math.max(chosen, Math.abs(lpFull[i][a] - lpHalf[i][a]));
        }
        double bf = java.util.Collections.min(f32);
        double bh = java.util.Collections.min(f16);
        lines.add(String.format(Locale.ROOT, "| %d | %.0f MB | %.0f MB | %.2f GB | %.2f GB | %.1f (%s) | %.1f (%s) | %.2f | %.1e / %.1e |", c,
            kvFull / 1e6, kvHalf / 1e6, (weights + kvFull) / 1e9, (weights + kvHalf) / 1e9, bf, EngineBench.fmt2(f32), bh,
            EngineBench.fmt2(f16), bh / bf, worst, chosen));
      }
    }
    lines.add("");
    lines.add("Best round of each; the weights (" + dir + ") are read once per decoded token, the cache's keys and values of "
        + "every layer once per token (mean length over the decoded tokens).");
    String table = String.join("\n", lines) + "\n";
    System.out.print(table);
    if (out != null) {
      Files.writeString(out, table);
    }
  }

  private record Run(double msPerToken, float[][] logprobs, long kvBytesPerToken) {}

  private static Run run(Decoder d, int[] prompt, int n, TensorDType type) {
    float[][] lps = new float[n][];
    long start;
    long kv;
    try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, prompt.length + n, type)) {
      float[] lp = d.forward(scope, DecoderInput.of(prompt), cache, true).reshape(-1).logSoftmax(0).toFloatArray();
      lps[0] = lp;
      start = System.nanoTime();
      for (int i = 1; i < n; i++) {
        try (NDManager step = scope.newSubManager()) {
          lp = d.forward(step, DecoderInput.of(new int[] {MoeBench.argmax(lp)}, prompt.length + i - 1), cache, true)
              .reshape(-1).logSoftmax(0).toFloatArray();
        }
        lps[i] = lp;
      }
      double ms = (System.nanoTime() - start) / 1e6 / (n - 1);
      // bytes of the cached columns a step reads, at the mean length over the decoded tokens
      kv = (long) (cache.bytes() / (double) cache.capacity() * (prompt.length + n / 2.0));
      return new Run(ms, lps, kv);
    }
  }
}
