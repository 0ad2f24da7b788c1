package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bf16 cases of the independent float64 reference fixtures ({@link ReferenceLogprobsTest},
 * {@link MoeReferenceLogprobsTest}: dense Qwen3, Llama, Llama3-RoPE, Qwen2 and Qwen3-MoE) with the
 * checkpoint loaded for generation, its matrices kept in bf16: the whole sequence at once (libtorch, the
 * weights widened per projection) and one token at a time through the KV cache (the row path, the bf16
 * GEMV), each within the fixtures' 1e-4.
 */
class ReferenceBf16LogprobsTest {

  /** A bf16 fixture case: its checkpoint directory (written if needed) and ids and expected values. */
  record Case(String name, Path dir, int[] ids, JsonNode expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() throws Exception {
    Stream<Case> dense = ReferenceLogprobsTest.cases().filter(c -> c.dtype() == TensorDType.BF16)
        .map(c -> new Case(c.name(), TestCheckpoints.get(c.preset(), c.dtype(), c.seed()), c.ids(), c.expected()));
    Stream<Case> moe = MoeReferenceLogprobsTest.cases().filter(c -> c.dtype() == TensorDType.BF16).map(c -> {
      Path dir = MoeReferenceLogprobsTest.CHECKPOINTS.resolve(c.name());
      try {
        RandomCheckpointWriter.builder(c.config()).dtype(c.dtype()).seed(c.seed())
            .tokenizerDir(TestCheckpoints.tokenizerDir()).build().write(dir);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return new Case(c.name(), dir, c.ids(), c.expected());
    });
    return Stream.concat(dense, moe);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void bf16WeightsKeptForGenerationMatchTheReference(Case c) {
    int n = c.ids().length;
    try (Decoder decoder = DecoderLoader.load(c.dir(), LoadOptions.forGeneration(Device.cpu()));
         NDManager scope = decoder.manager().newSubManager()) {
      assertThat(decoder.weights().lmHead().format()).isEqualTo(WeightFormat.BF16);
      // the whole sequence at once
      NDArray logp = decoder.forward(scope, DecoderInput.of(c.ids()), null, false).logSoftmax(-1); // (1, T, V)
      long[] next = new long[n - 1];
      for (int i = 0; i < n - 1; i++) {
        next[i] = c.ids()[i + 1];
      }
      float[] lp = logp.get("0, :-1, :").gather(scope.create(next, new Shape(n - 1, 1)), 1).toFloatArray();
      float[] ent = logp.exp().mul(logp).sum(new int[] {-1}).neg().toFloatArray(); // (T)
      assertThat(ReferenceError.max(lp, ent, c.expected())).as("full forward of %s, bf16 kept", c.name())
          .isLessThan(1e-4);
      // one token at a time through the cache: the row path over the bf16 weights
      long steps = RowDecoder.steps();
      float[] lpc = new float[n - 1];
      float[] entc = new float[n];
      try (KvCache cache = decoder.newCache(1, n)) {
        for (int i = 0; i < n; i++) {
          try (NDManager step = scope.newSubManager()) {
            float[] row = decoder.forward(step, DecoderInput.of(new int[] {c.ids()[i]}, i), cache, true)
                .logSoftmax(-1).reshape(-1).toFloatArray(); // (V)
            double h = 0;
            for (float v : row) {
              h -= Math.exp(v) * v;
            }
            entc[i] = (float) h;
            if (i + 1 < n) {
              lpc[i] = row[c.ids()[i + 1]];
            }
          }
        }
      }
      assertThat(RowDecoder.steps() - steps).as("every step after the first on the row path").isGreaterThanOrEqualTo(n - 1);
      assertThat(ReferenceError.max(lpc, entc, c.expected())).as("cached decode of %s, bf16 kept", c.name())
          .isLessThan(1e-4);
    }
  }
}
