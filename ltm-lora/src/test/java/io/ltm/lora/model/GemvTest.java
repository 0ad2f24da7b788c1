package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import org.junit.jupiter.api.Test;

/** The Java SIMD matrix-vector kernel against libtorch's {@code linear} on the same weights. */
class GemvTest {

  @Test
  void theKernelIsOnInTheTestJvm() {
    // the build passes --add-modules jdk.incubator.vector to test JVMs, as ./ltm does: if this fails,
    // every other test here silently compares libtorch with itself
    assertThat(Gemv.AVAILABLE).isTrue();
    assertThat(Gemv.enabled()).isTrue();
  }

  @Test
  void matchesLibtorchLinearForOddShapesWithAndWithoutBias() {
    int[][] shapes = {{1, 1}, {7, 3}, {5, 16}, {33, 64}, {130, 257}, {4096, 1024}, {1000, 3072}, {3, 1031}};
    try (NDManager m = NDManager.newBaseManager()) {
      m.getEngine().setRandomSeed(3);
      for (int[] s : shapes) {
        for (boolean withBias : new boolean[] {false, true}) {
          NDArray w = m.randomNormal(new Shape(s[0], s[1]));
          NDArray b = withBias ? m.randomNormal(new Shape(s[0])) : null;
          NDArray x = m.randomNormal(new Shape(1, 1, s[1]));
          Gemv kernel = Gemv.of(w, b);
          assertThat(kernel).as("kernel for %s", w.getShape()).isNotNull();
          NDArray got = kernel.apply(x);
          NDArray want = Linear.linear(x, w, b).singletonOrThrow();
          assertThat(got.getShape()).isEqualTo(new Shape(1, 1, s[0]));
          assertClose(got.toFloatArray(), want.toFloatArray(), s[1]);
        }
      }
    }
  }

  /**
   * Split over buffers of 1, 7 and 500 rows, the four-row groups fall differently; each row's sum is computed the
   * same way in any group (and in the rows left over), so the bits equal the unsplit product's.
   */
  @Test
  void weightsSplitIntoSeveralBuffersGiveTheSameProduct() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (int cols : new int[] {96, 1000}) { // whole pairs of 16-lane vectors; 31 pairs and 8 columns left
        NDArray w = m.randomUniform(-1, 1, new Shape(1001, cols));
        NDArray x = m.randomUniform(-1, 1, new Shape(cols));
        float[] want = Linear.linear(x.reshape(1, cols), w).singletonOrThrow().toFloatArray();
        float[] whole = Gemv.of(w, null).apply(x).toFloatArray();
        assertClose(whole, want, cols);
        for (long chunk : new long[] {cols * 4L, cols * 4L * 7, cols * 4L * 500}) { // 1, 7 and 500 rows per buffer
          Gemv kernel = Gemv.of(w, null, chunk);
          assertThat(kernel).isNotNull();
          assertThat(kernel.apply(x).toFloatArray()).as("cols %d, %d bytes per buffer", cols, chunk)
              .containsExactly(whole);
        }
      }
    }
  }

  @Test
  void theSameProductGivesTheSameBitsBeforeAndAfterTheJitCompilesTheKernel() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (int cols : new int[] {64, 72, 1000}) {
        NDArray w = m.randomUniform(-1, 1, new Shape(50, cols));
        NDArray x = m.randomUniform(-1, 1, new Shape(cols));
        Gemv kernel = Gemv.of(w, null);
        float[] first = kernel.apply(x).toFloatArray();
        for (int i = 0; i < 3000; i++) {
          try (NDManager scope = m.newSubManager()) {
            NDArray xi = x.duplicate();
            xi.attach(scope);
            kernel.apply(xi);
          }
        }
        assertThat(kernel.apply(x).toFloatArray()).as("cols %d", cols).containsExactly(first);
      }
    }
  }

  @Test
  void aRowRangeViewIsMultipliedInPlace() {
    // the decoder's q/k/v and gate/up projections are row views into one fused matrix
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray fused = m.randomUniform(-1, 1, new Shape(30, 48));
      NDArray x = m.randomUniform(-1, 1, new Shape(1, 48));
      for (int[] r : new int[][] {{0, 10}, {10, 25}, {25, 30}}) {
        NDArray view = fused.get(r[0] + ":" + r[1]);
        Gemv kernel = Gemv.of(view, null);
        assertThat(kernel).as("kernel over rows %d:%d", r[0], r[1]).isNotNull();
        float[] whole = Gemv.of(fused, null).apply(x).toFloatArray();
        float[] part = kernel.apply(x).toFloatArray();
        assertThat(part).containsExactly(java.util.Arrays.copyOfRange(whole, r[0], r[1]));
      }
    }
  }

  @Test
  void aNonContiguousInputRowIsReadInLogicalOrder() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = m.randomUniform(-1, 1, new Shape(40, 24));
      NDArray seq = m.randomUniform(-1, 1, new Shape(1, 5, 24));
      NDArray last = seq.get(":, -1:, :"); // a view, as the generator takes the last position
      NDArray transposed = m.randomUniform(-1, 1, new Shape(24, 1)).transpose(); // strided (1, 24)
      for (NDArray x : new NDArray[] {last, transposed}) {
        float[] want = Linear.linear(x.duplicate(), w).singletonOrThrow().toFloatArray();
        assertClose(Gemv.of(w, null).apply(x).toFloatArray(), want, 24);
      }
    }
  }

  @Test
  void linearProjectionTakesTheKernelOnlyForOneRowWithoutGradient() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = m.randomUniform(-1, 1, new Shape(64, 32));
      NDArray b = m.randomUniform(-1, 1, new Shape(64));
      LinearProjection p = new LinearProjection("p", w, b);
      NDArray row = m.randomUniform(-1, 1, new Shape(1, 1, 32));
      NDArray rows = m.randomUniform(-1, 1, new Shape(1, 3, 32));
      long before = Gemv.calls();
      assertClose(p.apply(row).toFloatArray(), Linear.linear(row, w, b).singletonOrThrow().toFloatArray(), 32);
      assertThat(Gemv.calls() - before).as("one row without gradient: the Java kernel").isEqualTo(1);
      assertClose(p.apply(rows).toFloatArray(), Linear.linear(rows, w, b).singletonOrThrow().toFloatArray(), 32);
      assertThat(Gemv.calls() - before).as("three rows: libtorch, not the kernel").isEqualTo(1);
      NDArray withGrad = row.duplicate();
      withGrad.setRequiresGradient(true);
      try (ai.djl.training.GradientCollector gc = m.getEngine().newGradientCollector()) {
        NDArray y = p.apply(withGrad);
        gc.backward(y.sum());
      }
      assertThat(Gemv.calls() - before).as("a row with gradient: libtorch, not the kernel").isEqualTo(1);
      // the gradient flowed through libtorch: d sum(W x + b) / dx = column sums of W
      assertClose(withGrad.getGradient().toFloatArray(), w.sum(new int[] {0}).toFloatArray(), 64);
    }
  }

  @Test
  void aClosedWeightIsAnErrorNotAReadOfFreedMemory() {
    NDManager m = NDManager.newBaseManager();
    NDArray w = m.randomUniform(-1, 1, new Shape(16, 16));
    NDArray x;
    Gemv kernel = Gemv.of(w, null);
    try (NDManager other = NDManager.newBaseManager()) {
      x = other.randomUniform(-1, 1, new Shape(16));
      m.close();
      assertThatThrownBy(() -> kernel.apply(x)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
    }
  }

  /** Within float rounding of a {@code k}-term dot product. */
  private static void assertClose(float[] got, float[] want, int k) {
    assertThat(got).hasSameSizeAs(want);
    double tol = 1e-6 * k + 1e-5;
    for (int i = 0; i < want.length; i++) {
      assertThat((double) got[i]).as("element %d", i).isCloseTo(want[i], org.assertj.core.data.Offset.offset(tol * Math.max(1, Math.abs(want[i]))));
    }
  }

  @Test
  void theJavaKernelsAreOnlyUsedWhereThisJdksVectorApiHasTheirLoads() {
    // JDK 17 and 18 have FloatVector.fromByteBuffer; later incubations replaced it, and there the engine must fall
    // back to libtorch instead of failing with NoSuchMethodError in the middle of a generation
    assertThat(Gemv.hasByteBufferLoads()).isEqualTo(Runtime.version().feature() <= 18);
    if (!Gemv.hasByteBufferLoads()) {
      assertThat(Gemv.AVAILABLE).isFalse();
    }
  }
}
