package io.ltm.bench;

import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.TraceReader;
import io.ltm.core.loop.TraceRecord;
import io.ltm.core.loop.TraceWriter;
import io.ltm.metrics.detect.BehaviourClassifier;
import io.ltm.metrics.detect.BehaviourDetectors;
import io.ltm.metrics.detect.learned.Detectors;
import io.ltm.metrics.detect.ReflectiveLexicon;
import io.ltm.metrics.stats.Uncertainty;
import io.ltm.metrics.trace.ThoughtMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Thought metrics over generated traces: {@code --traces N} records (default 10,000) of {@code --tokens
 * T} tokens (default 1,000; 80% reasoning), English and Russian words with reflective phrases mixed in,
 * in pairs of loop iterations (iteration 1 rewrites about 10% of iteration 0's tokens, so the rewrite
 * metrics run their edit distances). Written once with {@link TraceWriter}, then timed:
 *
 * <ol>
 *   <li>peer: reading and parsing the JSONL alone ({@link TraceReader#forEach} with a no-op sink);
 *   <li>reading + every metric ({@link ThoughtMetrics#measure(TraceRecord, TraceRecord)});
 *   <li>every metric on records already in memory, and its parts (detectors, lexicon, uncertainty); the
 *       rules, the learned and the combined detector in five interleaved rounds, best round each (the
 *       learned detector is to stay within 3x the rules per trace);
 *   <li>references, each for the stages of its kind: one regex pass over the same texts ({@code \\S+},
 *       counting words) for the text stages (detectors, lexicon), one pass over the tokens (summing
 *       entropies) for the token stage, and reading alone for the reading stages.
 * </ol>
 *
 * Prints a Markdown table (and writes it to {@code --out FILE} when given). Run: {@code java -cp
 * <benchmarks classpath> io.ltm.bench.MetricsBench [--traces N] [--tokens T] [--out FILE]}.
 */
public final class MetricsBench {
  private static final String[] EN = {"the", "model", "answer", "step", "so", "is", "not", "because", "then", "value",
      "we", "this", "that", "check", "claim", "number", "first", "result", "it", "and", "of", "to", "a", "in"};
  private static final String[] RU = {"модель", "ответ", "шаг", "значит", "не", "потому", "что", "число", "это", "и",
      "в", "на", "проверка", "вывод", "итог", "сначала", "результат", "так"};
  private static final String[] CUES = {"Wait,", "Actually,", "let me check", "On the other hand,", "I was wrong",
      "Подожди,", "на самом деле", "перепроверю", "С другой стороны,", "я ошибся", "Let me go back to", "First I need to"};

  /** Interleaved timing rounds of rules, learned and combined detectors; each keeps its best. */
  private static final int ROUNDS = 5;

  private MetricsBench() {}

  public static void main(String[] args) throws Exception {
    int traces = 10_000;
    int tokens = 1_000;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--traces":
          traces = Integer.parseInt(args[++i]);
          break;
        case "--tokens":
          tokens = Integer.parseInt(args[++i]);
          break;
        case "--out":
          out = Path.of(args[++i]);
          break;
        default:
          throw new IllegalArgumentException("unknown argument " + args[i] + "; use --traces N --tokens T --out FILE");
      }
    }
    Path dir = Files.createTempDirectory("ltm-metrics-bench");
    Path file = dir.resolve("traces.jsonl");
    try {
      String table = run(file, traces, tokens);
      System.out.print(table);
      if (out != null) {
        Files.writeString(out, table);
      }
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }
  }

  static TraceRecord generate(SplittableRandom rnd, int index, int tokens, TraceRecord previous) {
    List<GeneratedToken> toks = new ArrayList<>(tokens);
    int reasoningTokens = tokens * 4 / 5;
    boolean ru = (index / 2) % 2 == 1;
    for (int i = 0; i < tokens; i++) {
      if (previous != null && rnd.nextInt(10) != 0) {
        toks.add(previous.tokens().get(i));
        continue;
      }
      String w;
      int r = rnd.nextInt(100);
      if (r < 2) {
        w = CUES[rnd.nextInt(CUES.length)];
      } else if (r < 10) {
        w = ".";
      } else {
        w = ru ? RU[rnd.nextInt(RU.length)] : EN[rnd.nextInt(EN.length)];
      }
      double entropy = rnd.nextDouble() < 0.05 ? 2 + rnd.nextDouble() * 2 : rnd.nextDouble() * 1.5;
      toks.add(new GeneratedToken(rnd.nextInt(151_936), (w.equals(".") ? "" : " ") + w, -entropy * 0.5 - 0.01, entropy,
          i < reasoningTokens));
    }
    StringBuilder reasoning = new StringBuilder();
    StringBuilder answer = new StringBuilder();
    for (GeneratedToken t : toks) {
      (t.reasoning() ? reasoning : answer).append(t.text());
    }
    return new TraceRecord("bench", "probe-" + (index / 2), "Prompt " + (index / 2), index % 2, "Qwen3-0.6B",
        (index / 2) % 3 == 0 ? null : "adapter", (index / 2) % 3 == 0 ? null : 100 * ((index / 2) % 3), reasoning.toString().trim(),
        answer.toString().trim(), toks, Instant.EPOCH, GenerationSettings.defaults());
  }

  static String run(Path file, int traces, int tokens) throws IOException {
    SplittableRandom rnd = new SplittableRandom(42);
    List<TraceRecord> memory = new ArrayList<>();
    int keep = Math.min(traces, 1000);
    long t0 = System.nanoTime();
    try (TraceWriter w = TraceWriter.open(file)) {
      TraceRecord prev = null;
      for (int i = 0; i < traces; i++) {
        TraceRecord r = generate(rnd, i, tokens, i % 2 == 1 ? prev : null);
        w.append(r);
        if (i < keep) {
          memory.add(r);
        }
        prev = r;
      }
    }
    double writeS = (System.nanoTime() - t0) / 1e9;
    double mb = Files.size(file) / 1e6;
    ThoughtMetrics metrics = ThoughtMetrics.builder().build();
    BehaviourDetectors detectors = BehaviourDetectors.defaults();
    ReflectiveLexicon lexicon = ReflectiveLexicon.defaults();

    // warm-up on the in-memory records
    for (int i = 0; i < Math.min(200, memory.size()); i++) {
      metrics.measure(memory.get(i), i % 2 == 1 ? memory.get(i - 1) : null);
    }

    long[] count = new long[1];
    t0 = System.nanoTime();
    TraceReader.forEach(file, r -> count[0]++);
    double parseS = (System.nanoTime() - t0) / 1e9;

    Object[] prev = new Object[1];
    double[] sink = new double[1];
    t0 = System.nanoTime();
    TraceReader.forEach(file, r -> {
      TraceRecord p = r.iteration() == 1 ? (TraceRecord) prev[0] : null;
      sink[0] += metrics.measure(r, p).get(io.ltm.metrics.trace.Metric.REFLECTIVE_PER_1K);
      prev[0] = r;
    });
    double fullS = (System.nanoTime() - t0) / 1e9;

    int reps = Math.max(1, traces / memory.size());
    int n = reps * memory.size();
    t0 = System.nanoTime();
    for (int k = 0; k < reps; k++) {
      for (int i = 0; i < memory.size(); i++) {
        sink[0] += metrics.measure(memory.get(i), i % 2 == 1 ? memory.get(i - 1) : null).get(io.ltm.metrics.trace.Metric.TOKENS);
      }
    }
    double memS = (System.nanoTime() - t0) / 1e9;

    t0 = System.nanoTime();
    for (int k = 0; k < reps; k++) {
      for (TraceRecord r : memory) {
        sink[0] += detectors.detect(ThoughtMetrics.text(r)).size();
      }
    }
    double detS = (System.nanoTime() - t0) / 1e9;

    // the learned detectors classify each sentence (features, six dot products). Rules, learned and
    // combined are timed in five interleaved rounds and each keeps its best round, so a change in the
    // machine's load during the run does not land on one of them only.
    BehaviourClassifier learned = Detectors.resolve("learned");
    BehaviourClassifier combined = Detectors.resolve("combined");
    // warm-up: on a loaded machine the JIT's compiler threads get little CPU, so give them every record
    for (TraceRecord r : memory) {
      sink[0] += learned.detect(ThoughtMetrics.text(r)).size() + combined.detect(ThoughtMetrics.text(r)).size();
    }
    double learnedS = Double.MAX_VALUE;
    double combinedS = Double.MAX_VALUE;
    double detS2 = Double.MAX_VALUE;
    for (int round = 0; round < ROUNDS; round++) {
      t0 = System.nanoTime();
      for (int k = 0; k < reps; k++) {
        for (TraceRecord r : memory) {
          sink[0] += detectors.detect(ThoughtMetrics.text(r)).size();
        }
      }
      detS2 = Math.min(detS2, (System.nanoTime() - t0) / 1e9);
      t0 = System.nanoTime();
      for (int k = 0; k < reps; k++) {
        for (TraceRecord r : memory) {
          sink[0] += learned.detect(ThoughtMetrics.text(r)).size();
        }
      }
      learnedS = Math.min(learnedS, (System.nanoTime() - t0) / 1e9);
      t0 = System.nanoTime();
      for (int k = 0; k < reps; k++) {
        for (TraceRecord r : memory) {
          sink[0] += combined.detect(ThoughtMetrics.text(r)).size();
        }
      }
      combinedS = Math.min(combinedS, (System.nanoTime() - t0) / 1e9);
    }

    t0 = System.nanoTime();
    for (int k = 0; k < reps; k++) {
      for (TraceRecord r : memory) {
        sink[0] += lexicon.count(ThoughtMetrics.text(r)).hits();
      }
    }
    double lexS = (System.nanoTime() - t0) / 1e9;

    t0 = System.nanoTime();
    for (int k = 0; k < reps; k++) {
      for (TraceRecord r : memory) {
        sink[0] += Uncertainty.of(r.tokens()).mean();
      }
    }
    double uncS = (System.nanoTime() - t0) / 1e9;

    t0 = System.nanoTime();
    for (int k = 0; k < reps; k++) {
      for (TraceRecord r : memory) {
        double s = 0;
        for (GeneratedToken t : r.tokens()) {
          s += t.entropy();
        }
        sink[0] += s;
      }
    }
    double passS = (System.nanoTime() - t0) / 1e9;

    // Reference for the text stages: the least any text stage can do is look at every character once; here one
    // pass of a trivial regex over the same texts.
    java.util.regex.Pattern words = java.util.regex.Pattern.compile("\\S+");
    t0 = System.nanoTime();
    for (int k = 0; k < reps; k++) {
      for (TraceRecord r : memory) {
        java.util.regex.Matcher m = words.matcher(ThoughtMetrics.text(r));
        while (m.find()) {
          sink[0]++;
        }
      }
    }
    double scanS = (System.nanoTime() - t0) / 1e9;

    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "Thought metrics over %,d generated traces of %,d tokens (%.0f MB of JSONL; %s, %d cores)%n%n",
        traces, tokens, mb, System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors()));
    sb.append("| stage | traces | seconds | traces/s | x the time of its reference |\n|---|---:|---:|---:|---:|\n");
    double parseRate = traces / parseS;
    double scanRate = n / scanS;
    double passRate = n / passS;
    row(sb, "write JSONL (TraceWriter)", traces, writeS, parseRate);
    row(sb, "reference: read + parse JSONL only (TraceReader)", traces, parseS, parseRate);
    row(sb, "read + parse + all metrics", traces, fullS, parseRate);
    row(sb, "all metrics, records in memory", n, memS, scanRate);
    row(sb, "  part: 7 behaviour detectors (rules)", n, detS, scanRate);
    row(sb, "  part: rules, best of 5 interleaved rounds", n, detS2, scanRate);
    row(sb, "  part: learned detector, best of 5 rounds", n, learnedS, scanRate);
    row(sb, "  part: combined detector, best of 5 rounds", n, combinedS, scanRate);
    row(sb, "  part: reflective lexicon", n, lexS, scanRate);
    row(sb, "reference: one regex pass over the same texts (\\S+)", n, scanS, scanRate);
    row(sb, "  part: entropy mean/p90/spikes", n, uncS, passRate);
    row(sb, "reference: one pass over the tokens (sum of entropies)", n, passS, passRate);
    sb.append("\nEach stage is compared with the reference of its kind (the row named reference above it): reading "
        + "stages with reading alone, text stages with one regex pass over the same text, the token stage with one pass "
        + "over the tokens.\n");
    double rulesS = detS2;
    sb.append(String.format(Locale.ROOT, "%nper trace (best rounds): rules %.2f ms, learned %.2f ms (%.2fx the rules; limit 3x), combined %.2f ms (%.2fx)%n",
        1e3 * rulesS / n, 1e3 * learnedS / n, learnedS / rulesS, 1e3 * combinedS / n, combinedS / rulesS));
    sb.append(String.format(Locale.ROOT, "read + metrics runs at %.2fx the speed of reading alone (parse is %.0f MB/s).%n",
        parseS / fullS, mb / parseS));
    if (sink[0] == 42.4242) {
      sb.append(' ');
    }
    return sb.toString();
  }

  /** A row; the last column is how many times longer than its reference (at {@code refRate} traces/s) it took. */
  private static void row(StringBuilder sb, String name, long n, double s, double refRate) {
    sb.append(String.format(Locale.ROOT, "| %s | %,d | %.2f | %,.0f | %.1f |%n", name, n, s, n / s, refRate / (n / s)));
  }
}
