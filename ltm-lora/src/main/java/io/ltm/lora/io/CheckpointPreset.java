package io.ltm.lora.io;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Named model shapes for random checkpoints: tiny models for tests (one per architecture, plus a
 * Llama with llama3 RoPE scaling and an untied lm_head, and a Qwen3-MoE with a dense layer among
 * sparse ones), the full Qwen3-0.6B shape and Qwen3-30B-A3B's per-layer shape for benchmarks.
 *
 * <p><b>Vocabulary.</b> Every preset keeps Qwen3's full vocabulary of 151936 rows so that the real
 * Qwen3 tokenizer (151669 ids, including {@code <|im_end|>} 151645 and {@code <think>} 151667) can
 * be used unchanged: chat prompts, special tokens and stop ids are the real ones. At hidden size 64
 * the embedding is 39 MB in f32, cheap enough for tests. A smaller vocabulary would need a tokenizer
 * whose ids all fit it; generation then could not meet the real special tokens.
 */
public enum CheckpointPreset {
  /** Qwen3, 2 layers, hidden 64, 4 heads / 2 KV heads of 16, tied embeddings. */
  TINY_QWEN3(tiny(ModelType.QWEN3).ropeTheta(1_000_000).build()),
  /** Llama, 2 layers, hidden 64, untied lm_head, plain RoPE. */
  TINY_LLAMA(tiny(ModelType.LLAMA).ropeTheta(10_000).tieWordEmbeddings(false).build()),
  /** Llama, 2 layers, llama3 RoPE scaling (factor 8, original context 64 so every band is exercised). */
  TINY_LLAMA3_ROPE(tiny(ModelType.LLAMA).ropeTheta(500_000).tieWordEmbeddings(false)
      .ropeScaling(RopeScaling.llama3(8, 1, 4, 64)).build()),
  /** Qwen2, 2 layers, hidden 64, q/k/v bias, tied embeddings. */
  TINY_QWEN2(tiny(ModelType.QWEN2).ropeTheta(1_000_000).build()),
  /** Qwen3-0.6B's exact shape: hidden 1024, 28 layers, 16/8 heads of 128, intermediate 3072. */
  QWEN3_0_6B(ModelConfig.builder(ModelType.QWEN3).eosTokenIds(List.of(151645)).build()),
  /**
   * Qwen3-1.7B's shape (hidden 2048, intermediate 6144, 28 layers, 16/8 heads of 128, tied embeddings): rows of
   * 6144 columns in the down projections, where the bf16 GEMV takes its wide form; PeerBench's wider model.
   */
  QWEN3_1_7B(ModelConfig.builder(ModelType.QWEN3).hiddenSize(2048).intermediateSize(6144).numLayers(28).numHeads(16)
      .numKvHeads(8).headDim(128).eosTokenIds(List.of(151645)).build()),
  /**
   * Qwen3-MoE, 3 layers, hidden 64, untied lm_head: layers 0 and 2 sparse (8 experts of 32, top-2,
   * renormalised), layer 1 dense ({@code mlp_only_layers: [1]}, intermediate 128).
   */
  TINY_QWEN3_MOE(tiny(ModelType.QWEN3_MOE).ropeTheta(1_000_000).tieWordEmbeddings(false).numLayers(3)
      .moe(new MoeConfig(8, 2, 32, true, 1, List.of(1), 0.001)).build()),
  /**
   * Qwen3-30B-A3B's per-layer shape with 2 layers (the full model has 48): hidden 2048, 32/4 heads of
   * 128, 128 experts of 768, top-8, renormalised, untied lm_head; about 1.9B parameters (7.5 GB in f32).
   */
  QWEN3_30B_A3B_2L(ModelConfig.builder(ModelType.QWEN3_MOE).hiddenSize(2048).intermediateSize(6144).numLayers(2)
      .numHeads(32).numKvHeads(4).headDim(128).tieWordEmbeddings(false).eosTokenIds(List.of(151645))
      .moe(new MoeConfig(128, 8, 768, true, 1, List.of(), 0.001)).build());

  private final ModelConfig config;

  CheckpointPreset(ModelConfig config) {
    this.config = config;
  }

  private static ModelConfig.Builder tiny(ModelType type) {
    return ModelConfig.builder(type)
        .hiddenSize(64).intermediateSize(128).numLayers(2).numHeads(4).numKvHeads(2).headDim(16)
        .maxPositionEmbeddings(4096).eosTokenIds(List.of(151645));
  }

  /** The preset's config. */
  public ModelConfig config() {
    return config;
  }

  /** The CLI name, e.g. {@code tiny-qwen3}, {@code qwen3-0.6b}. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace("qwen3_0_6b", "qwen3-0.6b").replace("qwen3_1_7b", "qwen3-1.7b")
        .replace('_', '-');
  }

  /**
   * The preset for a CLI name.
   *
   * @throws IllegalArgumentException listing the names when {@code name} is not one
   */
  public static CheckpointPreset fromCliName(String name) {
    for (CheckpointPreset p : values()) {
      if (p.cliName().equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown preset \"" + name + "\"; presets: "
        + Arrays.stream(values()).map(CheckpointPreset::cliName).collect(Collectors.joining(", ")));
  }
}
