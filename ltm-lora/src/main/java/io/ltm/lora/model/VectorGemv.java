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
    final int step = 4 * lanes;
    final int rowBytes = cols * Float.BYTES;
    final float[] lanesOut = new float[lanes];
    for (int r = from; r < to; r++) {
      final int base = r * rowBytes;
      // four independent accumulators hide the FMA latency; each weight byte is read once
      FloatVector a0 = FloatVector.zero(F);
      FloatVector a1 = a0;
      FloatVector a2 = a0;
      FloatVector a3 = a0;
      int c = 0;
      for (; c <= cols - step; c += step) {
        int o = base + c * Float.BYTES;
        a0 = FloatVector.fromByteBuffer(F, w, o, NATIVE).fma(FloatVector.fromArray(F, x, c), a0);
        a1 = FloatVector.fromByteBuffer(F, w, o + 4 * lanes, NATIVE)
            .fma(FloatVector.fromArray(F, x, c + lanes), a1);
        a2 = FloatVector.fromByteBuffer(F, w, o + 8 * lanes, NATIVE)
            .fma(FloatVector.fromArray(F, x, c + 2 * lanes), a2);
        a3 = FloatVector.fromByteBuffer(F, w, o + 12 * lanes, NATIVE)
            .fma(FloatVector.fromArray(F, x, c + 3 * lanes), a3);
      }
      for (; c <= cols - lanes; c += lanes) {
        a0 = FloatVector.fromByteBuffer(F, w, base + c * Float.BYTES, NATIVE)
            .fma(FloatVector.fromArray(F, x, c), a0);
      }
      // lanes summed in a fixed order: reduceLanes' order differs between the JIT and the interpreter,
      // which would make the same product differ in the last bit from one call to the next
      a0.add(a1).add(a2.add(a3)).intoArray(lanesOut, 0);
      float sum = 0;
      for (float v : lanesOut) {
        sum += v;
      }
      for (; c < cols; c++) {
        sum += w.getFloat(base + c * Float.BYTES) * x[c];
      }
      y[yOffset + r] = sum;
    }
  }
}
