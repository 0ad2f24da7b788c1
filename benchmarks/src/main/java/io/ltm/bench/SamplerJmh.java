package io.ltm.bench;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Top-k / top-p over Qwen3's 151,936-token vocabulary: the sampler's candidate head ({@code
 * Sampler.mostLikelyFirst}: lower a threshold until enough ids pass, sort only those) against a full
 * sort of every id by probability (the peer, what it replaced), and the whole {@code Sampler.next}
 * (log Z, entropy, temperature 0.6, top-k 20, top-p 0.95, the draw) for scale. Logits are N(0, 1) x 4,
 * a peaked distribution like a language model's. Also the draw with top-k on as {@code Sampler.next} makes it
 * ({@code sampleTopK}: probabilities only for the ids near the top k) against the full path it replaced
 * (every id's probability, then the head and the draw: {@code drawFullPathPeer}); setup checks that both draw the
 * same ids from the same seed. {@code Sampler} is package-private: its methods are reached through method
 * handles looked up once.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SamplerJmh {
  static final int VOCAB = 151_936;
  private static final MethodHandle HEAD;
  private static final MethodHandle NEW_SAMPLER;
  private static final MethodHandle NEXT;
  private static final MethodHandle TOP_K_PATH;
  private static final MethodHandle FULL_PATH;
  private static final MethodHandle PENALIZED;

  static {
    try {
      Class<?> sampler = Class.forName("io.ltm.lora.generate.Sampler");
      MethodHandles.Lookup l = MethodHandles.privateLookupIn(sampler, MethodHandles.lookup());
      HEAD = l.findStatic(sampler, "mostLikelyFirst", MethodType.methodType(int[].class, double[].class, int.class, double.class));
      NEW_SAMPLER = l.findConstructor(sampler, MethodType.methodType(void.class, double.class, int.class, double.class, double.class, long.class))
          .asType(MethodType.methodType(Object.class, double.class, int.class, double.class, double.class, long.class));
      Class<?> choice = Class.forName("io.ltm.lora.generate.Sampler$Choice");
      NEXT = l.findVirtual(sampler, "next", MethodType.methodType(choice, float[].class, int.class, int.class, boolean[].class))
          .asType(MethodType.methodType(Object.class, Object.class, float[].class, int.class, int.class, boolean[].class));
      TOP_K_PATH = l.findVirtual(sampler, "sampleTopK", MethodType.methodType(int.class, float[].class, int.class, int.class, boolean[].class))
          .asType(MethodType.methodType(int.class, Object.class, float[].class, int.class, int.class, boolean[].class));
      FULL_PATH = l.findVirtual(sampler, "sample", MethodType.methodType(int.class, double[].class))
          .asType(MethodType.methodType(int.class, Object.class, double[].class));
      PENALIZED = l.findVirtual(sampler, "penalizedLogits", MethodType.methodType(double[].class, float[].class, int.class, int.class, boolean[].class))
          .asType(MethodType.methodType(double[].class, Object.class, float[].class, int.class, int.class, boolean[].class));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private float[] logits; // (vocab)
  private double[] p; // (vocab) unnormalized probabilities at temperature 0.6
  private Object sampler;
  private Object fullSampler; // the same settings, for the full path

  @Setup(Level.Trial)
  public void setUp() throws Throwable {
    SplittableRandom rnd = new SplittableRandom(3);
    logits = new float[VOCAB];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < VOCAB; i++) {
      double g = Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
      logits[i] = (float) (4 * g);
      max = Math.max(max, logits[i]);
    }
    p = new double[VOCAB];
    for (int i = 0; i < VOCAB; i++) {
      p[i] = Math.exp((logits[i] - max) / 0.6);
    }
    sampler = NEW_SAMPLER.invokeExact(0.6, 20, 0.95, 1.0, 7L);
    fullSampler = NEW_SAMPLER.invokeExact(0.6, 20, 0.95, 1.0, 7L);
    // The top-k path must draw what the full path draws (the claim it rests on).
    Object a = NEW_SAMPLER.invokeExact(0.6, 20, 0.95, 1.0, 11L);
    Object b = NEW_SAMPLER.invokeExact(0.6, 20, 0.95, 1.0, 11L);
    for (int i = 0; i < 200; i++) {
      int fast = (int) TOP_K_PATH.invokeExact(a, logits, 0, VOCAB, (boolean[]) null);
      int full = (int) FULL_PATH.invokeExact(b, (double[]) PENALIZED.invokeExact(b, logits, 0, VOCAB, (boolean[]) null));
      if (fast != full) {
        throw new IllegalStateException("draw " + i + ": the top-k path chose " + fast + ", the full path " + full);
      }
    }
    // The head must equal the full sort's (the claim the optimisation rests on).
    int[] full = fullSort(p);
    int[] head = (int[]) HEAD.invokeExact(p, 20, 1.0);
    if (!Arrays.equals(head, Arrays.copyOf(full, head.length))) {
      throw new IllegalStateException("top-k head differs from the full sort");
    }
  }

  /** Every id, most likely first (ties by id), keys as the sampler builds them. */
  static int[] fullSort(double[] p) {
    long[] keys = new long[p.length];
    for (int i = 0; i < p.length; i++) {
      long bits = Float.floatToIntBits((float) p[i]);
      keys[i] = ((0x7FFFFFFFL - bits) << 32) | i;
    }
    Arrays.sort(keys);
    int[] order = new int[p.length];
    for (int i = 0; i < p.length; i++) {
      order[i] = (int) keys[i];
    }
    return order;
  }

  /** The sampler's top-k head (k = 20). */
  @Benchmark
  public int[] headTopK20() throws Throwable {
    return (int[]) HEAD.invokeExact(p, 20, 1.0);
  }

  /** The sampler's top-p head (p = 0.95). */
  @Benchmark
  public int[] headTopP95() throws Throwable {
    return (int[]) HEAD.invokeExact(p, 0, 0.95);
  }

  /** Peer: sorting the whole vocabulary by probability. */
  @Benchmark
  public int[] fullSortPeer() {
    return fullSort(p);
  }

  /** The draw with top-k 20 and top-p 0.95 as {@code Sampler.next} makes it: probabilities near the top k only. */
  @Benchmark
  public int drawTopKPath() throws Throwable {
    return (int) TOP_K_PATH.invokeExact(sampler, logits, 0, VOCAB, (boolean[]) null);
  }

  /** Peer: the same draw from every id's probability (the path before, still taken when top-k is off). */
  @Benchmark
  public int drawFullPathPeer() throws Throwable {
    return (int) FULL_PATH.invokeExact(fullSampler, (double[]) PENALIZED.invokeExact(fullSampler, logits, 0, VOCAB, (boolean[]) null));
  }

  /** The whole per-token sampling step (distribution, entropy, top-k 20, top-p 0.95, draw). */
  @Benchmark
  public Object samplerNext() throws Throwable {
    return NEXT.invokeExact(sampler, logits, 0, VOCAB, (boolean[]) null);
  }
}
