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
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.MoeConfig;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our Qwen3-MoE decoder against the independent float64 reference (src/test/python/reference_logprobs.py,
 * transformers' Qwen3MoeSparseMoeBlock written out) on random checkpoints in F32 and BF16: the tiny
 * preset (a dense layer among sparse ones), every-other-layer sparse without renormalisation, and
 * top-1 routing. Each case's config is the tiny-qwen3-moe preset with the case's {@code config}
 * overrides; the checkpoints are written under target/moe-reference/NAME, where the script reads them
 * when the fixture is regenerated.
 */
class MoeReferenceLogprobsTest {
  private static final Path DIR = Path.of("src", "test", "resources", "reference");
  static final Path CHECKPOINTS = Path.of("target", "moe-reference");

  record Case(String name, ModelConfig config, TensorDType dtype, long seed, int[] ids, JsonNode expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static ModelConfig config(JsonNode o) {
    ModelConfig base = CheckpointPreset.TINY_QWEN3_MOE.config();
    MoeConfig m = base.moe();
    List<Integer> only = new ArrayList<>(m.mlpOnlyLayers());
    if (o.has("mlp_only_layers")) {
      only.clear();
      o.get("mlp_only_layers").forEach(n -> only.add(n.asInt()));
    }
    MoeConfig moe = new MoeConfig(o.path("num_experts").asInt(m.numExperts()),
        o.path("num_experts_per_tok").asInt(m.numExpertsPerTok()),
        o.path("moe_intermediate_size").asInt(m.moeIntermediateSize()),
        o.path("norm_topk_prob").asBoolean(m.normTopkProb()),
        o.path("decoder_sparse_step").asInt(m.decoderSparseStep()), only, m.routerAuxLossCoef());
    return base.toBuilder().numLayers(o.path("num_hidden_layers").asInt(base.numLayers()))
        .tieWordEmbeddings(o.path("tie_word_embeddings").asBoolean(base.tieWordEmbeddings())).moe(moe).build();
  }

  static Stream<Case> cases() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode cases = json.readTree(DIR.resolve("moe_cases.json").toFile());
    JsonNode ref = json.readTree(DIR.resolve("moe_reference_logprobs.json").toFile());
    List<Case> out = new ArrayList<>();
    for (JsonNode c : cases) {
      int[] ids = new int[c.get("ids").size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = c.get("ids").get(i).asInt();
      }
      out.add(new Case(c.get("name").asText(), config(c.get("config")),
          TensorDType.valueOf(c.get("dtype").asText().toUpperCase(Locale.ROOT)), c.get("seed").asLong(), ids,
          ref.get(c.get("name").asText())));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void logprobsAndEntropiesMatchTheReference(Case c) throws Exception {
    Path dir = CHECKPOINTS.resolve(c.name());
    RandomCheckpointWriter.builder(c.config()).dtype(c.dtype()).seed(c.seed())
        .tokenizerDir(TestCheckpoints.tokenizerDir()).build().write(dir);
    assertThat(c.expected()).as("fixture entry for %s", c.name()).isNotNull();
    try (Decoder decoder = DecoderLoader.load(dir); NDManager scope = decoder.manager().newSubManager()) {
      int n = c.ids().length;
      NDArray logp = decoder.forward(scope, DecoderInput.of(c.ids()), null, false).logSoftmax(-1); // (1, T, V)
      long[] next = new long[n - 1];
      for (int i = 0; i < n - 1; i++) {
        next[i] = c.ids()[i + 1];
      }
      float[] lp = logp.get("0, :-1, :").gather(scope.create(next, new Shape(n - 1, 1)), 1).toFloatArray();
      float[] ent = logp.exp().mul(logp).sum(new int[] {-1}).neg().toFloatArray(); // (T)
      double maxErr = ReferenceError.max(lp, ent, c.expected());
      assertThat(maxErr).as("max |ours - reference| over logprobs and entropies of %s", c.name()).isLessThan(1e-4);
    }
  }
}
