package io.ltm.lora.plan;

import io.ltm.lora.lora.TargetModules;
import java.util.Objects;

/**
 * What a memory plan is made for: the device kind, {@code ltm train}'s flags that change memory and the
 * generation budget. Immutable; checked at birth. Build with {@link #builder()}: the defaults are
 * {@code ltm train}'s and {@code ltm generate}'s.
 *
 * @param gpu true for a CUDA device (frozen weights f16), false for the CPU (f32)
 * @param maxLen tokens per packed training sequence ({@code --max-len}); also the prompt length planned
 *     for generation
 * @param batch sequences per micro-batch ({@code --batch})
 * @param gradAccum micro-batches per optimizer step ({@code --grad-accum}; does not change the peak:
 *     micro-batches run one after another and only their gradients add up)
 * @param r LoRA rank ({@code --r})
 * @param targets LoRA target modules ({@code --targets})
 * @param dropout LoRA dropout ({@code --dropout}); above 0 each adapted projection keeps a dropped copy
 *     of its input for backward
 * @param gradientCheckpointing {@code --gradient-checkpointing}
 * @param evaluation true when {@code ltm train} evaluates a validation split ({@code --validation} > 0):
 *     the evaluation forward holds the whole sequence's logits at once
 * @param maxNewTokens generation budget ({@code --max-new-tokens}); the KV cache holds
 *     {@code maxLen + maxNewTokens} columns
 * @param memoryBytes the memory to fit in, or 0 to detect the device's
 * @param bf16Weights the checkpoint is bf16 ({@code torch_dtype} bfloat16): generation on the CPU keeps its
 *     matrices in bf16 ({@code LoadOptions.forGeneration}), 2 bytes per parameter instead of 4; training
 *     still widens them to f32
 * @param halfKvCache generation keeps an f16 KV cache ({@code --kv-cache f16}): 2 bytes per cached value
 *     instead of 4
 */
public record PlanRequest(
    boolean gpu,
    int maxLen,
    int batch,
    int gradAccum,
    int r,
    TargetModules targets,
    double dropout,
    boolean gradientCheckpointing,
    boolean evaluation,
    int maxNewTokens,
    long memoryBytes,
    boolean bf16Weights,
    boolean halfKvCache) {

  public PlanRequest {
    Objects.requireNonNull(targets, "targets");
    positive("--max-len", maxLen);
    positive("--batch", batch);
    positive("--grad-accum", gradAccum);
    positive("--r", r);
    positive("--max-new-tokens", maxNewTokens);
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("--dropout must be in [0, 1) but got " + dropout);
    }
    if (memoryBytes < 0) {
      throw new IllegalArgumentException("--memory must be positive but got " + memoryBytes + " bytes");
    }
  }

  private static void positive(String flag, long v) {
    if (v < 1) {
      throw new IllegalArgumentException(flag + " must be at least 1 but got " + v);
    }
  }

  /** A builder with {@code ltm train}'s defaults (CPU, --max-len 2048, --batch 1, --r 16, all-linear, dropout 0.05). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this request's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.gpu = gpu;
    b.maxLen = maxLen;
    b.batch = batch;
    b.gradAccum = gradAccum;
    b.r = r;
    b.targets = targets;
    b.dropout = dropout;
    b.gradientCheckpointing = gradientCheckpointing;
    b.evaluation = evaluation;
    b.maxNewTokens = maxNewTokens;
    b.memoryBytes = memoryBytes;
    b.bf16Weights = bf16Weights;
    b.halfKvCache = halfKvCache;
    return b;
  }

  /** Builds a {@link PlanRequest}; every {@code optX} has {@code ltm train}'s default. Not thread-safe. */
  public static final class Builder {
    private boolean gpu;
    private int maxLen = 2048;
    private int batch = 1;
    private int gradAccum = 1;
    private int r = 16;
    private TargetModules targets = new TargetModules.AllLinear();
    private double dropout = 0.05;
    private boolean gradientCheckpointing;
    private boolean evaluation = true;
    private int maxNewTokens = 512;
    private long memoryBytes;
    private boolean bf16Weights;
    private boolean halfKvCache;

    private Builder() {}

    /** @param v true for CUDA (default false: the CPU) @return this */
    public Builder optGpu(boolean v) { gpu = v; return this; }
    /** @param v tokens per sequence (default 2048) @return this */
    public Builder optMaxLen(int v) { maxLen = v; return this; }
    /** @param v sequences per micro-batch (default 1) @return this */
    public Builder optBatch(int v) { batch = v; return this; }
    /** @param v micro-batches per step (default 1) @return this */
    public Builder optGradAccum(int v) { gradAccum = v; return this; }
    /** @param v LoRA rank (default 16) @return this */
    public Builder optR(int v) { r = v; return this; }
    /** @param v target modules (default all-linear) @return this */
    public Builder optTargets(TargetModules v) { targets = v; return this; }
    /** @param v LoRA dropout (default 0.05) @return this */
    public Builder optDropout(double v) { dropout = v; return this; }
    /** @param v gradient checkpointing (default off) @return this */
    public Builder optGradientCheckpointing(boolean v) { gradientCheckpointing = v; return this; }
    /** @param v whether a validation split is evaluated (default true, as {@code --validation 0.1}) @return this */
    public Builder optEvaluation(boolean v) { evaluation = v; return this; }
    /** @param v generation budget (default 512) @return this */
    public Builder optMaxNewTokens(int v) { maxNewTokens = v; return this; }
    /** @param v memory to fit in, bytes, 0 = the device's (default 0) @return this */
    public Builder optMemoryBytes(long v) { memoryBytes = v; return this; }

    /** @param v the checkpoint is bf16 (default false) @return this */
    public Builder optBf16Weights(boolean v) { bf16Weights = v; return this; }

    /** @param v generation keeps an f16 KV cache (default false: f32) @return this */
    public Builder optHalfKvCache(boolean v) { halfKvCache = v; return this; }

    /** @return the checked request */
    public PlanRequest build() {
      return new PlanRequest(gpu, maxLen, batch, gradAccum, r, targets, dropout, gradientCheckpointing, evaluation,
          maxNewTokens, memoryBytes, bf16Weights, halfKvCache);
    }
  }
}
