package io.ltm.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Standalone probe of one-thread GEMV kernels, f32 against bf16 forms: {@code y = W x} over a
 * {@code [151936 x 1024]} matrix (Qwen3-0.6B's lm head: from DRAM) and a {@code [3072 x 1024]} one (an MLP
 * projection: from cache), best of N calls, in G weights per CPU-second (thread CPU time) and per wall second.
 * Each kernel is a copy kept here so that the forms can be compared in one JVM; the winner lives in
 * {@code io.ltm.lora.model.VectorGemv}. Run: {@code benchmarks/run Bf16GemvProbe [N] [--direct]}.
 *
 * <p>The matrices are libtorch tensors, as a loaded model's weights are (on 2 MiB pages where {@code ltm-env.sh}
 * turns that on, which {@code benchmarks/run} sources); {@code --direct} puts them in JDK direct buffers on 4 KiB
 * pages instead, where this probe ran until 2026-12-06 and where the forms rank differently from DRAM.
 */
public final class Bf16GemvProbe {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Short> S =
      ShortVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(F.vectorBitSize() / 2));
  private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;
  private static final VectorSpecies<Integer> I256 = IntVector.SPECIES_256;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private Bf16GemvProbe() {}

  /** One kernel: y = W x over the rows [0, rows). */
  private interface Kernel {
    void run(ByteBuffer w, int cols, float[] x, float[] y, int rows);
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 15;
    boolean direct = java.util.Arrays.asList(args).contains("--direct");
    System.out.println("species " + F + ", " + (direct ? "JDK direct buffers (4 KiB pages)" : "libtorch tensors")
        + ", uptime: " + uptime());
    try (NDManager torch = NDManager.newBaseManager("PyTorch")) {
      probe(n, direct, torch);
    }
    System.out.println("uptime: " + uptime());
  }

  /** {@code rows * cols} elements of {@code bytes} each: a libtorch tensor's memory (owned by {@code torch}) or a direct buffer. */
  private static ByteBuffer matrix(int rows, int cols, int bytes, boolean direct, NDManager torch) {
    if (direct) {
      return ByteBuffer.allocateDirect(rows * cols * bytes).order(NATIVE);
    }
    return torch.zeros(new Shape(rows, cols), bytes == 4 ? DataType.FLOAT32 : DataType.FLOAT16).toByteBuffer(true)
        .order(NATIVE); // the tensor's own memory, as Gemv reads a weight
  }

  private static void probe(int n, boolean direct, NDManager torch) {
    for (int rows : new int[] {151936, 3072}) {
      int cols = 1024;
      Random rnd = new Random(7);
      ByteBuffer w32 = matrix(rows, cols, 4, direct, torch);
      ByteBuffer w16 = matrix(rows, cols, 2, direct, torch);
      for (int i = 0; i < rows * cols; i++) {
        int bits = Float.floatToRawIntBits((float) rnd.nextGaussian() * 0.05f) & 0xFFFF0000; // bf16-exact
        w32.putInt(i * 4, bits);
        w16.putShort(i * 2, (short) (bits >>> 16));
      }
      float[] x = new float[cols];
      for (int i = 0; i < cols; i++) {
        x[i] = (float) rnd.nextGaussian();
      }
      double[] ref = new double[rows];
      for (int r = 0; r < rows; r++) {
        double s = 0;
        for (int c = 0; c < cols; c++) {
          s += (double) w32.getFloat((r * cols + c) * 4) * x[c];
        }
        ref[r] = s;
      }
      System.out.printf("%n[%d x %d] (%s)%n", rows, cols, rows > 100000 ? "DRAM" : "cache");
      System.out.println("| kernel | G weights / CPU-s | G weights / wall-s | GB/s (CPU) | max rel err |");
      System.out.println("|---|---|---|---|---|");
      String[] names = {"f32 (8 rows)", "bf16 short load + S2I (8 rows, current)", "bf16 even/odd int (4 rows)",
          "bf16 even/odd int (8 rows)", "bf16 even/odd int 256-bit (4 rows)", "bf16 even/odd int (4 rows, 2 acc/row)",
          "bf16 even/odd int (1 row, 4 acc)", "bf16 even/odd int (2 rows, 2 acc/row)", "f32 (1 row, 4 acc)", "bf16 even/odd int (1 row, 4 int vectors, 8 acc)"};
      Kernel[] ks = {Bf16GemvProbe::f32, Bf16GemvProbe::bf16Short, Bf16GemvProbe::evenOdd4,
          Bf16GemvProbe::evenOdd8, Bf16GemvProbe::evenOdd4x256, Bf16GemvProbe::evenOdd4Two, Bf16GemvProbe::evenOdd1, Bf16GemvProbe::evenOdd2,
          Bf16GemvProbe::f32OneRow, Bf16GemvProbe::evenOdd1x4};
      int[] bytes = {4, 2, 2, 2, 2, 2, 2, 2, 4, 2};
      double[][] best = new double[ks.length][2];
      float[] y = new float[rows];
      double[] err = new double[ks.length];
      for (int round = 0; round < n; round++) { // alternate the kernels round by round
        for (int k = 0; k < ks.length; k++) {
          ByteBuffer w = bytes[k] == 4 ? w32 : w16;
          long c0 = THREADS.getCurrentThreadCpuTime();
          long t0 = System.nanoTime();
          ks[k].run(w, cols, x, y, rows);
          long t1 = System.nanoTime();
          long c1 = THREADS.getCurrentThreadCpuTime();
          double wps = (double) rows * cols / Math.max(1, c1 - c0);
          double wall = (double) rows * cols / (t1 - t0);
          best[k][0] = Math.max(best[k][0], wps);
          best[k][1] = Math.max(best[k][1], wall);
          if (round == n - 1) {
            double e = 0;
            for (int r = 0; r < rows; r++) {
              e = Math.max(e, Math.abs(y[r] - ref[r]) / (Math.abs(ref[r]) + 1e-3));
            }
            err[k] = e;
          }
        }
      }
      for (int k = 0; k < ks.length; k++) {
        System.out.printf("| %s | %.2f | %.2f | %.1f | %.1e |%n", names[k], best[k][0], best[k][1],
            best[k][0] * bytes[k], err[k]);
      }
    }
  }

  private static String uptime() {
    try {
      return new String(new ProcessBuilder("uptime").start().getInputStream().readAllBytes()).trim();
    } catch (Exception e) {
      return "?";
    }
  }

  static void f32(ByteBuffer w, int cols, float[] x, float[] y, int rows) {
    final int lanes = F.length();
    final int rowBytes = cols * 4;
    int r = 0;
    for (; r <= rows - 8; r += 8) {
      final int b = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      for (int c = 0; c <= cols - lanes; c += lanes) {
        FloatVector xv = FloatVector.fromArray(F, x, c);
        int o = b + c * 4;
        a0 = FloatVector.fromByteBuffer(F, w, o, NATIVE).fma(xv, a0);
        a1 = FloatVector.fromByteBuffer(F, w, o + rowBytes, NATIVE).fma(xv, a1);
        a2 = FloatVector.fromByteBuffer(F, w, o + 2 * rowBytes, NATIVE).fma(xv, a2);
        a3 = FloatVector.fromByteBuffer(F, w, o + 3 * rowBytes, NATIVE).fma(xv, a3);
        a4 = FloatVector.fromByteBuffer(F, w, o + 4 * rowBytes, NATIVE).fma(xv, a4);
        a5 = FloatVector.fromByteBuffer(F, w, o + 5 * rowBytes, NATIVE).fma(xv, a5);
        a6 = FloatVector.fromByteBuffer(F, w, o + 6 * rowBytes, NATIVE).fma(xv, a6);
        a7 = FloatVector.fromByteBuffer(F, w, o + 7 * rowBytes, NATIVE).fma(xv, a7);
      }
      y[r] = a0.reduceLanes(VectorOperators.ADD);
      y[r + 1] = a1.reduceLanes(VectorOperators.ADD);
      y[r + 2] = a2.reduceLanes(VectorOperators.ADD);
      y[r + 3] = a3.reduceLanes(VectorOperators.ADD);
      y[r + 4] = a4.reduceLanes(VectorOperators.ADD);
      y[r + 5] = a5.reduceLanes(VectorOperators.ADD);
      y[r + 6] = a6.reduceLanes(VectorOperators.ADD);
      y[r + 7] = a7.reduceLanes(VectorOperators.ADD);
    }
  }

  static void bf16Short(ByteBuffer w, int cols, float[] x, float[] y, int rows) {
    final int lanes = F.length();
    final int rowBytes = cols * 2;
    int r = 0;
    for (; r <= rows - 8; r += 8) {
      final int b = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      for (int c = 0; c <= cols - lanes; c += lanes) {
        FloatVector xv = FloatVector.fromArray(F, x, c);
        int o = b + c * 2;
        a0 = upper(w, o).reinterpretAsFloats().fma(xv, a0);
        a1 = upper(w, o + rowBytes).reinterpretAsFloats().fma(xv, a1);
        a2 = upper(w, o + 2 * rowBytes).reinterpretAsFloats().fma(xv, a2);
        a3 = upper(w, o + 3 * rowBytes).reinterpretAsFloats().fma(xv, a3);
        a4 = upper(w, o + 4 * rowBytes).reinterpretAsFloats().fma(xv, a4);
        a5 = upper(w, o + 5 * rowBytes).reinterpretAsFloats().fma(xv, a5);
        a6 = upper(w, o + 6 * rowBytes).reinterpretAsFloats().fma(xv, a6);
        a7 = upper(w, o + 7 * rowBytes).reinterpretAsFloats().fma(xv, a7);
      }
      y[r] = a0.reduceLanes(VectorOperators.ADD);
      y[r + 1] = a1.reduceLanes(VectorOperators.ADD);
      y[r + 2] = a2.reduceLanes(VectorOperators.ADD);
      y[r + 3] = a3.reduceLanes(VectorOperators.ADD);
      y[r + 4] = a4.reduceLanes(VectorOperators.ADD);
      y[r + 5] = a5.reduceLanes(VectorOperators.ADD);
      y[r + 6] = a6.reduceLanes(VectorOperators.ADD);
      y[r + 7] = a7.reduceLanes(VectorOperators.ADD);
    }
  }

  private static IntVector upper(ByteBuffer w, int o) {
    IntVector v = (IntVector) ShortVector.fromByteBuffer(S, w, o, NATIVE).convertShape(VectorOperators.S2I, I, 0);
    return v.lanewise(VectorOperators.LSHL, 16);
  }

  /** x split into its even and odd columns: [2][cols / 2]. */
  private static float[][] split(float[] x, int cols) {
    float[] xe = new float[cols / 2];
    float[] xo = new float[cols / 2];
    for (int k = 0; k < cols / 2; k++) {
      xe[k] = x[2 * k];
      xo[k] = x[2 * k + 1];
    }
    return new float[][] {xe, xo};
  }

  static void evenOdd4(ByteBuffer w, int cols, float[] x, float[] y, int rows) {
    final float[][] s = split(x, cols);
    final float[] xe = s[0];
    final float[] xo = s[1];
    final int lanes = I.length(); // ints per vector = 2 * lanes weights
    final int pairs = cols / 2;
    final int rowBytes = cols * 2;
    final IntVector hi = IntVector.broadcast(I, 0xFFFF0000);
    int r = 0;
    for (; r <= rows - 4; r += 4) {
      final int b = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int k = 0; k <= pairs - lanes; k += lanes) {
        FloatVector ev = FloatVector.fromArray(F, xe, k);
        FloatVector od = FloatVector.fromArray(F, xo, k);
        int o = b + k * 4;
        IntVector v0 = IntVector.fromByteBuffer(I, w, o, NATIVE);
        IntVector v1 = IntVector.fromByteBuffer(I, w, o + rowBytes, NATIVE);
        IntVector v2 = IntVector.fromByteBuffer(I, w, o + 2 * rowBytes, NATIVE);
        IntVector v3 = IntVector.fromByteBuffer(I, w, o + 3 * rowBytes, NATIVE);
        a0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a0);
        a1 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a1);
        a2 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a2);
        a3 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a3);
        a0 = v0.and(hi).reinterpretAsFloats().fma(od, a0);
        a1 = v1.and(hi).reinterpretAsFloats().fma(od, a1);
        a2 = v2.and(hi).reinterpretAsFloats().fma(od, a2);
        a3 = v3.and(hi).reinterpretAsFloats().fma(od, a3);
      }
      y[r] = a0.reduceLanes(VectorOperators.ADD);
      y[r + 1] = a1.reduceLanes(VectorOperators.ADD);
      y[r + 2] = a2.reduceLanes(VectorOperators.ADD);
      y[r + 3] = a3.reduceLanes(VectorOperators.ADD);
    }
  }

  static void evenOdd4Two(ByteBuffer w, int cols, float[] x, float[] y, int rows) {
    final float[][] s = split(x, cols);
    final float[] xe = s[0];
    final float[] xo = s[1];
    final int lanes = I.length();
    final int pairs = cols / 2;
    final int rowBytes = cols * 2;
    final IntVector hi = IntVector.broadcast(I, 0xFFFF0000);
    int r = 0;
    for (; r <= rows - 4; r += 4) {
      final int b = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector b0 = a0;
      FloatVector b1 = a0;
      FloatVector b2 = a0;
      FloatVector b3 = a0;
      for (int k = 0; k <= pairs - lanes; k += lanes) {
        FloatVector ev = FloatVector.fromArray(F, xe, k);
        FloatVector od = FloatVector.fromArray(F, xo, k);
        int o = b + k * 4;
        IntVector v0 = IntVector.fromByteBuffer(I, w, o, NATIVE);
        IntVector v1 = IntVector.fromByteBuffer(I, w, o + rowBytes, NATIVE);
        IntVector v2 = IntVector.fromByteBuffer(I, w, o + 2 * rowBytes, NATIVE);
        IntVector v3 = IntVector.fromByteBuffer(I, w, o + 3 * rowBytes, NATIVE);
        a0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a0);
        a1 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a1);
        a2 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a2);
        a3 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a3);
        b0 = v0.and(hi).reinterpretAsFloats().fma(od, b0);
        b1 = v1.and(hi).reinterpretAsFloats().fma(od, b1);
        b2 = v2.and(hi).reinterpretAsFloats().fma(od, b2);
        b3 = v3.and(hi).reinterpretAsFloats().fma(od, b3);
      }
      y[r] = a0.add(b0).reduceLanes(VectorOperators.ADD);
      y[r + 1] = a1.add(b1).reduceLanes(VectorOperators.ADD);
      y[r + 2] = a2.add(b2).reduceLanes(VectorOperators.ADD);
      y[r + 3] = a3.add(b3).reduceLanes(VectorOperators.ADD);
    }
  }

  static void evenOdd4x256(ByteBuffer w, int cols, float[] x, float[] y, int rows) {
    final float[][] s = split(x, cols);
    final float[] xe = s[0];
    final float[] xo = s[1];
    final int lanes = I256.length();
    final int pairs = cols / 2;
    final int rowBytes = cols * 2;
    final IntVector hi = IntVector.broadcast(I256, 0xFFFF0000);
    int r = 0;
    for (; r <= rows - 4; r += 4) {
      final int b = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F256);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int k = 0; k <= pairs - lanes; k += lanes) {
        FloatVector ev = FloatVector.fromArray(F256, xe, k);
        FloatVector od = FloatVector.fromArray(F256, xo, k);
        int o = b + k * 4;
        IntVector v0 = IntVector.fromByteBuffer(I256, w, o, NATIVE);
        IntVector v1 = IntVector.fromByteBuffer(I256, w, o + rowBytes, NATIVE);
        IntVector v2 = IntVector.fromByteBuffer(I256, w, o + 2 * rowBytes, NATIVE);
        IntVector v3 = IntVector.fromByteBuffer(I256, w, o + 3 * rowBytes, NATIVE);
        a0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a0);
        a1 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a1);
        a2 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a2);
        a3 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a3);
        a0 = v0.and(hi).reinterpretAsFloats().fma(od, a0);
        a1 = v1.and(hi).reinterpretAsFloats().fma(od, a1);
        a2 = v2.and(hi).reinterpretAsFloats().fma(od, a2);
        a3 = v3.and(hi).reinterpretAsFloats().fma(od, a3);
      }
      y[r] = a0.reduceLanes(VectorOperators.ADD);
      y[r + 1] = a1.reduceLanes(VectorOperators.ADD);
      y[r + 2] = a2.reduceLanes(VectorOperators.ADD);
      y[r + 3] = a3.reduceLanes(VectorOperators.ADD);
    }
  }

  static void evenOdd8(ByteBuffer w, int cols, float[] x, float[] y, int rows) {
    final float[][] s = split(x, cols);
    final float[] xe = s[0];
    final float[] xo = s[1];
    final int lanes = I.length();
    final int pairs = cols / 2;
    final int rowBytes = cols * 2;
    final IntVector hi = IntVector.broadcast(I, 0xFFFF0000);
    int r = 0;
    for (; r <= rows - 8; r += 8) {
      final int b = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      for (int k = 0; k <= pairs - lanes; k += lanes) {
        FloatVector ev = FloatVector.fromArray(F, xe, k);
        FloatVector od = FloatVector.fromArray(F, xo, k);
        int o = b + k * 4;
        IntVector v0 = IntVector.fromByteBuffer(I, w, o, NATIVE);
        IntVector v1 = IntVector.fromByteBuffer(I, w, o + rowBytes, NATIVE);
        IntVector v2 = IntVector.fromByteBuffer(I, w, o + 2 * rowBytes, NATIVE);
        IntVector v3 = IntVector.fromByteBuffer(I, w, o + 3 * rowBytes, NATIVE);
        IntVector v4 = IntVector.fromByteBuffer(I, w, o + 4 * rowBytes, NATIVE);
        IntVector v5 = IntVector.fromByteBuffer(I, w, o + 5 * rowBytes, NATIVE);
        IntVector v6 = IntVector.fromByteBuffer(I, w, o + 6 * rowBytes, NATIVE);
        IntVector v7 = IntVector.fromByteBuffer(I, w, o + 7 * rowBytes, NATIVE);
        a0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a0);
        a1 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a1);
        a2 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a2);
        a3 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a3);
        a4 = v4.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a4);
        a5 = v5.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a5);
        a6 = v6.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a6);
        a7 = v7.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a7);
        a0 = v0.and(hi).reinterpretAsFloats().fma(od, a0);
        a1 = v1.and(hi).reinterpretAsFloats().fma(od, a1);
        a2 = v2.and(hi).reinterpretAsFloats().fma(od, a2);
        a3 = v3.and(hi).reinterpretAsFloats().fma(od, a3);
        a4 = v4.and(hi).reinterpretAsFloats().fma(od, a4);
        a5 = v5.and(hi).reinterpretAsFloats().fma(od, a5);
        a6 = v6.and(hi).reinterpretAsFloats().fma(od, a6);
        a7 = v7.and(hi).reinterpretAsFloats().fma(od, a7);
      }
      y[r] = a0.reduceLanes(VectorOperators.ADD);
      y[r + 1] = a1.reduceLanes(VectorOperators.ADD);
      y[r + 2] = a2.reduceLanes(VectorOperators.ADD);
      y[r + 3] = a3.reduceLanes(VectorOperators.ADD);
      y[r + 4] = a4.reduceLanes(VectorOperators.ADD);
      y[r + 5] = a5.reduceLanes(VectorOperators.ADD);
      y[r + 6] = a6.reduceLanes(VectorOperators.ADD);
      y[r + 7] = a7.reduceLanes(VectorOperators.ADD);
    }
  }

  static void evenOdd1(ByteBuffer w, int cols, float[] x, float[] y, int rows) {
    final float[][] s = split(x, cols);
    final float[] xe = s[0];
    final float[] xo = s[1];
    final int lanes = I.length();
    final int pairs = cols / 2;
    final int rowBytes = cols * 2;
    final IntVector hi = IntVector.broadcast(I, 0xFFFF0000);
    for (int r = 0; r < rows; r++) {
      final int b = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int k = 0; k <= pairs - 2 * lanes; k += 2 * lanes) {
        int o = b + k * 4;
        IntVector v0 = IntVector.fromByteBuffer(I, w, o, NATIVE);
        IntVector v1 = IntVector.fromByteBuffer(I, w, o + lanes * 4, NATIVE);
        a0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xe, k), a0);
        a1 = v0.and(hi).reinterpretAsFloats().fma(FloatVector.fromArray(F, xo, k), a1);
        a2 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xe, k + lanes), a2);
        a3 = v1.and(hi).reinterpretAsFloats().fma(FloatVector.fromArray(F, xo, k + lanes), a3);
      }
      y[r] = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
  }

  static void evenOdd1x4(ByteBuffer w, int cols, float[] x, float[] y, int rows) {
    final float[][] s = split(x, cols);
    final float[] xe = s[0];
    final float[] xo = s[1];
    final int lanes = I.length();
    final int pairs = cols / 2;
    final int rowBytes = cols * 2;
    final IntVector hi = IntVector.broadcast(I, 0xFFFF0000);
    for (int r = 0; r < rows; r++) {
      final int b = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      FloatVector a4 = a0;
      FloatVector a5 = a0;
      FloatVector a6 = a0;
      FloatVector a7 = a0;
      for (int k = 0; k <= pairs - 4 * lanes; k += 4 * lanes) {
        int o = b + k * 4;
        IntVector v0 = IntVector.fromByteBuffer(I, w, o, NATIVE);
        IntVector v1 = IntVector.fromByteBuffer(I, w, o + lanes * 4, NATIVE);
        IntVector v2 = IntVector.fromByteBuffer(I, w, o + lanes * 8, NATIVE);
        IntVector v3 = IntVector.fromByteBuffer(I, w, o + lanes * 12, NATIVE);
        a0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xe, k), a0);
        a1 = v0.and(hi).reinterpretAsFloats().fma(FloatVector.fromArray(F, xo, k), a1);
        a2 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xe, k + lanes), a2);
        a3 = v1.and(hi).reinterpretAsFloats().fma(FloatVector.fromArray(F, xo, k + lanes), a3);
        a4 = v2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xe, k + 2 * lanes), a4);
        a5 = v2.and(hi).reinterpretAsFloats().fma(FloatVector.fromArray(F, xo, k + 2 * lanes), a5);
        a6 = v3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(FloatVector.fromArray(F, xe, k + 3 * lanes), a6);
        a7 = v3.and(hi).reinterpretAsFloats().fma(FloatVector.fromArray(F, xo, k + 3 * lanes), a7);
      }
      y[r] = a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).reduceLanes(VectorOperators.ADD);
    }
  }

  static void evenOdd2(ByteBuffer w, int cols, float[] x, float[] y, int rows) {
    final float[][] s = split(x, cols);
    final float[] xe = s[0];
    final float[] xo = s[1];
    final int lanes = I.length();
    final int pairs = cols / 2;
    final int rowBytes = cols * 2;
    final IntVector hi = IntVector.broadcast(I, 0xFFFF0000);
    for (int r = 0; r <= rows - 2; r += 2) {
      final int b = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector b0 = a0;
      FloatVector b1 = a0;
      for (int k = 0; k <= pairs - lanes; k += lanes) {
        FloatVector ev = FloatVector.fromArray(F, xe, k);
        FloatVector od = FloatVector.fromArray(F, xo, k);
        int o = b + k * 4;
        IntVector v0 = IntVector.fromByteBuffer(I, w, o, NATIVE);
        IntVector v1 = IntVector.fromByteBuffer(I, w, o + rowBytes, NATIVE);
        a0 = v0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a0);
        a1 = v1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(ev, a1);
        b0 = v0.and(hi).reinterpretAsFloats().fma(od, b0);
        b1 = v1.and(hi).reinterpretAsFloats().fma(od, b1);
      }
      y[r] = a0.add(b0).reduceLanes(VectorOperators.ADD);
      y[r + 1] = a1.add(b1).reduceLanes(VectorOperators.ADD);
    }
  }

  static void f32OneRow(ByteBuffer w, int cols, float[] x, float[] y, int rows) {
    final int lanes = F.length();
    final int rowBytes = cols * 4;
    for (int r = 0; r < rows; r++) {
      final int b = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      for (int c = 0; c <= cols - 4 * lanes; c += 4 * lanes) {
        int o = b + c * 4;
        a0 = FloatVector.fromByteBuffer(F, w, o, NATIVE).fma(FloatVector.fromArray(F, x, c), a0);
        a1 = FloatVector.fromByteBuffer(F, w, o + lanes * 4, NATIVE).fma(FloatVector.fromArray(F, x, c + lanes), a1);
        a2 = FloatVector.fromByteBuffer(F, w, o + 8 * lanes, NATIVE).fma(FloatVector.fromArray(F, x, c + 2 * lanes), a2);
        a3 = FloatVector.fromByteBuffer(F, w, o + 12 * lanes, NATIVE).fma(FloatVector.fromArray(F, x, c + 3 * lanes), a3);
      }
      y[r] = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
  }
}
