package io.ltm.lora.model;

/**
 * The seven linear projections of a decoder layer, with their Hugging Face module suffixes and the
 * short names PEFT's {@code target_modules} use. In a Qwen3-MoE sparse layer the MLP kinds name each
 * expert's projections ({@link #expertModuleName}) and the layer has a router ({@link #routerName})
 * instead of one dense MLP.
 */
public enum ProjectionKind {
  Q_PROJ("self_attn", "q_proj"),
  K_PROJ("self_attn", "k_proj"),
  V_PROJ("self_attn", "v_proj"),
  O_PROJ("self_attn", "o_proj"),
  GATE_PROJ("mlp", "gate_proj"),
  UP_PROJ("mlp", "up_proj"),
  DOWN_PROJ("mlp", "down_proj");

  private final String block;
  private final String shortName;

  ProjectionKind(String block, String shortName) {
    this.block = block;
    this.shortName = shortName;
  }

  /** PEFT's target module name, e.g. {@code q_proj}. */
  public String shortName() {
    return shortName;
  }

  /** The full module name in layer {@code layer}, e.g. {@code model.layers.3.self_attn.q_proj}. */
  public String moduleName(int layer) {
    return "model.layers." + layer + "." + block + "." + shortName;
  }

  /** True for gate/up/down, the SwiGLU projections (dense MLP or one expert). */
  public boolean isMlp() {
    return block.equals("mlp");
  }

  /**
   * The module name of expert {@code expert}'s projection in sparse layer {@code layer}, e.g.
   * {@code model.layers.3.mlp.experts.17.down_proj}.
   *
   * @throws IllegalStateException for an attention projection
   */
  public String expertModuleName(int layer, int expert) {
    if (!isMlp()) {
      throw new IllegalStateException(this + " is not an expert projection");
    }
    return "model.layers." + layer + ".mlp.experts." + expert + "." + shortName;
  }

  /** The router of sparse layer {@code layer}: {@code model.layers.L.mlp.gate} ({@code [num_experts, hidden]}). */
  public static String routerName(int layer) {
    return "model.layers." + layer + ".mlp.gate";
  }
}
