package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One libtorch thread for this thread's single-row decode ops, restored after; other threads untouched. */
class DecodeThreadsTest {

  @Test
  void singleRowDecodeOnTheCpuRunsLibtorchOpsOnOneThreadOfThisThreadOnly() throws InterruptedException {
    ai.djl.engine.Engine.getEngine("PyTorch"); // loads the native library
    int before = JniUtils.getNumThreads();
    JniUtils.setNumThreads(2);
    try {
      AtomicInteger elsewhere = new AtomicInteger();
      try (DecodeThreads t = DecodeThreads.enter(Device.cpu(), 1)) {
        assertThat(JniUtils.getNumThreads()).isEqualTo(1);
        Thread other = new Thread(() -> elsewhere.set(JniUtils.getNumThreads()));
        other.start();
        other.join();
      }
      assertThat(elsewhere.get()).as("another thread's count").isGreaterThanOrEqualTo(1).isNotEqualTo(0);
      assertThat(JniUtils.getNumThreads()).as("restored").isEqualTo(2);
      try (DecodeThreads t = DecodeThreads.enter(Device.cpu(), 3)) { // batches go through libtorch's GEMM
        assertThat(JniUtils.getNumThreads()).isEqualTo(2);
      }
      boolean was = Gemv.enabled();
      LinearProjection.useJavaGemv(false);
      try (DecodeThreads t = DecodeThreads.enter(Device.cpu(), 1)) { // libtorch's GEMV needs its threads
        assertThat(JniUtils.getNumThreads()).isEqualTo(2);
      } finally {
        LinearProjection.useJavaGemv(was);
      }
    } finally {
      JniUtils.setNumThreads(before);
    }
  }
}
