package io.ltm.lora.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The f32 matrix-vector kernel behind {@link Gemv}, written with the JDK's Vector API (SIMD FMAs at
 * the CPU's widest vector). Only {@link Gemv} loads this class, and only when the
 * {@code jdk.incubator.vector} module is present, so that the rest of the engine runs without it.
 */
final class VectorGemv {
  private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  private VectorGemv() {}

  /**
   * {@code y[yOffset + r] = dot(W[r, :], x)} for the rows {@code r} in {@code [from, to)} of
   * {@code W [rows, cols]} stored row-major as native-order f32 in {@code w}
   * (whose own byte order must be native too).
   */
  static void multiply(ByteBuffer w, int cols, float[] x, float[] y, int yOffset, int from, int to) {
    final int lanes = F.length();
    final int rowBytes = cols * Float.BYTES;
    final float[] lanesOut = new float[lanes];
    int r = from;
    // four rows at a time, one accumulator each: four weight streams in flight (measured 1.3x the
    // single-row loop's bandwidth here), each x vector loaded once for four rows, and four
    // independent FMA chains to hide the FMA latency; each weight byte is read once
    for (; r <= to - 4; r += 4) {
      final int b0 = r * rowBytes;
      final int b1 = b0 + rowBytes;
      final int b2 = b1 + rowBytes;
      final int b3 = b2 + rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      int c = 0;
      for (; c <= cols - lanes; c += lanes) {
        FloatVector xv = FloatVector.fromArray(F, x, c);
        int o = c * Float.BYTES;
        a0 = FloatVector.fromByteBuffer(F, w, b0 + o, NATIVE).fma(xv, a0);
        a1 = FloatVector.fromByteBuffer(F, w, b1 + o, NATIVE).fma(xv, a1);
        a2 = FloatVector.fromByteBuffer(F, w, b2 + o, NATIVE).fma(xv, a2);
        a3 = FloatVector.fromByteBuffer(F, w, b3 + o, NATIVE).fma(xv, a3);
      }
      y[yOffset + r] = finish(a0, lanesOut, w, b0, x, c, cols);
      y[yOffset + r + 1] = finish(a1, lanesOut, w, b1, x, c, cols);
      y[yOffset + r + 2] = finish(a2, lanesOut, w, b2, x, c, cols);
      y[yOffset + r + 3] = finish(a3, lanesOut, w, b3, x, c, cols);
    }
    for (; r < to; r++) { // the last rows, one at a time
      final int base = r * rowBytes;
      FloatVector a0 = FloatVector.zero(F);
      int c = 0;
      for (; c <= cols - lanes; c += lanes) {
        a0 = FloatVector.fromByteBuffer(F, w, base + c * Float.BYTES, NATIVE).fma(FloatVector.fromArray(F, x, c), a0);
      }
      y[yOffset + r] = finish(a0, lanesOut, w, base, x, c, cols);
    }
  }

  /**
   * The lanes of {@code acc} summed in a fixed order (reduceLanes' order differs between the JIT and
   * the interpreter, which would make the same product differ in the last bit from one call to the
   * next), plus the row's columns {@code [c, cols)} that did not fill a vector.
   */
  private static float finish(FloatVector acc, float[] lanesOut, ByteBuffer w, int base, float[] x, int c, int cols) {
    acc.intoArray(lanesOut, 0);
    float sum = 0;
    for (float v : lanesOut) {
      sum += v;
    }
    for (; c < cols; c++) {
      sum += w.getFloat(base + c * Float.BYTES) * x[c];
    }
    return sum;
  }
}
