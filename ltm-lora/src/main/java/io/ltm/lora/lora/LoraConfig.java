package io.ltm.lora.lora;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of one LoRA adapter, the subset of PEFT's {@code LoraConfig} that ltm supports.
 *
 * <p>Build with {@link #builder()}; every value is checked at {@link Builder#build()}. Saved as PEFT's
 * {@code adapter_config.json} by {@code io.ltm.lora.io.PeftAdapterConfig}; fields of that file ltm does not
 * use are kept in {@link #extraFields()} and written back unchanged.
 *
 * @param r rank of the update, at least 1
 * @param loraAlpha the alpha of the scaling, positive
 * @param loraDropout dropout probability on the adapter input during training, in [0, 1)
 * @param useRslora scale by alpha/sqrt(r) (rank-stabilized LoRA) instead of alpha/r
 * @param targetModules which projections get an adapter
 * @param bias PEFT's bias mode; only {@code "none"} is supported
 * @param baseModelNameOrPath the base model's name or directory, may be empty
 * @param extraFields other fields read from an {@code adapter_config.json}, kept for writing back
 */
public record LoraConfig(int r, double loraAlpha, double loraDropout, boolean useRslora,
    TargetModules targetModules, String bias, String baseModelNameOrPath, Map<String, Object> extraFields) {

  /** Default rank: {@value}. */
  public static final int DEFAULT_R = 8;
  /** Default alpha: {@value}, as PEFT. */
  public static final double DEFAULT_ALPHA = 8;
  /** Default dropout: {@value}. */
  public static final double DEFAULT_DROPOUT = 0.0;

  /** Checks every field; see {@link Builder} for the rules. */
  public LoraConfig {
    if (r < 1) {
      throw new IllegalArgumentException("r must be at least 1, but got " + r);
    }
    if (!(loraAlpha > 0) || Double.isInfinite(loraAlpha)) {
      throw new IllegalArgumentException("lora_alpha must be a positive finite number, but got " + loraAlpha);
    }
    if (!(loraDropout >= 0 && loraDropout < 1)) {
      throw new IllegalArgumentException("lora_dropout must be in [0, 1), but got " + loraDropout);
    }
    Objects.requireNonNull(targetModules, "target_modules must not be null");
    Objects.requireNonNull(bias, "bias must not be null");
    if (!bias.equals("none")) {
      throw new IllegalArgumentException("bias '" + bias + "' is not supported: only \"none\" (LoRA without bias "
          + "terms) is; set bias to \"none\"");
    }
    baseModelNameOrPath = baseModelNameOrPath == null ? "" : baseModelNameOrPath;
    extraFields = Collections.unmodifiableMap(new LinkedHashMap<>(extraFields == null ? Map.of() : extraFields));
  }

  /**
   * The factor applied to {@code B A x}: alpha / r, or alpha / sqrt(r) with rsLoRA.
   *
   * @return the scaling
   */
  public double scaling() {
    return useRslora ? loraAlpha / Math.sqrt(r) : loraAlpha / r;
  }

  /**
   * A copy with another target set (used when {@code all-linear} is resolved to module names).
   *
   * @param targets the new targets
   * @return the copy
   */
  public LoraConfig withTargetModules(TargetModules targets) {
    return new LoraConfig(r, loraAlpha, loraDropout, useRslora, targets, bias, baseModelNameOrPath, extraFields);
  }

  /**
   * A copy naming another base model.
   *
   * @param base the base model name or directory
   * @return the copy
   */
  public LoraConfig withBaseModelNameOrPath(String base) {
    return new LoraConfig(r, loraAlpha, loraDropout, useRslora, targetModules, bias, base, extraFields);
  }

  /**
   * A new builder with PEFT's defaults except the targets, which default to {@code q_proj, v_proj}.
   *
   * @return the builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link LoraConfig}; not thread-safe. */
  public static final class Builder {
    private int r = DEFAULT_R;
    private double alpha = DEFAULT_ALPHA;
    private double dropout = DEFAULT_DROPOUT;
    private boolean rslora;
    private TargetModules targets = TargetModules.names(java.util.List.of("q_proj", "v_proj"));
    private String bias = "none";
    private String base = "";
    private Map<String, Object> extra = new LinkedHashMap<>();

    private Builder() {}

    /** @param r the rank (default {@value LoraConfig#DEFAULT_R}) @return this */
    public Builder optR(int r) {
      this.r = r;
      return this;
    }

    /** @param alpha lora_alpha (default {@value LoraConfig#DEFAULT_ALPHA}) @return this */
    public Builder optLoraAlpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /** @param dropout lora_dropout (default 0) @return this */
    public Builder optLoraDropout(double dropout) {
      this.dropout = dropout;
      return this;
    }

    /** @param rslora use alpha/sqrt(r) (default false) @return this */
    public Builder optUseRslora(boolean rslora) {
      this.rslora = rslora;
      return this;
    }

    /** @param targets the target modules (default q_proj, v_proj) @return this */
    public Builder optTargetModules(TargetModules targets) {
      this.targets = targets;
      return this;
    }

    /** @param names module names, suffix-matched @return this */
    public Builder optTargetModules(String... names) {
      this.targets = TargetModules.names(java.util.List.of(names));
      return this;
    }

    /** @param bias PEFT's bias mode, only "none" (the default) is accepted @return this */
    public Builder optBias(String bias) {
      this.bias = bias;
      return this;
    }

    /** @param base base_model_name_or_path (default empty) @return this */
    public Builder optBaseModelNameOrPath(String base) {
      this.base = base;
      return this;
    }

    /** @param extra unrecognized adapter_config.json fields to keep @return this */
    public Builder optExtraFields(Map<String, Object> extra) {
      this.extra = new LinkedHashMap<>(extra);
      return this;
    }

    /**
     * @return the config
     * @throws IllegalArgumentException naming the field that is out of range
     */
    public LoraConfig build() {
      return new LoraConfig(r, alpha, dropout, rslora, targets, bias, base, extra);
    }
  }
}
