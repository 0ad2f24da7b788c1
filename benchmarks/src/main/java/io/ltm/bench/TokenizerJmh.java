package io.ltm.bench;

import io.ltm.dataset.token.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Tokenization through the real Qwen3 {@code tokenizer.json} ({@code examples/tokenizer/qwen3}, HF
 * {@code tokenizers} through DJL): 64 texts of about 1,000 tokens each (MetricsBench's English or
 * Russian words). {@code encodeEach} is {@link HfTokenizer#encode} text by text (ids and character
 * offsets), {@code encodeBatch} the dataset builder's path (one native batch, offsets computed from
 * the ids), and the limit {@code idsOnlyBatch} the same native batch returning ids alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class TokenizerJmh {
  @Param({"en", "ru"})
  public String lang;

  private HfTokenizer tokenizer;
  private List<String> texts;
  /** Tokens in {@link #texts}, to turn a score into tokens/s. */
  public long tokens;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path dir = Path.of("examples/tokenizer/qwen3");
    if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      throw new IllegalStateException("run from the repository root (examples/tokenizer/qwen3 is read)");
    }
    tokenizer = HfTokenizer.load(dir);
    texts = new ArrayList<>();
    SplittableRandom rnd = new SplittableRandom(9);
    for (int i = 0; i < 64; i++) {
      texts.add(io.ltm.metrics.trace.ThoughtMetrics.text(
          MetricsBench.generate(rnd, lang.equals("ru") ? 2 : 0, 1000, null)));
    }
    for (int[] ids : tokenizer.encodeIdsBatch(texts)) {
      tokens += ids.length;
    }
    System.out.printf("%n%s: %d texts, %d tokens%n", lang, texts.size(), tokens);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    tokenizer.close();
  }

  /** One text at a time, ids and offsets. */
  @Benchmark
  public int encodeEach() {
    int n = 0;
    for (String t : texts) {
      n += tokenizer.encode(t).ids().length;
    }
    return n;
  }

  /** One native batch, ids and offsets (what DatasetBuilder calls). */
  @Benchmark
  public int encodeBatch() {
    int n = 0;
    for (io.ltm.dataset.token.Encoded e : tokenizer.encodeBatch(texts)) {
      n += e.ids().length;
    }
    return n;
  }

  /** Limit: one native batch, ids only. */
  @Benchmark
  public int idsOnlyBatch() {
    int n = 0;
    for (int[] ids : tokenizer.encodeIdsBatch(texts)) {
      n += ids.length;
    }
    return n;
  }
}
