package io.ltm.lora.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A decoder's {@code config.json}, parsed once and checked. Immutable; build by hand with
 * {@link #builder()} or read a model directory's file with {@link #read(Path)}.
 *
 * @param modelType architecture
 * @param vocabSize rows of the embedding and of the logits
 * @param hiddenSize model width
 * @param intermediateSize SwiGLU inner width
 * @param numLayers decoder layers ({@code num_hidden_layers})
 * @param numHeads query heads ({@code num_attention_heads})
 * @param numKvHeads key/value heads ({@code num_key_value_heads}); divides {@code numHeads}
 * @param headDim per-head width ({@code head_dim}, default {@code hiddenSize / numHeads}); even
 * @param rmsNormEps epsilon inside every RMSNorm
 * @param ropeTheta RoPE base
 * @param ropeScaling RoPE scaling rule, {@link RopeScaling#NONE} when absent
 * @param tieWordEmbeddings true when the logits reuse the embedding matrix (no {@code lm_head.weight})
 * @param qkvBias true when q/k/v projections have a bias (always for qwen2; {@code attention_bias} otherwise)
 * @param oBias true when o_proj has a bias ({@code attention_bias} for qwen3 and llama)
 * @param maxPositionEmbeddings the trained context length
 * @param bosTokenId beginning-of-sequence id, -1 when none
 * @param eosTokenIds end-of-sequence ids from config.json (may be empty)
 * @param moe the mixture-of-experts settings of a {@code qwen3_moe} model; null for a dense model
 */
public record ModelConfig(
    ModelType modelType,
    int vocabSize,
    int hiddenSize,
    int intermediateSize,
    int numLayers,
    int numHeads,
    int numKvHeads,
    int headDim,
    double rmsNormEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    boolean tieWordEmbeddings,
    boolean qkvBias,
    boolean oBias,
    int maxPositionEmbeddings,
    int bosTokenId,
    List<Integer> eosTokenIds,
    MoeConfig moe) {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public ModelConfig {
    Objects.requireNonNull(modelType, "modelType");
    Objects.requireNonNull(ropeScaling, "ropeScaling");
    eosTokenIds = List.copyOf(eosTokenIds == null ? List.of() : eosTokenIds);
    positive("vocab_size", vocabSize);
    positive("hidden_size", hiddenSize);
    positive("intermediate_size", intermediateSize);
    positive("num_hidden_layers", numLayers);
    positive("num_attention_heads", numHeads);
    positive("num_key_value_heads", numKvHeads);
    positive("head_dim", headDim);
    positive("max_position_embeddings", maxPositionEmbeddings);
    if (numHeads % numKvHeads != 0) {
      throw new IllegalArgumentException("num_attention_heads " + numHeads
          + " must be a multiple of num_key_value_heads " + numKvHeads);
    }
    if (headDim % 2 != 0) {
      throw new IllegalArgumentException("head_dim must be even for RoPE but got " + headDim);
    }
    if (!(rmsNormEps > 0) || !(ropeTheta > 0)) {
      throw new IllegalArgumentException("rms_norm_eps and rope_theta must be > 0 but got " + rmsNormEps + ", " + ropeTheta);
    }
    if (modelType == ModelType.QWEN2 && !qkvBias) {
      throw new IllegalArgumentException("qwen2 always has q/k/v bias");
    }
    if ((modelType == ModelType.QWEN3_MOE) != (moe != null)) {
      throw new IllegalArgumentException(modelType == ModelType.QWEN3_MOE
          ? "qwen3_moe needs its mixture-of-experts settings (num_experts, num_experts_per_tok, moe_intermediate_size)"
          : "model_type " + modelType.hfName() + " has no mixture-of-experts settings");
    }
  }

  /** True for a mixture-of-experts model ({@link #moe()} not null). */
  public boolean isMoe() {
    return moe != null;
  }

  /** True when decoder layer {@code layer} holds a sparse MoE block (always false for a dense model). */
  public boolean isSparseLayer(int layer) {
    return moe != null && moe.isSparse(layer);
  }

  private static void positive(String field, long v) {
    if (v < 1) {
      throw new IllegalArgumentException(field + " must be >= 1 but got " + v);
    }
  }

  /** Query heads per key/value head. */
  public int groupSize() {
    return numHeads / numKvHeads;
  }

  /** Number of parameters (weights and biases) the decoder holds. */
  public long parameterCount() {
    return parameters(false);
  }

  /**
   * Parameters one token's forward pass reads: all of a dense model; for a mixture of experts the
   * router and only {@code num_experts_per_tok} experts of each sparse layer (plus the embedding row
   * table and the head, counted whole as {@link #parameterCount()} does).
   */
  public long activeParameterCount() {
    return parameters(true);
  }

  private long parameters(boolean activeOnly) {
    long h = hiddenSize;
    long q = (long) numHeads * headDim;
    long kv = (long) numKvHeads * headDim;
    long attention = h * q + 2 * h * kv + q * h + 2 * h;
    if (qkvBias) {
      attention += q + 2 * kv;
    }
    if (oBias) {
      attention += h;
    }
    if (modelType.qkNorm()) {
      attention += 2L * headDim;
    }
    long total = 0;
    for (int l = 0; l < numLayers; l++) {
      long mlp;
      if (isSparseLayer(l)) {
        long experts = activeOnly ? moe.numExpertsPerTok() : moe.numExperts();
        mlp = h * moe.numExperts() + experts * 3 * h * moe.moeIntermediateSize();
      } else {
        mlp = 3 * h * intermediateSize;
      }
      total += attention + mlp;
    }
    long emb = (long) vocabSize * h;
    return emb * (tieWordEmbeddings ? 1 : 2) + total + h;
  }

  /**
   * Reads and checks a {@code config.json}.
   *
   * @throws CheckpointException naming the file and field when it is missing, not JSON, of an
   *     unsupported model_type or holds a value out of range
   */
  public static ModelConfig read(Path configJson) {
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(configJson));
    } catch (NoSuchFileException e) {
      throw new CheckpointException(configJson, "file not found: a model directory needs config.json");
    } catch (JsonProcessingException e) {
      throw new CheckpointException(configJson, "invalid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new CheckpointException(configJson, "cannot read: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointException(configJson, "expected a JSON object");
    }
    try {
      return fromJson(root);
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(configJson, e.getMessage());
    }
  }

  /** Parses a config.json object; errors name the field. */
  public static ModelConfig fromJson(JsonNode root) {
    JsonNode mt = root.get("model_type");
    if (mt == null || !mt.isTextual()) {
      throw new IllegalArgumentException("field model_type: missing; supported: " + ModelType.supported());
    }
    ModelType type = ModelType.fromHfName(mt.asText());
    JsonNode act = root.get("hidden_act");
    if (act != null && !act.isNull() && !act.asText().equals("silu")) {
      throw new IllegalArgumentException("field hidden_act: \"" + act.asText() + "\" is not supported (only silu)");
    }
    int hidden = intField(root, "hidden_size", null);
    int heads = intField(root, "num_attention_heads", null);
    Builder b = builder(type)
        .vocabSize(intField(root, "vocab_size", null))
        .hiddenSize(hidden)
        .intermediateSize(intField(root, "intermediate_size", null))
        .numLayers(intField(root, "num_hidden_layers", null))
        .numHeads(heads)
        .numKvHeads(intField(root, "num_key_value_heads", heads))
        .headDim(intField(root, "head_dim", heads > 0 && hidden % heads == 0 ? hidden / heads : null))
        .rmsNormEps(doubleField(root, "rms_norm_eps", 1e-6))
        .ropeTheta(doubleField(root, "rope_theta", 10000.0))
        .ropeScaling(ropeScaling(root.get("rope_scaling")))
        .tieWordEmbeddings(boolField(root, "tie_word_embeddings", false))
        .maxPositionEmbeddings(intField(root, "max_position_embeddings", 32768));
    boolean attentionBias = boolField(root, "attention_bias", false);
    b.qkvBias(type.qkvBias() || attentionBias).oBias(!type.qkvBias() && attentionBias);
    JsonNode bos = root.get("bos_token_id");
    b.bosTokenId(bos != null && bos.isIntegralNumber() ? bos.asInt() : -1);
    b.eosTokenIds(idList(root.get("eos_token_id"), "eos_token_id"));
    if (type == ModelType.QWEN3_MOE) {
      JsonNode only = root.get("mlp_only_layers");
      b.moe(new MoeConfig(
          intField(root, "num_experts", null),
          intField(root, "num_experts_per_tok", null),
          intField(root, "moe_intermediate_size", null),
          boolField(root, "norm_topk_prob", false),
          intField(root, "decoder_sparse_step", 1),
          idList(only, "mlp_only_layers"),
          doubleField(root, "router_aux_loss_coef", 0.001)));
    }
    return b.build();
  }

  static List<Integer> idList(JsonNode n, String field) {
    List<Integer> ids = new ArrayList<>();
    if (n == null || n.isNull()) {
      return ids;
    }
    if (n.isIntegralNumber()) {
      ids.add(n.asInt());
    } else if (n.isArray()) {
      for (JsonNode e : n) {
        if (!e.isIntegralNumber()) {
          throw new IllegalArgumentException("field " + field + ": " + n + " is not a list of integers");
        }
        ids.add(e.asInt());
      }
    } else {
      throw new IllegalArgumentException("field " + field + ": " + n + " is not an integer or a list of integers");
    }
    return ids;
  }

  private static RopeScaling ropeScaling(JsonNode n) {
    if (n == null || n.isNull()) {
      return RopeScaling.NONE;
    }
    if (!n.isObject()) {
      throw new IllegalArgumentException("field rope_scaling: expected an object or null but got " + n);
    }
    JsonNode t = n.has("rope_type") ? n.get("rope_type") : n.get("type");
    String type = t == null ? "default" : t.asText();
    switch (type) {
      case "default":
        return RopeScaling.NONE;
      case "linear":
        return RopeScaling.linear(doubleField(n, "factor", null));
      case "llama3":
        return RopeScaling.llama3(
            doubleField(n, "factor", null),
            doubleField(n, "low_freq_factor", null),
            doubleField(n, "high_freq_factor", null),
            intField(n, "original_max_position_embeddings", null));
      default:
        throw new IllegalArgumentException("field rope_scaling.rope_type: \"" + type
            + "\" is not supported; supported: default, linear, llama3");
    }
  }

  private static int intField(JsonNode root, String field, Integer dflt) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      if (dflt == null) {
        throw new IllegalArgumentException("field " + field + ": missing (required)");
      }
      return dflt;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      throw new IllegalArgumentException("field " + field + ": expected an integer but got " + n);
    }
    return n.asInt();
  }

  private static double doubleField(JsonNode root, String field, Double dflt) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      if (dflt == null) {
        throw new IllegalArgumentException("field " + field + ": missing (required)");
      }
      return dflt;
    }
    if (!n.isNumber()) {
      throw new IllegalArgumentException("field " + field + ": expected a number but got " + n);
    }
    return n.asDouble();
  }

  private static boolean boolField(JsonNode root, String field, boolean dflt) {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isBoolean()) {
      throw new IllegalArgumentException("field " + field + ": expected true or false but got " + n);
    }
    return n.asBoolean();
  }

  /** This config as a Hugging Face {@code config.json} text, with {@code torch_dtype} set to {@code dtype}. */
  public String toJson(TensorDType dtype) {
    ObjectNode o = JSON.createObjectNode();
    String arch = switch (modelType) {
      case QWEN3 -> "Qwen3ForCausalLM";
      case QWEN3_MOE -> "Qwen3MoeForCausalLM";
      case LLAMA -> "LlamaForCausalLM";
      case QWEN2 -> "Qwen2ForCausalLM";
    };
    o.putArray("architectures").add(arch);
    o.put("model_type", modelType.hfName());
    o.put("vocab_size", vocabSize);
    o.put("hidden_size", hiddenSize);
    o.put("intermediate_size", intermediateSize);
    o.put("num_hidden_layers", numLayers);
    o.put("num_attention_heads", numHeads);
    o.put("num_key_value_heads", numKvHeads);
    o.put("head_dim", headDim);
    o.put("hidden_act", "silu");
    o.put("rms_norm_eps", rmsNormEps);
    o.put("rope_theta", ropeTheta);
    switch (ropeScaling.type()) {
      case NONE -> o.putNull("rope_scaling");
      case LINEAR -> o.putObject("rope_scaling").put("rope_type", "linear").put("factor", ropeScaling.factor());
      case LLAMA3 -> o.putObject("rope_scaling")
          .put("rope_type", "llama3")
          .put("factor", ropeScaling.factor())
          .put("low_freq_factor", ropeScaling.lowFreqFactor())
          .put("high_freq_factor", ropeScaling.highFreqFactor())
          .put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
    }
    o.put("tie_word_embeddings", tieWordEmbeddings);
    if (modelType != ModelType.QWEN2) {
      o.put("attention_bias", qkvBias);
    }
    o.put("max_position_embeddings", maxPositionEmbeddings);
    if (bosTokenId >= 0) {
      o.put("bos_token_id", bosTokenId);
    }
    if (eosTokenIds.size() == 1) {
      o.put("eos_token_id", eosTokenIds.get(0));
    } else if (!eosTokenIds.isEmpty()) {
      ArrayNode a = o.putArray("eos_token_id");
      eosTokenIds.forEach(a::add);
    }
    if (moe != null) {
      o.put("num_experts", moe.numExperts());
      o.put("num_experts_per_tok", moe.numExpertsPerTok());
      o.put("moe_intermediate_size", moe.moeIntermediateSize());
      o.put("norm_topk_prob", moe.normTopkProb());
      o.put("decoder_sparse_step", moe.decoderSparseStep());
      ArrayNode only = o.putArray("mlp_only_layers");
      moe.mlpOnlyLayers().forEach(only::add);
      o.put("router_aux_loss_coef", moe.routerAuxLossCoef());
      o.put("output_router_logits", false);
    }
    o.put("torch_dtype", switch (dtype) {
      case F32 -> "float32";
      case F16 -> "float16";
      case BF16 -> "bfloat16";
    });
    try {
      return JSON.writeValueAsString(o) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A builder for {@code type}, with Qwen3-0.6B's values as defaults. */
  public static Builder builder(ModelType type) {
    return new Builder(type);
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    return builder(modelType)
        .vocabSize(vocabSize).hiddenSize(hiddenSize).intermediateSize(intermediateSize).numLayers(numLayers)
        .numHeads(numHeads).numKvHeads(numKvHeads).headDim(headDim).rmsNormEps(rmsNormEps).ropeTheta(ropeTheta)
        .ropeScaling(ropeScaling).tieWordEmbeddings(tieWordEmbeddings).qkvBias(qkvBias).oBias(oBias)
        .maxPositionEmbeddings(maxPositionEmbeddings).bosTokenId(bosTokenId).eosTokenIds(eosTokenIds).moe(moe);
  }

  /**
   * Builds a {@link ModelConfig}; {@link #build()} checks every value. Defaults are Qwen3-0.6B's:
   * vocab 151936, hidden 1024, intermediate 3072, 28 layers, 16 heads, 8 KV heads, head_dim 128,
   * eps 1e-6, theta 1e6, tied embeddings, no bias (qwen2: q/k/v bias), context 40960, no BOS, EOS 151645.
   */
  public static final class Builder {
    private final ModelType type;
    private int vocabSize = 151936;
    private int hiddenSize = 1024;
    private int intermediateSize = 3072;
    private int numLayers = 28;
    private int numHeads = 16;
    private int numKvHeads = 8;
    private int headDim = 128;
    private double rmsNormEps = 1e-6;
    private double ropeTheta = 1_000_000.0;
    private RopeScaling ropeScaling = RopeScaling.NONE;
    private boolean tie = true;
    private boolean qkvBias;
    private boolean oBias;
    private int maxPositionEmbeddings = 40960;
    private int bosTokenId = -1;
    private List<Integer> eosTokenIds = List.of(151645);
    private MoeConfig moe;

    private Builder(ModelType type) {
      this.type = Objects.requireNonNull(type, "type");
      this.qkvBias = type.qkvBias();
    }

    public Builder vocabSize(int v) { vocabSize = v; return this; }
    public Builder hiddenSize(int v) { hiddenSize = v; return this; }
    public Builder intermediateSize(int v) { intermediateSize = v; return this; }
    public Builder numLayers(int v) { numLayers = v; return this; }
    public Builder numHeads(int v) { numHeads = v; return this; }
    public Builder numKvHeads(int v) { numKvHeads = v; return this; }
    public Builder headDim(int v) { headDim = v; return this; }
    public Builder rmsNormEps(double v) { rmsNormEps = v; return this; }
    public Builder ropeTheta(double v) { ropeTheta = v; return this; }
    public Builder ropeScaling(RopeScaling v) { ropeScaling = v; return this; }
    public Builder tieWordEmbeddings(boolean v) { tie = v; return this; }
    public Builder qkvBias(boolean v) { qkvBias = v; return this; }
    public Builder oBias(boolean v) { oBias = v; return this; }
    public Builder maxPositionEmbeddings(int v) { maxPositionEmbeddings = v; return this; }
    public Builder bosTokenId(int v) { bosTokenId = v; return this; }
    public Builder eosTokenIds(List<Integer> v) { eosTokenIds = v; return this; }
    /** Mixture-of-experts settings; required for (and only for) {@link ModelType#QWEN3_MOE}. */
    public Builder moe(MoeConfig v) { moe = v; return this; }

    public ModelConfig build() {
      return new ModelConfig(type, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads,
          headDim, rmsNormEps, ropeTheta, ropeScaling, tie, qkvBias, oBias, maxPositionEmbeddings, bosTokenId,
          eosTokenIds, moe);
    }
  }
}
