package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import org.junit.jupiter.api.Test;

class OffHeapLoadsTest {
  private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

  @Test
  void loadsGoStraightToMemoryInTheTestJvm() {
    // surefire's argLine exports the intrinsic's package, as ltm-env.sh does for ./ltm and benchmarks/run
    assertThat(OffHeapLoads.DIRECT).as(String.valueOf(OffHeapLoads.advice())).isTrue();
    assertThat(OffHeapLoads.advice()).isNull();
  }

  /**
   * Sums every vector of a buffer at every int offset through the direct loads, long enough for C2 to compile the
   * loop (the interpreter and C1 take the intrinsic's Java fallback; only C2's code reads the address), and
   * compares each sum with the same sum through fromByteBuffer.
   */
  @Test
  void compiledLoadsReadWhatFromByteBufferReads() {
    int bytes = 64 * 1024;
    ByteBuffer buffer = ByteBuffer.allocateDirect(bytes).order(NATIVE);
    Random random = new Random(7);
    for (int i = 0; i < bytes / 4; i++) {
      buffer.putFloat(4 * i, (float) random.nextGaussian());
    }
    int vector = FloatVector.SPECIES_PREFERRED.vectorByteSize();
    for (int round = 0; round < 40; round++) {
      int shift = 4 * (round % 5);
      assertThat(directSum(buffer, shift, bytes - vector)).isEqualTo(bufferSum(buffer, shift, bytes - vector));
      assertThat(directIntSum(buffer, shift, bytes - vector)).isEqualTo(bufferIntSum(buffer, shift, bytes - vector));
    }
  }

  @Test
  void refusesARangeOutsideTheBuffer() {
    ByteBuffer buffer = ByteBuffer.allocateDirect(256);
    OffHeapLoads.checkRange(buffer, 0, 256);
    assertThatThrownBy(() -> OffHeapLoads.checkRange(buffer, 0, 257)).isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("[0, 257)").hasMessageContaining("256");
    assertThatThrownBy(() -> OffHeapLoads.checkRange(buffer, -4, 8)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> OffHeapLoads.address(ByteBuffer.allocate(8))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theLaunchersStartJavaWithTheExport() throws Exception {
    String env = Files.readString(Path.of("..", "ltm-env.sh"));
    String defaults = env.substring(env.indexOf("LTM_JAVA_DEFAULTS=("));
    defaults = defaults.substring(0, defaults.indexOf(')'));
    assertThat(defaults.replaceAll("\\s+", " ")).contains(OffHeapLoads.FLAG);
    assertThat(Files.readString(Path.of("..", "gpu", "prove.sh"))).contains(OffHeapLoads.FLAG).contains(TrapLimit.FLAG);
  }

  private static float directSum(ByteBuffer b, int from, int last) {
    long at = OffHeapLoads.address(b);
    FloatVector acc = FloatVector.zero(FloatVector.SPECIES_PREFERRED);
    for (int o = from; o <= last; o += 4) {
      acc = acc.add(OffHeapLoads.floats(b, at, o));
    }
    return acc.reduceLanes(VectorOperators.ADD);
  }

  private static float bufferSum(ByteBuffer b, int from, int last) {
    FloatVector acc = FloatVector.zero(FloatVector.SPECIES_PREFERRED);
    for (int o = from; o <= last; o += 4) {
      acc = acc.add(FloatVector.fromByteBuffer(FloatVector.SPECIES_PREFERRED, b, o, NATIVE));
    }
    return acc.reduceLanes(VectorOperators.ADD);
  }

  private static int directIntSum(ByteBuffer b, int from, int last) {
    long at = OffHeapLoads.address(b);
    IntVector acc = IntVector.zero(IntVector.SPECIES_PREFERRED);
    for (int o = from; o <= last; o += 4) {
      acc = acc.add(OffHeapLoads.ints(b, at, o));
    }
    return acc.reduceLanes(VectorOperators.ADD);
  }

  private static int bufferIntSum(ByteBuffer b, int from, int last) {
    IntVector acc = IntVector.zero(IntVector.SPECIES_PREFERRED);
    for (int o = from; o <= last; o += 4) {
      acc = acc.add(IntVector.fromByteBuffer(IntVector.SPECIES_PREFERRED, b, o, NATIVE));
    }
    return acc.reduceLanes(VectorOperators.ADD);
  }
}
