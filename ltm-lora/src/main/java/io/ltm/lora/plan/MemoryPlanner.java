package io.ltm.lora.plan;

import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.MoeConfig;
import io.ltm.lora.model.ProjectionKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Predicts the memory of {@code ltm train} and of generation from {@code config.json} alone (no weights
 * are read), by counting what ltm's engine holds: the frozen weights in the device's type (f32 on the CPU,
 * f16 on a GPU, see {@code LoadOptions.on}; for generation on the CPU a bf16 checkpoint's stay bf16,
 * {@link PlanRequest#bf16Weights()}), LoRA's A/B weights, their gradients and AdamW's two moments
 * (all f32), the activations autograd keeps for backward, the logits and loss, the transient tensors of the
 * layer being computed, and the runtime (JVM, libtorch, tokenizer; on a GPU the CUDA context).
 *
 * <p><b>What is counted, per token of a sequence, for one decoder layer</b> (all f32, B x T tokens):
 * kept for backward: the layer input (kept by the input RMSNorm), q and k before their head norms, q and
 * k after RoPE and v (kept by the attention matmuls), the attention probabilities ({@code heads x T}
 * per token), the residual after attention, the SwiGLU's gate, sigmoid(gate), silu(gate) and up; each
 * LoRA-adapted projection adds its dropped-out input and the dropout mask (or keeps its input when
 * dropout is 0). A mixture-of-experts layer keeps the SwiGLU of the {@code num_experts_per_tok} experts
 * each token is routed to, their outputs for the routing weights, and the router's logits and
 * probabilities. The layer being computed also holds every temporary it makes until it ends (scores,
 * masked scores and probabilities; the projections' and LoRA's outputs): the workspace.
 * <ul>
 *   <li>Without checkpointing the peak is at the loss: every layer's kept tensors plus the logits
 *       {@code (B, T, vocab)}, their log-softmax and the gradients of both.
 *   <li>With {@code --gradient-checkpointing} the layer inputs (and, in backward, their gradients) are
 *       kept, plus one layer recomputed with its workspace and backward; the loss is computed 256 positions
 *       at a time (one chunk's logits alive).
 *   <li>Evaluation (when a validation split exists) holds the whole sequence's logits and log-softmax.
 * </ul>
 * The constants ({@link Calibration}) were fitted on the CPU against process peak RSS of {@code ltm train} runs (see
 * {@code docs/plan.md} and the {@code PlanBench} benchmark). On a GPU the same counts are used with f16 weights
 * and the CUDA context, without the CPU's retained-attention term; they are not yet measured on a GPU
 * ({@code DeviceBench} prints them beside the device's memory). Stateless and thread-safe.
 */
public final class MemoryPlanner {
  /** Positions whose logits the checkpointed loss computes at once (RecomputingDecoderModel.HEAD_CHUNK). */
  static final int HEAD_CHUNK = 256;
  /**
   * JVM (heap, metaspace, threads), libtorch and the tokenizer on the CPU: 0.54 GiB measured with a 10M-parameter
   * model (ltm doctor --quick, peak RSS after loading).
   */
  static final long CPU_RUNTIME = 512L << 20;
  /** CUDA context and cuBLAS workspace on the device (the JVM's and libtorch's host memory do not count there). */
  static final long GPU_RUNTIME = 768L << 20;

  /**
   * The measured constants of the CPU model, fitted against process peak RSS of {@code ltm train} runs
   * ({@code PlanBench --fit} refits them from the rows of its result table; {@code docs/plan.md}).
   *
   * @param layerSlack resident memory beyond the counted tensors per byte of the f32 attention and dense-MLP
   *     projection weights (not the experts' or the embedding's): 0.5 on the Qwen3-0.6B shape (0.87 GiB
   *     over 28 layers), almost none on two Qwen3-30B-A3B layers whose projections are mostly experts. Its
   *     cause is not pinned down; a likely one is the allocator's heap holes left where the separately
   *     loaded q/k/v and gate/up weights were freed after being fused into one matrix (sizes under glibc's
   *     32 MB mmap threshold stay in the heap)
   * @param lossLogitCopies copies of the {@code (B, T, vocab)} logits alive at the loss (the logits,
   *     log-softmax and, in backward, their gradients, less what autograd frees as it goes)
   * @param activationFactor measured activation memory over the tensors counted as kept for backward
   *     (autograd's own buffers, views that keep a larger base alive, allocator blocks)
   * @param evalLogitCopies copies of the logits evaluation holds (logits, shifted copy, log-softmax)
   * @param retainedAttentionBytes bytes per attention-matrix element every layer keeps beyond the tensors
   *     counted for backward (a term found by measurement whose cause is not pinned down: an allocator's
   *     retained blocks or a tensor autograd keeps)
   */
  public record Calibration(double layerSlack, double lossLogitCopies, double activationFactor,
      double evalLogitCopies, double retainedAttentionBytes) {
    /**
     * What ltm uses: fitted by {@code PlanBench --fit} to the "fit" rows of
     * {@code benchmarks/results/plan-measured.tsv} (largest error over them 1.7%; over every measured configuration, by median, 10.5%).
     */
    public static final Calibration DEFAULT = new Calibration(0.55, 3.875, 1.29, 3.25, 2.0625);

    /**
     * The same constants for a process started as {@code ./ltm} starts it ({@code ltm-env.sh}: libtorch's
     * huge pages, glibc's {@code mmap_threshold} at 4 MiB, so that freed tensors go back to the kernel):
     * fitted by {@code PlanBench --fit} to {@code benchmarks/results/plan-measured-ltm-env.tsv} (largest error
     * over its fit rows 8.3%, its check rows -8.3% to +10.7%). The two terms whose cause was not pinned down,
     * {@code layerSlack} and {@code retainedAttentionBytes}, fit to 0 here: they were freed tensors kept by
     * glibc's arenas, and a training step's peak is 3-49% lower (Qwen3-0.6B at 2048 tokens with
     * checkpointing: 5.2 GiB instead of 10.2).
     */
    public static final Calibration LTM_ENV = new Calibration(0.0, 4.125, 1.1, 2.125, 0.0);

    /** {@link #LTM_ENV} for a process with ./ltm's allocator settings, else {@link #DEFAULT}. */
    public static Calibration forEnvironment(AllocatorEnvironment env) {
      return env.isLtmEnv() ? LTM_ENV : DEFAULT;
    }

    /** Checks that every constant is finite and not negative. */
    public Calibration {
      for (double v : new double[] {layerSlack, lossLogitCopies, activationFactor, evalLogitCopies, retainedAttentionBytes}) {
        if (!(v >= 0) || Double.isInfinite(v)) {
          throw new IllegalArgumentException("calibration constants must be finite and >= 0: " + this);
        }
      }
    }
  }

  private MemoryPlanner() {}

  /**
   * Plans {@code config} for {@code request}, with the constants of this process's allocator settings
   * ({@link Calibration#forEnvironment}): a plan made in a process started as {@code ./ltm} starts it predicts
   * {@code ltm train} started the same way.
   *
   * @param config the model's config.json
   * @param request flags and device
   * @param memoryBytes the memory to check against (the request's, or the device's detected)
   * @param memorySource where {@code memoryBytes} came from, for the report
   * @return the plan
   */
  public static MemoryPlan plan(ModelConfig config, PlanRequest request, long memoryBytes, String memorySource) {
    return plan(config, request, memoryBytes, memorySource, Calibration.forEnvironment(AllocatorEnvironment.current()));
  }

  /** As {@link #plan(ModelConfig, PlanRequest, long, String)} with other constants (fitting them). */
  public static MemoryPlan plan(ModelConfig config, PlanRequest request, long memoryBytes, String memorySource,
      Calibration k) {
    Counts c = new Counts(config, request);
    long frozen = config.parameterCount() * (request.gpu() ? 2 : 4);
    long runtime = request.gpu() ? GPU_RUNTIME : CPU_RUNTIME + (long) (k.layerSlack() * c.denseProjectionParameters() * 4);
    long lora = c.trainable * 4;

    // --- training ---
    long b = request.batch();
    long t = request.maxLen();
    long tokens = b * t;
    long v = config.vocabSize();
    long logitsBytes = tokens * v * 4; // (B, T, V) f32
    long keptPerLayerNoCkpt = 0;
    long workspaceMax = 0;
    // measured on the CPU (peak RSS); not applied to a GPU until it is measured there (DeviceBench)
    long retained = request.gpu() ? 0
        : (long) (k.retainedAttentionBytes() * b * config.numHeads() * t * t) * config.numLayers();
    for (int l = 0; l < config.numLayers(); l++) {
      keptPerLayerNoCkpt += (long) (c.keptFloats(l, t) * tokens * 4);
      workspaceMax = Math.max(workspaceMax, (long) (c.workspaceFloats(l, t) * tokens * 4));
    }
    long hiddenBytes = tokens * config.hiddenSize() * 4L;
    long keptCkpt = (config.numLayers() + 1) * hiddenBytes // layer inputs
        + config.numLayers() * hiddenBytes // their gradients, attached to the step's scope in backward
        + retained;
    keptPerLayerNoCkpt = (long) (k.activationFactor() * (keptPerLayerNoCkpt + retained));
    long maxKeptLayer = 0;
    for (int l = 0; l < config.numLayers(); l++) {
      maxKeptLayer = Math.max(maxKeptLayer, (long) (k.activationFactor() * c.keptFloats(l, t) * tokens * 4));
    }
    // the head's output on a GPU is f16 and widened to f32: half a copy more
    double logitCopies = k.lossLogitCopies() + (request.gpu() ? 0.5 : 0);
    Map<String, Long> step = new LinkedHashMap<>();
    step.put("runtime", runtime);
    step.put("frozen_weights", frozen);
    step.put("lora_weights", lora);
    step.put("gradients", lora);
    step.put("adamw_moments", 2 * lora);
    String stepPeak;
    if (request.gradientCheckpointing()) {
      long chunk = b * (HEAD_CHUNK + 1) * v * 4;
      long lossPhase = (long) (logitCopies * chunk);
      // one layer recomputed under autograd: its workspace stays alive through its backward, whose
      // gradients are about the size of what it keeps
      long layerPhase = workspaceMax + maxKeptLayer;
      step.put("activations", keptCkpt);
      step.put("logits_loss", lossPhase > layerPhase ? lossPhase : 0);
      step.put("workspace", lossPhase > layerPhase ? 0 : layerPhase);
      stepPeak = lossPhase > layerPhase ? "loss chunk" : "layer recompute";
    } else {
      long lossPhase = (long) (logitCopies * logitsBytes);
      long layerPhase = workspaceMax - maxKeptLayer; // the last layer's temporaries beyond what it keeps
      step.put("activations", keptPerLayerNoCkpt);
      step.put("logits_loss", lossPhase > layerPhase ? lossPhase : 0);
      step.put("workspace", lossPhase > layerPhase ? 0 : layerPhase);
      stepPeak = lossPhase > layerPhase ? "loss" : "last layer forward";
    }
    MemoryPlan.Phase trainPhase = MemoryPlan.Phase.of(step, stepPeak);
    if (request.evaluation()) {
      Map<String, Long> eval = new LinkedHashMap<>();
      eval.put("runtime", runtime);
      eval.put("frozen_weights", frozen);
      eval.put("lora_weights", lora);
      eval.put("gradients", lora);
      eval.put("adamw_moments", 2 * lora);
      eval.put("activations", 0L);
      long evalLogits = (long) ((k.evalLogitCopies() + (request.gpu() ? 0.5 : 0)) * logitsBytes);
      long evalLayer = (long) (c.noGradWorkspace(t) * tokens * 4);
      eval.put("logits_loss", Math.max(evalLogits, evalLayer));
      eval.put("workspace", 0L);
      MemoryPlan.Phase evalPhase = MemoryPlan.Phase.of(eval, "evaluation");
      if (evalPhase.bytes() > trainPhase.bytes()) {
        trainPhase = evalPhase;
      }
    }

    // --- generation: a prompt of --max-len tokens, then --max-new-tokens decode steps ---
    long capacity = t + request.maxNewTokens();
    long kv = b * capacity * config.numLayers() * 2L * config.numKvHeads() * config.headDim()
        * (request.halfKvCache() ? 2 : 4); // f32 cache, or f16 (--kv-cache f16)
    Map<String, Long> gen = new LinkedHashMap<>();
    // a bf16 checkpoint generates on the CPU with its matrices kept in bf16 (LoadOptions.forGeneration): half
    // the weight bytes, and half the heap holes the fused q/k/v and gate/up leave (layerSlack is per weight byte)
    boolean bf16 = request.bf16Weights() && !request.gpu();
    gen.put("runtime", bf16 ? CPU_RUNTIME + (long) (k.layerSlack() * c.denseProjectionParameters() * 2) : runtime);
    gen.put("frozen_weights", bf16 ? config.parameterCount() * 2 : frozen);
    gen.put("kv_cache", kv);
    gen.put("logits", b * v * 4 * 2); // the last position's logits and the sampler's copy
    gen.put("workspace", (long) (c.noGradWorkspace(t) * tokens * 4)); // one layer of the prefill
    MemoryPlan.Phase genPhase = MemoryPlan.Phase.of(gen, "prefill");

    long memory = request.memoryBytes() > 0 ? request.memoryBytes() : memoryBytes;
    String source = request.memoryBytes() > 0 ? "--memory" : memorySource;
    long actNo = keptPerLayerNoCkpt;
    long actCk = keptCkpt + workspaceMax + maxKeptLayer;
    List<String> advice = new ArrayList<>();
    MemoryPlan plan = new MemoryPlan(config.modelType().hfName(), request.gpu() ? "cuda" : "cpu",
        config.parameterCount(), config.activeParameterCount(), c.trainable, trainPhase, genPhase, actNo, actCk,
        memory, source, advice);
    if (!plan.fitsTrain()) {
      advice.addAll(advise(config, request, memory, memorySource, k));
      plan = new MemoryPlan(plan.modelType(), plan.device(), plan.totalParameters(), plan.activeParameters(),
          plan.trainableParameters(), trainPhase, genPhase, actNo, actCk, memory, source, advice);
    }
    return plan;
  }

  /** Flag changes, tried in order of what they cost, that bring the training peak under {@code memory}. */
  private static List<String> advise(ModelConfig config, PlanRequest r, long memory, String source, Calibration k) {
    List<String> out = new ArrayList<>();
    PlanRequest.Builder b = r.toBuilder().optMemoryBytes(memory);
    if (!r.gradientCheckpointing()) {
      PlanRequest ck = b.optGradientCheckpointing(true).build();
      if (plan(config, ck, memory, source, k).fitsTrain()) {
        out.add("--gradient-checkpointing");
        return out;
      }
    }
    String ckFlag = "--gradient-checkpointing ";
    if (r.batch() > 1) {
      PlanRequest one = b.optGradientCheckpointing(true).optBatch(1).optGradAccum(r.gradAccum() * r.batch()).build();
      if (plan(config, one, memory, source, k).fitsTrain()) {
        out.add(ckFlag + "--batch 1 --grad-accum " + (r.gradAccum() * r.batch()) + " (same tokens per step)");
        return out;
      }
    }
    for (int len = r.maxLen() / 2; len >= 128; len /= 2) {
      PlanRequest shorter = b.optGradientCheckpointing(true).optBatch(1).optMaxLen(len).build();
      if (plan(config, shorter, memory, source, k).fitsTrain()) {
        out.add(ckFlag + "--batch 1 --max-len " + len);
        return out;
      }
    }
    out.add(String.format(Locale.ROOT, "nothing short of a larger device: the frozen weights alone need %s; "
        + "on a GPU they are stored in f16 (--device cuda)", ByteSize.gib(config.parameterCount() * (r.gpu() ? 2 : 4))));
    return out;
  }

  /** Per-layer counts of one config and request. */
  private static final class Counts {
    final ModelConfig config;
    final PlanRequest request;
    final long trainable;
    final double h;
    final double q;
    final double kv;
    final double dropoutCopy; // floats kept per adapted input: copy + bool mask, or 0 when dropout is 0

    Counts(ModelConfig config, PlanRequest request) {
      this.config = config;
      this.request = request;
      this.h = config.hiddenSize();
      this.q = (double) config.numHeads() * config.headDim();
      this.kv = (double) config.numKvHeads() * config.headDim();
      this.dropoutCopy = request.dropout() > 0 ? 1.25 : 0;
      long n = 0;
      for (int l = 0; l < config.numLayers(); l++) {
        for (Module m : modules(l)) {
          if (request.targets().matches(m.name)) {
            n += (long) request.r() * (m.in + m.out) * m.count;
          }
        }
      }
      this.trainable = n;
    }

    /** Parameters of the attention and dense-MLP projections of every layer (not the experts, not the router). */
    long denseProjectionParameters() {
      long n = 0;
      for (int l = 0; l < config.numLayers(); l++) {
        for (Module m : modules(l)) {
          if (!m.input.equals("routed") && !m.input.equals("expert_act") && !m.name.endsWith(".mlp.gate")) {
            n += m.in * m.out * m.count;
          }
        }
      }
      return n;
    }

    /** A linear module (or {@code count} experts' modules of the same shape) of layer {@code l}. */
    record Module(String name, long in, long out, long count, String input) {}

    List<Module> modules(int l) {
      List<Module> ms = new ArrayList<>();
      long hh = config.hiddenSize();
      long qq = (long) config.numHeads() * config.headDim();
      long kk = (long) config.numKvHeads() * config.headDim();
      ms.add(new Module(ProjectionKind.Q_PROJ.moduleName(l), hh, qq, 1, "h"));
      ms.add(new Module(ProjectionKind.K_PROJ.moduleName(l), hh, kk, 1, "h"));
      ms.add(new Module(ProjectionKind.V_PROJ.moduleName(l), hh, kk, 1, "h"));
      ms.add(new Module(ProjectionKind.O_PROJ.moduleName(l), qq, hh, 1, "attn"));
      if (config.isSparseLayer(l)) {
        MoeConfig moe = config.moe();
        long e = moe.numExperts();
        long im = moe.moeIntermediateSize();
        String p = "model.layers." + l + ".mlp.";
        ms.add(new Module(p + "gate", hh, e, 1, "h2"));
        // one representative name per projection kind: matching is by suffix or regex over the expert's name
        for (int x = 0; x < e; x++) {
          ms.add(new Module(p + "experts." + x + ".gate_proj", hh, im, 1, "routed"));
          ms.add(new Module(p + "experts." + x + ".up_proj", hh, im, 1, "routed"));
          ms.add(new Module(p + "experts." + x + ".down_proj", im, hh, 1, "expert_act"));
        }
      } else {
        long i = config.intermediateSize();
        ms.add(new Module(ProjectionKind.GATE_PROJ.moduleName(l), hh, i, 1, "h2"));
        ms.add(new Module(ProjectionKind.UP_PROJ.moduleName(l), hh, i, 1, "h2"));
        ms.add(new Module(ProjectionKind.DOWN_PROJ.moduleName(l), i, hh, 1, "act"));
      }
      return ms;
    }

    /** Floats per token that layer {@code l} keeps for backward (sequence length {@code t}). */
    double keptFloats(int l, long t) {
      double f = h; // layer input, kept by the input RMSNorm
      if (config.modelType().qkNorm()) {
        f += q + kv; // q and k before their head norms
      }
      f += q + 2 * kv; // q and k after RoPE, v
      f += (double) config.numHeads() * t; // attention probabilities
      f += h; // residual after attention, kept by the post-attention RMSNorm
      double k = 1; // tokens per token through the MLP (routed copies for a MoE)
      double inner;
      if (config.isSparseLayer(l)) {
        MoeConfig moe = config.moe();
        k = moe.numExpertsPerTok();
        inner = moe.moeIntermediateSize();
        f += k * (4 * inner + h); // SwiGLU of each routed copy, expert output kept for its routing weight
        f += 3.0 * moe.numExperts(); // router logits, softmax, routing weights
      } else {
        inner = config.intermediateSize();
        f += 4 * inner; // gate, sigmoid(gate), silu(gate), up
      }
      f += loraKept(l, k, inner);
      return f;
    }

    /** Floats per token the adapted projections of layer {@code l} keep (dropped inputs and masks, A outputs). */
    private double loraKept(int l, double routed, double inner) {
      Map<String, Double> inputs = new LinkedHashMap<>();
      double f = 0;
      boolean seenExpert = false;
      for (Module m : modules(l)) {
        if (!request.targets().matches(m.name)) {
          continue;
        }
        double width = switch (m.input) {
          case "h", "h2" -> h;
          case "attn" -> q;
          case "act" -> inner;
          case "routed" -> routed * h / config.moe().numExperts(); // per expert: its share of the routed tokens
          case "expert_act" -> routed * inner / config.moe().numExperts();
          default -> throw new IllegalStateException(m.input);
        };
        seenExpert |= m.input.startsWith("routed") || m.input.startsWith("expert");
        if (dropoutCopy > 0) {
          f += dropoutCopy * width;
        } else {
          inputs.put(m.input + (m.input.equals("routed") || m.input.equals("expert_act") ? m.name : ""), width);
        }
        double share = m.input.equals("routed") || m.input.equals("expert_act") ? routed / config.moe().numExperts() : 1;
        f += request.r() * share; // A's output, kept by B
      }
      for (double w : inputs.values()) {
        f += w;
      }
      return f;
    }

    /** Floats per token alive while layer {@code l} is computed under autograd (every temporary of the layer). */
    double workspaceFloats(int l, long t) {
      double adapted = 0;
      for (Module m : modules(l)) {
        if (request.targets().matches(m.name)) {
          adapted += 1;
        }
      }
      double loraExtra = adapted > 0 ? 3 : 0; // per adapted output: A, B, scaled, sum (relative to the base output)
      double f = 3 * h; // input RMSNorm: square, x_hat, h
      f += (q + 2 * kv) * (1 + loraExtra) + (dropoutCopy > 0 ? 3 * 1.25 * h : 0);
      if (config.modelType().qkNorm()) {
        f += 3 * (q + kv);
      }
      f += 4 * (q + kv); // RoPE: x cos, rotate, sin, sum
      f += 3.0 * config.numHeads() * t; // scores, masked scores, probabilities
      f += 2 * q; // attention output and its copy
      f += h * (1 + loraExtra) + 1.25 * q + h; // o_proj, residual
      f += 3 * h; // post-attention RMSNorm
      if (config.isSparseLayer(l)) {
        MoeConfig moe = config.moe();
        double k = moe.numExpertsPerTok();
        double im = moe.moeIntermediateSize();
        f += 4.0 * moe.numExperts(); // router logits, softmax, top-k
        f += k * h * 2; // gathered inputs, weighted outputs
        f += k * (2 * im * (1 + loraExtra) + 3 * im + h * (1 + loraExtra));
      } else {
        double i = config.intermediateSize();
        f += 2 * i * (1 + loraExtra) + (dropoutCopy > 0 ? 2.5 * h : 0);
        f += 3 * i; // sigmoid, silu, product
        f += h * (1 + loraExtra) + 1.25 * i + h; // down_proj, residual
      }
      return f;
    }

    /** Floats per token alive while one layer is computed without autograd (prefill, evaluation). */
    double noGradWorkspace(long t) {
      double f = 0;
      for (int l = 0; l < config.numLayers(); l++) {
        f = Math.max(f, workspaceFloats(l, t) - loraKept(l, config.isSparseLayer(l) ? config.moe().numExpertsPerTok() : 1,
            config.isSparseLayer(l) ? config.moe().moeIntermediateSize() : config.intermediateSize()));
      }
      return f;
    }
  }
}
