package io.ltm.lora.io;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.model.Decoder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** bf16 tensors widened in small chunks (chunk edges inside every tensor) load bit for bit as in one piece. */
class Bf16ChunkedLoadTest {
  @Test
  void chunkedWideningEqualsOnePiece() {
    var dir = TestCheckpoints.get(CheckpointPreset.TINY_QWEN3_MOE, TensorDType.BF16, 12);
    try (Decoder whole = DecoderLoader.load(dir, LoadOptions.cpu(), Long.MAX_VALUE / 8);
        Decoder chunked = DecoderLoader.load(dir, LoadOptions.cpu(), 100_000)) {
      assertThat(Arrays.equals(chunked.weights().embedding().toFloatArray(), whole.weights().embedding().toFloatArray()))
          .as("embedding").isTrue();
      assertThat(Arrays.equals(chunked.weights().lmHead().weight().toFloatArray(),
          whole.weights().lmHead().weight().toFloatArray())).as("lm_head").isTrue();
      for (String name : whole.weights().projections().keySet()) {
        assertThat(Arrays.equals(chunked.weights().projections().get(name).weight().toFloatArray(),
            whole.weights().projections().get(name).weight().toFloatArray())).as(name).isTrue();
      }
      assertThat(whole.weights().embedding().toFloatArray()[12345]).isNotZero();
    }
  }
}
