package io.ltm.lora.io;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The decoder architectures this engine runs, by the {@code model_type} of a Hugging Face
 * {@code config.json}. They differ only in small switches: Qwen3 normalises each query and key head
 * ({@code q_norm}/{@code k_norm}); Qwen2 adds a bias to the q/k/v projections; Llama has neither.
 */
public enum ModelType {
  /** Qwen3 dense decoders (Qwen3-0.6B ... Qwen3-32B): per-head RMSNorm on q and k. */
  QWEN3("qwen3", true, false),
  /**
   * Qwen3 mixture-of-experts decoders (Qwen3-30B-A3B, Qwen3-235B-A22B): Qwen3's attention, and in
   * sparse layers a router choosing top-k SwiGLU experts per token ({@link MoeConfig}).
   */
  QWEN3_MOE("qwen3_moe", true, false),
  /** Llama 2/3 decoders: plain attention, optional llama3 RoPE scaling. */
  LLAMA("llama", false, false),
  /** Qwen2/Qwen2.5 decoders: bias on the q, k and v projections. */
  QWEN2("qwen2", false, true);

  private final String hfName;
  private final boolean qkNorm;
  private final boolean qkvBias;

  ModelType(String hfName, boolean qkNorm, boolean qkvBias) {
    this.hfName = hfName;
    this.qkNorm = qkNorm;
    this.qkvBias = qkvBias;
  }

  /** The {@code model_type} string in config.json, e.g. {@code "qwen3"}. */
  public String hfName() {
    return hfName;
  }

  /** True when each query and key head is RMS-normalised over head_dim before RoPE. */
  public boolean qkNorm() {
    return qkNorm;
  }

  /** True when the architecture always has a bias on the q, k and v projections. */
  public boolean qkvBias() {
    return qkvBias;
  }

  /**
   * The type for a config.json {@code model_type}.
   *
   * @throws IllegalArgumentException naming the value and the supported ones when it is not supported
   */
  public static ModelType fromHfName(String name) {
    for (ModelType t : values()) {
      if (t.hfName.equals(name)) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "unsupported model_type \"" + name + "\"; supported: " + supported());
  }

  /** The supported {@code model_type} values, comma separated. */
  public static String supported() {
    return Arrays.stream(values()).map(ModelType::hfName).collect(Collectors.joining(", "));
  }

  @Override
  public String toString() {
    return hfName.toLowerCase(Locale.ROOT);
  }
}
