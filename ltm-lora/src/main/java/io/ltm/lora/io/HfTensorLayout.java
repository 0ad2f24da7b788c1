package io.ltm.lora.io;

import io.ltm.lora.model.ProjectionKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Every tensor a decoder checkpoint holds, by its Hugging Face name and the shape the config implies:
 * the one place where HF names meet the engine. Both the loader and {@link RandomCheckpointWriter}
 * walk this list, so what is written is exactly what is read.
 */
public final class HfTensorLayout {
  private HfTensorLayout() {}

  /** What a tensor is, which decides how a random checkpoint initialises it. */
  public enum Role {
    /** {@code model.embed_tokens.weight} or {@code lm_head.weight}: {@code [vocab, hidden]}. */
    EMBEDDING,
    /** A projection weight {@code [out, in]}. */
    PROJECTION,
    /** A projection bias {@code [out]}. */
    BIAS,
    /** An RMSNorm weight. */
    NORM
  }

  /**
   * One expected tensor.
   *
   * @param name HF tensor name
   * @param shape expected shape
   * @param role what it is
   * @param fanIn input features of a projection (0 otherwise)
   */
  public record Spec(String name, long[] shape, Role role, long fanIn) {
    public Spec {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    /** Number of elements. */
    public long elements() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }
  }

  /** The name of a layer's input RMSNorm weight. */
  public static String inputNorm(int layer) {
    return "model.layers." + layer + ".input_layernorm.weight";
  }

  /** The name of a layer's post-attention RMSNorm weight. */
  public static String postAttentionNorm(int layer) {
    return "model.layers." + layer + ".post_attention_layernorm.weight";
  }

  /** The name of a Qwen3 layer's per-head query RMSNorm weight. */
  public static String qNorm(int layer) {
    return "model.layers." + layer + ".self_attn.q_norm.weight";
  }

  /** The name of a Qwen3 layer's per-head key RMSNorm weight. */
  public static String kNorm(int layer) {
    return "model.layers." + layer + ".self_attn.k_norm.weight";
  }

  /** The token embedding. */
  public static final String EMBED = "model.embed_tokens.weight";
  /** The final RMSNorm. */
  public static final String FINAL_NORM = "model.norm.weight";
  /** The output projection (absent when embeddings are tied). */
  public static final String LM_HEAD = "lm_head.weight";

  /** Output and input features of projection {@code kind} under {@code c}. */
  public static long[] projectionShape(ModelConfig c, ProjectionKind kind) {
    long h = c.hiddenSize();
    long q = (long) c.numHeads() * c.headDim();
    long kv = (long) c.numKvHeads() * c.headDim();
    long i = c.intermediateSize();
    return switch (kind) {
      case Q_PROJ -> new long[] {q, h};
      case K_PROJ, V_PROJ -> new long[] {kv, h};
      case O_PROJ -> new long[] {h, q};
      case GATE_PROJ, UP_PROJ -> new long[] {i, h};
      case DOWN_PROJ -> new long[] {h, i};
    };
  }

  /**
   * Output and input features of expert projection {@code kind} (gate/up/down) in a sparse layer:
   * {@code [moe_intermediate_size, hidden]} or {@code [hidden, moe_intermediate_size]}.
   */
  public static long[] expertShape(ModelConfig c, ProjectionKind kind) {
    long h = c.hiddenSize();
    long i = c.moe().moeIntermediateSize();
    return switch (kind) {
      case GATE_PROJ, UP_PROJ -> new long[] {i, h};
      case DOWN_PROJ -> new long[] {h, i};
      default -> throw new IllegalArgumentException(kind + " is not an expert projection");
    };
  }

  /** The router's shape {@code [num_experts, hidden]}. */
  public static long[] routerShape(ModelConfig c) {
    return new long[] {c.moe().numExperts(), c.hiddenSize()};
  }

  /** True when projection {@code kind} has a bias under {@code c}. */
  public static boolean hasBias(ModelConfig c, ProjectionKind kind) {
    return switch (kind) {
      case Q_PROJ, K_PROJ, V_PROJ -> c.qkvBias();
      case O_PROJ -> c.oBias();
      default -> false;
    };
  }

  /** Every tensor {@code c} needs, in the order HF writes them. */
  public static List<Spec> tensors(ModelConfig c) {
    List<Spec> out = new ArrayList<>();
    long h = c.hiddenSize();
    out.add(new Spec(EMBED, new long[] {c.vocabSize(), h}, Role.EMBEDDING, 0));
    for (int l = 0; l < c.numLayers(); l++) {
      out.add(new Spec(inputNorm(l), new long[] {h}, Role.NORM, 0));
      boolean sparse = c.isSparseLayer(l);
      for (ProjectionKind k : ProjectionKind.values()) {
        if (sparse && k.isMlp()) {
          continue; // the router and experts follow the attention
        }
        long[] s = projectionShape(c, k);
        out.add(new Spec(k.moduleName(l) + ".weight", s, Role.PROJECTION, s[1]));
        if (hasBias(c, k)) {
          out.add(new Spec(k.moduleName(l) + ".bias", new long[] {s[0]}, Role.BIAS, 0));
        }
        if (k == ProjectionKind.K_PROJ && c.modelType().qkNorm()) {
          out.add(new Spec(qNorm(l), new long[] {c.headDim()}, Role.NORM, 0));
          out.add(new Spec(kNorm(l), new long[] {c.headDim()}, Role.NORM, 0));
        }
      }
      if (sparse) { // Qwen3-MoE: model.layers.L.mlp.gate.weight, then model.layers.L.mlp.experts.E.*_proj.weight
        out.add(new Spec(ProjectionKind.routerName(l) + ".weight", routerShape(c), Role.PROJECTION, h));
        for (int e = 0; e < c.moe().numExperts(); e++) {
          for (ProjectionKind k : new ProjectionKind[] {ProjectionKind.GATE_PROJ, ProjectionKind.UP_PROJ,
              ProjectionKind.DOWN_PROJ}) {
            long[] s = expertShape(c, k);
            out.add(new Spec(k.expertModuleName(l, e) + ".weight", s, Role.PROJECTION, s[1]));
          }
        }
      }
      out.add(new Spec(postAttentionNorm(l), new long[] {h}, Role.NORM, 0));
    }
    out.add(new Spec(FINAL_NORM, new long[] {h}, Role.NORM, 0));
    if (!c.tieWordEmbeddings()) {
      out.add(new Spec(LM_HEAD, new long[] {c.vocabSize(), h}, Role.EMBEDDING, 0));
    }
    return out;
  }
}
