package io.ltm.bench;

import io.ltm.core.loop.TraceRecord;
import io.ltm.metrics.detect.BehaviourDetectors;
import io.ltm.metrics.trace.ThoughtMetrics;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The seven behaviour detectors over one 1,000-token trace (MetricsBench's generated English or
 * Russian reasoning with cues), so a score is the cost per 1,000 tokens; the limit beside it is one
 * pass over the same characters (counting spaces).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class DetectorsJmh {
  @Param({"en", "ru"})
  public String lang;

  private BehaviourDetectors detectors;
  private String text;

  @Setup(Level.Trial)
  public void setUp() {
    detectors = BehaviourDetectors.defaults();
    // MetricsBench writes Russian for trace indices 2 and 3 (mod 4), English for 0 and 1.
    TraceRecord r = MetricsBench.generate(new SplittableRandom(5), lang.equals("ru") ? 2 : 0, 1000, null);
    text = ThoughtMetrics.text(r);
  }

  /** All seven detectors, every span of a 1,000-token text. */
  @Benchmark
  public int detectPer1000Tokens() {
    return detectors.detect(text).size();
  }

  /** Limit: one pass over the text's characters. */
  @Benchmark
  public int onePassLimit() {
    int n = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == ' ') {
        n++;
      }
    }
    return n;
  }
}
