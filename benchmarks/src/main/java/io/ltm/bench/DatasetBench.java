package io.ltm.bench;

import io.ltm.core.scene.Scene;
import io.ltm.dataset.Dataset;
import io.ltm.dataset.DatasetBuilder;
import io.ltm.dataset.chat.Qwen3ChatTemplate;
import io.ltm.dataset.chat.SceneChatFormat;
import io.ltm.dataset.token.HfTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Dataset builder throughput against its limit, pure tokenization, measured in the same run.
 *
 * <p>Generates a corpus of varied scenes in memory, renders them to ChatML once, then times
 * (interleaved, after a warm-up, median of the runs): (a) tokenizing the rendered texts alone, in
 * native batches of the builder's size (the limit; the native tokenizer parallelises each batch on
 * all cores), and (b) {@link DatasetBuilder#build} on the scenes: duplicate check, rendering,
 * the same tokenization, label masks, length limit, split and packing. Goal: (b) / (a) at most 1.3.
 * Both wall time and process CPU time (all threads, the native tokenizer's included) are reported:
 * on a shared machine the CPU ratio is the steadier measure of cost.
 *
 * <pre>
 * java -cp ... io.ltm.bench.DatasetBench [--scenes 10000] [--runs 5] [--tokenizer examples/tokenizer/qwen3]
 *     [--max-len 2048] [--out benchmarks/results/dataset.md]
 * </pre>
 * Writes a Markdown table to {@code --out} and prints it.
 */
public final class DatasetBench {
  private DatasetBench() {}

  public static void main(String[] args) throws IOException {
    int scenes = 10_000;
    int runs = 5;
    int maxLen = 2048;
    Path tokDir = Paths.get("examples/tokenizer/qwen3");
    Path out = Paths.get("benchmarks/results/dataset.md");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--scenes" -> scenes = Integer.parseInt(args[++i]);
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--max-len" -> maxLen = Integer.parseInt(args[++i]);
        case "--tokenizer" -> tokDir = Paths.get(args[++i]);
        case "--out" -> out = Paths.get(args[++i]);
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    List<Scene> corpus = SceneCorpus.generate(scenes, 42);
    try (HfTokenizer tok = HfTokenizer.load(tokDir)) {
      DatasetBuilder builder = DatasetBuilder.builder().setTokenizer(tok).optMaxLength(maxLen).optPack(true).build();
      List<String> texts = new ArrayList<>(corpus.size());
      SceneChatFormat format = builder.format();
      for (Scene s : corpus) {
        texts.add(Qwen3ChatTemplate.get().renderForTraining(format.toExample(s).messages()).text());
      }
      int batch = DatasetBuilder.DEFAULT_ENCODE_BATCH;
      // warm-up
      long tokens = tokenize(tok, texts, batch);
      Dataset ds = builder.build(corpus);
      double[] tTok = new double[runs];
      double[] tBuild = new double[runs];
      double[] cTok = new double[runs];
      double[] cBuild = new double[runs];
      for (int r = 0; r < runs; r++) {
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        long n = tokenize(tok, texts, batch);
        tTok[r] = (System.nanoTime() - t0) / 1e9;
        cTok[r] = (cpuNanos() - c0) / 1e9;
        if (n != tokens) {
          throw new IllegalStateException("tokenization is not deterministic");
        }
        c0 = cpuNanos();
        t0 = System.nanoTime();
        ds = builder.build(corpus);
        tBuild[r] = (System.nanoTime() - t0) / 1e9;
        cBuild[r] = (cpuNanos() - c0) / 1e9;
      }
      double tok50 = median(tTok);
      double build50 = median(tBuild);
      double cpuTok50 = median(cTok);
      double cpuBuild50 = median(cBuild);
      long builtTokens = ds.stats().tokens() + ds.examples().stream()
          .filter(e -> !e.status().inDataset()).mapToLong(e -> e.tokens()).sum();
      String table = String.format(Locale.ROOT,
          "| step (%,d scenes, %,d tokens, %d cores) | median wall s | examples/s | tokens/s | x tokenization (wall) | median CPU s | x tokenization (CPU) |%n"
              + "|---|---:|---:|---:|---:|---:|---:|%n"
              + "| tokenization only (native batches of %d) — the limit | %.3f | %,.0f | %,.0f | 1.00 | %.3f | 1.00 |%n"
              + "| DatasetBuilder.build (dedup, render, tokenize, labels, split, pack to %d) | %.3f | %,.0f | %,.0f | %.2f | %.3f | %.2f |%n",
          scenes, tokens, Runtime.getRuntime().availableProcessors(), batch, tok50, scenes / tok50, tokens / tok50,
          cpuTok50, maxLen, build50, scenes / build50, builtTokens / build50, build50 / tok50, cpuBuild50,
          cpuBuild50 / cpuTok50);
      String report = "# Dataset builder benchmark\n\n" + table + "\nRuns: " + runs + " (median), tokenization times "
          + fmt(tTok) + " s, builder times " + fmt(tBuild) + " s. Dataset: " + ds.stats().trainSequences() + " train + "
          + ds.stats().validationSequences() + " validation packed sequences, " + ds.stats().labelTokens()
          + " label tokens, " + ds.stats().skipped() + " skipped.\n";
      if (builtTokens != tokens) {
        throw new IllegalStateException("builder tokenized " + builtTokens + " tokens, tokenization alone " + tokens);
      }
      Path parent = out.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Files.writeString(out, report, StandardCharsets.UTF_8);
      System.out.print(report);
    }
  }

  /** CPU time of the whole process (all threads, native ones included). */
  private static long cpuNanos() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return 0;
  }

  private static long tokenize(HfTokenizer tok, List<String> texts, int batch) {
    long n = 0;
    for (int from = 0; from < texts.size(); from += batch) {
      for (int[] ids : tok.encodeIdsBatch(texts.subList(from, Math.min(texts.size(), from + batch)))) {
        n += ids.length;
      }
    }
    return n;
  }

  private static double median(double[] a) {
    double[] c = a.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }

  private static String fmt(double[] a) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < a.length; i++) {
      sb.append(i > 0 ? ", " : "").append(String.format(Locale.ROOT, "%.3f", a[i]));
    }
    return sb.append(']').toString();
  }
}
