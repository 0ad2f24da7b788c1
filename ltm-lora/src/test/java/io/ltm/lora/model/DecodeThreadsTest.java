package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.TensorDType;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One libtorch thread for this thread's single-row decode ops, restored after; other threads untouched. */
class DecodeThreadsTest {

  @Test
  void singleRowDecodeOverF32WeightsRunsLibtorchOpsOnOneThreadOfThisThreadOnly() throws InterruptedException {
    Path base = TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.F32, 5, 1);
    try (Decoder f32 = DecoderLoader.load(base);
        Decoder f16 = DecoderLoader.load(base, new LoadOptions(Device.cpu(), TensorDType.F16))) {
      int before = JniUtils.getNumThreads();
      try {
        JniUtils.setNumThreads(2);
        int otherBefore = countInAnotherThread();
        try (DecodeThreads t = DecodeThreads.enter(f32, 1)) {
          assertThat(JniUtils.getNumThreads()).isEqualTo(1);
          assertThat(countInAnotherThread()).as("another thread keeps its own count").isEqualTo(otherBefore);
        }
        assertThat(JniUtils.getNumThreads()).as("restored").isEqualTo(2);
        try (DecodeThreads t = DecodeThreads.enter(f32, 3)) { // batches go through libtorch's GEMM
          assertThat(JniUtils.getNumThreads()).isEqualTo(2);
        }
        try (DecodeThreads t = DecodeThreads.enter(f16, 1)) { // f16 weights: libtorch's GEMV needs its threads
          assertThat(JniUtils.getNumThreads()).isEqualTo(2);
        }
        LinearProjection.useJavaGemv(false);
        try (DecodeThreads t = DecodeThreads.enter(f32, 1)) { // kernel off: likewise
          assertThat(JniUtils.getNumThreads()).isEqualTo(2);
        } finally {
          LinearProjection.useJavaGemv(true);
        }
      } finally {
        JniUtils.setNumThreads(before);
      }
    }
  }

  private static int countInAnotherThread() throws InterruptedException {
    AtomicInteger n = new AtomicInteger();
    Thread other = new Thread(() -> n.set(JniUtils.getNumThreads()));
    other.start();
    other.join();
    return n.get();
  }
}
