package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.TensorDType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our decoder against the independent float64 reference (src/test/python/reference_logprobs.py) on
 * random 2-layer Qwen3, Llama (plain and llama3 RoPE) and Qwen2 checkpoints in F32 and BF16.
 */
class ReferenceLogprobsTest {
  private static final Path DIR = Path.of("src", "test", "resources", "reference");

  record Case(String name, CheckpointPreset preset, TensorDType dtype, long seed, int[] ids, JsonNode expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode cases = json.readTree(DIR.resolve("cases.json").toFile());
    JsonNode ref = json.readTree(DIR.resolve("reference_logprobs.json").toFile());
    List<Case> out = new ArrayList<>();
    for (JsonNode c : cases) {
      int[] ids = new int[c.get("ids").size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = c.get("ids").get(i).asInt();
      }
      out.add(new Case(c.get("name").asText(), CheckpointPreset.fromCliName(c.get("preset").asText()),
          TensorDType.valueOf(c.get("dtype").asText().toUpperCase(Locale.ROOT)), c.get("seed").asLong(), ids,
          ref.get(c.get("name").asText())));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void logprobsAndEntropiesMatchTheReference(Case c) {
    Path dir = TestCheckpoints.get(c.preset(), c.dtype(), c.seed());
    try (Decoder decoder = DecoderLoader.load(dir); NDManager scope = decoder.manager().newSubManager()) {
      int n = c.ids().length;
      NDArray logp = decoder.forward(scope, DecoderInput.of(c.ids()), null, false).logSoftmax(-1); // (1, T, V)
      long[] next = new long[n - 1];
      for (int i = 0; i < n - 1; i++) {
        next[i] = c.ids()[i + 1];
      }
      NDArray prefix = logp.get("0, :-1, :"); // (T-1, V)
      float[] lp = prefix.gather(scope.create(next, new Shape(n - 1, 1)), 1).toFloatArray();
      float[] ent = logp.exp().mul(logp).sum(new int[] {-1}).neg().toFloatArray(); // (T)
      double maxErr = ReferenceError.max(lp, ent, c.expected());
      assertThat(maxErr).as("max |ours - reference| over logprobs and entropies of %s", c.name()).isLessThan(1e-4);
    }
  }

  /**
   * The decode path itself against the reference: the first token alone, then one token per step through the
   * KV cache, so every projection takes a single row (the Java GEMV kernel when the JVM has it).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void cachedOneTokenDecodingMatchesTheReference(Case c) {
    Path dir = TestCheckpoints.get(c.preset(), c.dtype(), c.seed());
    int n = c.ids().length;
    long kernelBefore = Gemv.calls();
    float[] lp = new float[n - 1];
    float[] ent = new float[n];
    try (Decoder decoder = DecoderLoader.load(dir); NDManager scope = decoder.manager().newSubManager();
         KvCache cache = decoder.newCache(1, n)) {
      for (int i = 0; i < n; i++) {
        try (NDManager step = scope.newSubManager()) {
          NDArray logp = decoder.forward(step, DecoderInput.of(new int[] {c.ids()[i]}, i), cache, true)
              .logSoftmax(-1).reshape(-1); // (V)
          float[] row = logp.toFloatArray();
          double h = 0;
          for (float v : row) {
            h -= Math.exp(v) * v;
          }
          ent[i] = (float) h;
          if (i + 1 < n) {
            lp[i] = row[c.ids()[i + 1]];
          }
        }
      }
    }
    if (Gemv.enabled()) {
      assertThat(Gemv.calls() - kernelBefore).as("decode steps went through the Java kernel").isGreaterThanOrEqualTo(n);
    }
    double maxErr = ReferenceError.max(lp, ent, c.expected());
    assertThat(maxErr).as("max |cached decode - reference| over logprobs and entropies of %s", c.name()).isLessThan(1e-4);
  }
}
