package io.ltm.lora.io;

import java.util.Objects;

/**
 * The {@code rope_scaling} entry of a config.json: how rotary frequencies are stretched for longer
 * contexts. {@link Type#NONE} when the entry is absent or {@code "default"}.
 *
 * @param type the scaling rule
 * @param factor the context stretch factor (1 for none)
 * @param lowFreqFactor llama3 only: wavelengths above {@code original / lowFreqFactor} are divided by
 *     {@code factor}
 * @param highFreqFactor llama3 only: wavelengths below {@code original / highFreqFactor} are kept
 * @param originalMaxPositionEmbeddings llama3 only: the pre-training context length
 */
public record RopeScaling(
    Type type, double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {

  /** Scaling rules. */
  public enum Type {
    /** Plain RoPE. */
    NONE,
    /** Position interpolation: every inverse frequency divided by {@code factor}. */
    LINEAR,
    /** Llama 3.1's frequency-dependent scaling with a smooth middle band. */
    LLAMA3
  }

  /** No scaling. */
  public static final RopeScaling NONE = new RopeScaling(Type.NONE, 1, 1, 1, 0);

  public RopeScaling {
    Objects.requireNonNull(type, "type");
    if (!(factor > 0) || Double.isInfinite(factor)) {
      throw new IllegalArgumentException("rope_scaling.factor must be finite and > 0 but got " + factor);
    }
    if (type == Type.LLAMA3) {
      if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)) {
        throw new IllegalArgumentException(
            "rope_scaling llama3 needs 0 < low_freq_factor < high_freq_factor but got "
                + lowFreqFactor + ", " + highFreqFactor);
      }
      if (originalMaxPositionEmbeddings < 1) {
        throw new IllegalArgumentException(
            "rope_scaling llama3 needs original_max_position_embeddings >= 1 but got "
                + originalMaxPositionEmbeddings);
      }
    }
  }

  /** Linear scaling by {@code factor}. */
  public static RopeScaling linear(double factor) {
    return new RopeScaling(Type.LINEAR, factor, 1, 1, 0);
  }

  /** Llama 3 scaling with the given parameters. */
  public static RopeScaling llama3(double factor, double low, double high, int originalMax) {
    return new RopeScaling(Type.LLAMA3, factor, low, high, originalMax);
  }
}
