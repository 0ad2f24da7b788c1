package io.ltm.lora.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import io.ltm.lora.io.ModelConfig;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * A Qwen3 / Qwen3-MoE / Llama / Qwen2 decoder on DJL's PyTorch engine: embedding, per layer
 * (RMSNorm, q/k/v, optional q/k norm, RoPE, grouped-query causal attention, o, residual, RMSNorm,
 * SwiGLU or, in a Qwen3-MoE sparse layer, the routed experts' SwiGLU, residual), final norm, logits.
 * The whole forward reads top to bottom in {@link #hidden}, one layer's math in {@link #layer} (the
 * one place it lives; gradient checkpointing recomputes layers through it).
 *
 * <p><b>Memory.</b> The weights live in one model manager, owned by this decoder and capped after
 * loading (an operation that would allocate there fails loudly instead of leaking). Every call takes
 * a {@code scope} manager: all temporaries and the result are allocated there, so the caller opens a
 * child manager per forward / decode step / batch and closes it afterwards.
 *
 * <p><b>Training.</b> The forward uses only differentiable NDArray operations (no KV cache and no
 * in-place writes when {@code cache} is null), so it runs under a DJL {@code GradientCollector}.
 * Every linear projection is a {@link Projection} looked up in a table keyed by HF module name;
 * {@link #replaceProjection} swaps one for a wrapper (e.g. LoRA).
 *
 * <p><b>Fused projections.</b> A decode step is bound by streaming the weights and by the number
 * of engine calls, so each layer's q/k/v weights are stored as one {@code [q + k + v, hidden]}
 * matrix and gate/up as one {@code [2 * intermediate, hidden]} matrix: one matMul each. The
 * per-projection {@link LinearProjection}s are views into these (no second copy of the weights).
 * While a layer's q, k and v (or gate and up) are the original projections the forward uses the
 * fused matrix; once {@link #replaceProjection} swaps one of them the layer falls back to calling
 * each projection (the wrapper typically calls the original view inside).
 *
 * <p><b>Mixture of experts.</b> A sparse layer's router ({@code model.layers.L.mlp.gate}) and every
 * expert's gate/up/down ({@code model.layers.L.mlp.experts.E.gate_proj}, ...) are projections like the
 * others (LoRA wraps them by the same names); see {@link #moe} for the routing and the grouping of
 * tokens per expert.
 *
 * <p><b>Threads.</b> Forward calls may run concurrently with separate scopes and caches; replacing
 * projections must not race with a forward. {@link #close} frees the weights.
 */
public final class Decoder implements AutoCloseable {
  private final ModelConfig config;
  private final NDManager manager;
  private final DecoderWeights weights;
  private final Rope rope;
  private final NDArray rotateHalf; // (D, D), see Rope.rotateHalfMatrix
  private final Projection[][] table; // (layer, ProjectionKind.ordinal())
  private final Map<String, Projection> byName = new LinkedHashMap<>();
  private final Fused[] qkv; // (layer) q, k, v in one matrix, or null when they cannot be fused
  private final Fused[] gateUp; // (layer) gate, up in one matrix, or null
  private final Projection[] router; // (layer) [num_experts, hidden]; null in dense layers
  private final Projection[][][] experts; // (layer, expert, gate/up/down); null in dense layers
  private final Fused[][] expertGateUp; // (layer, expert) an expert's gate, up in one matrix
  private volatile RowDecoder rowPlan; // the one-row path's kernels for the projections as registered now
  private volatile boolean rowPlanChecked; // false again after replaceProjection

  /**
   * A decoder over {@code weights}, which must all be owned by {@code manager}; the decoder takes
   * ownership of {@code manager} and caps it.
   */
  public Decoder(ModelConfig config, NDManager manager, DecoderWeights weights) {
    this.config = Objects.requireNonNull(config, "config");
    this.manager = Objects.requireNonNull(manager, "manager");
    Objects.requireNonNull(weights, "weights");
    this.rope = new Rope(config);
    this.rotateHalf = Rope.rotateHalfMatrix(manager, config.headDim());
    // fuse q/k/v and gate/up per layer; the projections become views into the fused matrices
    Map<String, LinearProjection> projections = new LinkedHashMap<>(weights.projections());
    this.qkv = new Fused[config.numLayers()];
    this.gateUp = new Fused[config.numLayers()];
    this.expertGateUp = new Fused[config.numLayers()][];
    for (int l = 0; l < config.numLayers(); l++) {
      qkv[l] = Fused.of(projections, "model.layers." + l + ".self_attn.qkv_proj",
          ProjectionKind.Q_PROJ.moduleName(l), ProjectionKind.K_PROJ.moduleName(l), ProjectionKind.V_PROJ.moduleName(l));
      if (config.isSparseLayer(l)) {
        expertGateUp[l] = new Fused[config.moe().numExperts()];
        for (int e = 0; e < expertGateUp[l].length; e++) {
          expertGateUp[l][e] = Fused.of(projections, "model.layers." + l + ".mlp.experts." + e + ".gate_up_proj",
              ProjectionKind.GATE_PROJ.expertModuleName(l, e), ProjectionKind.UP_PROJ.expertModuleName(l, e));
        }
      } else {
        gateUp[l] = Fused.of(projections, "model.layers." + l + ".mlp.gate_up_proj",
            ProjectionKind.GATE_PROJ.moduleName(l), ProjectionKind.UP_PROJ.moduleName(l));
      }
    }
    this.weights = new DecoderWeights(weights.embedding(), weights.finalNorm(), weights.lmHead(), weights.layers(),
        projections, weights.embeddingFormat());
    ProjectionKind[] kinds = ProjectionKind.values();
    this.table = new Projection[config.numLayers()][kinds.length];
    this.router = new Projection[config.numLayers()];
    this.experts = new Projection[config.numLayers()][][];
    for (int l = 0; l < config.numLayers(); l++) {
      boolean sparse = config.isSparseLayer(l);
      for (ProjectionKind k : kinds) {
        if (sparse && k.isMlp()) {
          continue; // the experts' projections below
        }
        table[l][k.ordinal()] = require(projections, k.moduleName(l));
      }
      if (sparse) {
        router[l] = require(projections, ProjectionKind.routerName(l));
        experts[l] = new Projection[config.moe().numExperts()][];
        for (int e = 0; e < experts[l].length; e++) {
          experts[l][e] = new Projection[] {
              require(projections, ProjectionKind.GATE_PROJ.expertModuleName(l, e)),
              require(projections, ProjectionKind.UP_PROJ.expertModuleName(l, e)),
              require(projections, ProjectionKind.DOWN_PROJ.expertModuleName(l, e))};
        }
      }
    }
    manager.cap();
  }

  private Projection require(Map<String, LinearProjection> projections, String name) {
    Projection p = projections.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no projection " + name);
    }
    byName.put(name, p);
    return p;
  }

  /** The parsed config.json. */
  public ModelConfig config() {
    return config;
  }

  /** The device the weights live on. */
  public Device device() {
    return manager.getDevice();
  }

  /** The frozen tensors (the q/k/v and gate/up weights are views into the fused matrices). */
  public DecoderWeights weights() {
    return weights;
  }

  /**
   * The model manager owning the weights; capped. Use it only as the parent of child managers
   * ({@code newSubManager()}), e.g. for a trainer's parameters.
   */
  public NDManager manager() {
    return manager;
  }

  /**
   * Every layer projection by HF module name, in layer order (q, k, v, o, then gate, up, down of a
   * dense layer, or the router {@code mlp.gate} and each expert's gate, up, down of a sparse layer).
   */
  public Map<String, Projection> projections() {
    return Collections.unmodifiableMap(byName);
  }

  /**
   * Replaces the projection registered as {@code name} (e.g. with a LoRA wrapper around it).
   *
   * @throws IllegalArgumentException if no such projection exists or the shapes differ
   */
  public synchronized void replaceProjection(String name, Projection replacement) {
    Projection old = byName.get(name);
    if (old == null) {
      throw new IllegalArgumentException("no projection named " + name + "; names look like "
          + ProjectionKind.Q_PROJ.moduleName(0));
    }
    if (!name.equals(replacement.name()) || replacement.inFeatures() != old.inFeatures()
        || replacement.outFeatures() != old.outFeatures()) {
      throw new IllegalArgumentException("replacement for " + name + " must have the same name and shape ["
          + old.outFeatures() + ", " + old.inFeatures() + "] but is " + replacement.name() + " ["
          + replacement.outFeatures() + ", " + replacement.inFeatures() + "]");
    }
    int l = Integer.parseInt(name.substring("model.layers.".length(), name.indexOf('.', "model.layers.".length())));
    swap(table[l], old, replacement); // only the projection's own layer: a 48-layer MoE has 18k projections
    if (router[l] == old) {
      router[l] = replacement;
    }
    if (experts[l] != null) {
      for (Projection[] expert : experts[l]) {
        swap(expert, old, replacement);
      }
    }
    byName.put(name, replacement);
    rowPlanChecked = false;
  }

  private static void swap(Projection[] slots, Projection old, Projection replacement) {
    for (int k = 0; k < slots.length; k++) {
      if (slots[k] == old) {
        slots[k] = replacement;
      }
    }
  }

  /** An f32 KV cache for {@code batch} rows of up to {@code capacity} columns; the caller closes it. */
  public KvCache newCache(int batch, int capacity) {
    return new KvCache(manager, config, batch, capacity);
  }

  /**
   * A KV cache for {@code batch} rows of up to {@code capacity} columns holding {@code type} ({@code F32} or
   * {@code F16}: half the bytes, see {@link KvCache}); the caller closes it.
   */
  public KvCache newCache(int batch, int capacity, io.ltm.lora.io.TensorDType type) {
    return new KvCache(manager, config, batch, capacity, type);
  }

  /**
   * Readies generation with KV caches of {@code kvCache} now rather than at the first such cache: on the CPU with
   * {@code F16}, the one-row decode's f16 attention kernel is compiled here (0.5-2 s, once per JVM), before any
   * prefill (in a JVM without {@link TrapLimit#FLAG}, compiled after one, its code came out twice as slow;
   * docs/engine.md).
   * {@link io.ltm.lora.generate.LocalModel} calls it when it is made; nothing else to do for {@code F32} or a GPU.
   */
  public void prepare(io.ltm.lora.io.TensorDType kvCache) {
    if (kvCache == io.ltm.lora.io.TensorDType.F16 && device().equals(Device.cpu())) {
      RowDecoder.prepareHalfCache();
    }
  }

  /**
   * Logits {@code [B, T, vocab]} (f32, in {@code scope}) for every column of {@code input}, or
   * {@code [B, 1, vocab]} for the last column only when {@code lastOnly}.
   *
   * @param cache null for a stateless forward (training, scoring); otherwise the earlier columns
   *     are read from it and this input's keys and values are appended
   */
  public NDArray forward(NDManager scope, DecoderInput input, KvCache cache, boolean lastOnly) {
    if (cache != null && input.batch() == 1 && input.length() == 1 && RowDecoder.enabled() && Gemv.enabled()
        && cache.inJavaMemory() && !Autograd.recording()) {
      RowDecoder row = rowPlan();
      if (row != null) { // one token of one row: the one-row specialisation of layer(), in Java
        cache.checkFits(input);
        NDArray logits = row.forward(scope, input, cache); // (1, 1, vocab); null: a wrapper needs libtorch now
        if (logits != null) {
          return logits;
        }
      }
    }
    // a CPU prefill keeps its freed activations in malloc's arenas for its length (PrefillMalloc); not training's
    long prefillPositions = cache != null && !Autograd.recording() && device().equals(Device.cpu())
        ? (long) input.batch() * input.length() : 0;
    try (PrefillMalloc.Scope arenas = PrefillMalloc.forPrefill(prefillPositions)) {
      NDArray h = hidden(scope, input, cache); // (B, T, H)
      if (lastOnly) {
        h = h.get(":, -1:, :"); // (B, 1, H)
      }
      return logits(h);
    }
  }

  /**
   * What a CPU prefill does with glibc's {@code mmap_threshold} in this process: raises it for its own length (as
   * {@code ./ltm} runs, docs/engine.md "Memory pages") or leaves it alone, and why; one line for {@code ltm doctor}.
   */
  public static String prefillAllocator() {
    return PrefillMalloc.describe();
  }

  /**
   * Switches the one-row decode path on or off for every decoder (on by default when the JVM has
   * {@code jdk.incubator.vector}; {@code -Dltm.decode=libtorch} starts with it off). With it on, a
   * {@link #forward} of one token of one row over a CPU {@link KvCache} runs in Java
   * ({@code RowDecoder}, the one-row specialisation of {@link #layer}); off, it runs through
   * {@link #hidden} in libtorch. Meant for A/B comparisons.
   *
   * @return whether the path is now on (false when the Vector API is unavailable)
   */
  public static boolean useRowDecoder(boolean on) {
    return RowDecoder.setEnabled(on);
  }

  /**
   * Switches the fused prefill kernels ({@link TorchKernels}) on or off for every decoder (on by default;
   * {@code -Dltm.fused=off} starts with them off): the causal attention over new columns (libtorch's flash
   * kernel, which skips the masked half) and, with {@code LoadOptions.bf16Matmul}, a dense layer's whole
   * SwiGLU MLP in one bf16 call. Off, every forward computes the scores, the mask, the softmax and the product
   * with the values as separate ops, and each MLP projection separately. Meant for A/B comparisons.
   *
   * @return whether they were on before
   */
  public static boolean useFusedKernels(boolean on) {
    boolean was = fused;
    fused = on;
    return was;
  }

  private static volatile boolean fused = !"off".equals(System.getProperty("ltm.fused"));

  /**
   * Switches the Java kernels of a multi-row forward on the CPU on or off, for every decoder (on by default when the
   * JVM has {@code jdk.incubator.vector}; {@code -Dltm.prefill=libtorch} starts with them off). With them and the fused
   * kernels ({@link #useFusedKernels}) on, a forward of several rows with no graph recorded computes its RMSNorms,
   * q/k norms and RoPE ({@code PrefillOps}) and a prefill's causal attention over new columns ({@code CausalAttention})
   * in Java; off, in libtorch (the attention by its flash kernel). Meant for A/B comparisons.
   *
   * @return whether they are now on (false when the Vector API is unavailable)
   */
  public static boolean useJavaPrefillKernels(boolean on) {
    javaPrefillKernels = on && Gemv.AVAILABLE;
    return javaPrefillKernels;
  }

  private static volatile boolean javaPrefillKernels = Gemv.AVAILABLE && !"libtorch".equals(System.getProperty("ltm.prefill"));

  private RowDecoder rowPlan() {
    if (!rowPlanChecked) {
      synchronized (this) {
        if (!rowPlanChecked) {
          rowPlan = RowDecoder.plan(this);
          rowPlanChecked = true;
        }
      }
    }
    return rowPlan;
  }

  /** Layer {@code l}'s projections as registered now, by {@link ProjectionKind#ordinal()} (MLP slots null in a sparse layer). */
  Projection[] projectionsOf(int l) {
    return table[l];
  }

  /** Layer {@code l}'s router as registered now, or null in a dense layer. */
  Projection routerOf(int l) {
    return router[l];
  }

  /** Layer {@code l}'s experts' (gate, up, down) as registered now, or null in a dense layer. */
  Projection[][] expertsOf(int l) {
    return experts[l];
  }

  /** Layer {@code l}'s fused q/k/v, or null. */
  Fused fusedQkv(int l) {
    return qkv[l];
  }

  /** Layer {@code l}'s fused gate/up (dense layer), or null. */
  Fused fusedGateUp(int l) {
    return gateUp[l];
  }

  /** Expert {@code e}'s fused gate/up in sparse layer {@code l}, or null. */
  Fused fusedExpertGateUp(int l, int e) {
    return expertGateUp[l] == null ? null : expertGateUp[l][e];
  }

  /** The rotary embedding. */
  Rope rope() {
    return rope;
  }

  /** Logits {@code [..., vocab]} of final hidden states {@code [..., hidden]}, in their manager. */
  public NDArray logits(NDArray hidden) {
    return weights.lmHead().apply(hidden);
  }

  /**
   * The final-normed hidden states {@code [B, T, hidden]} (f32, in {@code scope}): the decoder
   * without the logits, so that callers can compute logits in chunks.
   */
  public NDArray hidden(NDManager scope, DecoderInput input, KvCache cache) {
    LayerContext ctx = context(scope, input, cache); // mask (B, 1, 1, T, S), cos/sin (B, 1, T, D)
    NDArray x = embed(scope, input); // (B, T, H)
    for (int l = 0; l < config.numLayers(); l++) {
      // A layer's temporaries live in their own manager, freed when the layer ends; only the new
      // residual stream moves on (autograd keeps what backward needs, so this is safe in training).
      NDManager layer = scope.newSubManager();
      x.attach(layer);
      x = layer(l, x, ctx, cache); // (B, T, H)
      x.attach(scope);
      layer.close();
    }
    if (cache != null) {
      cache.advance(input);
    }
    return finalNorm(x); // (B, T, H)
  }

  /**
   * What every layer of a forward over {@code input} shares (mask, RoPE cos/sin), in {@code scope}.
   *
   * @param cache null for a stateless forward; otherwise the mask covers its columns too, and
   *     {@code input} must fit in it
   */
  public LayerContext context(NDManager scope, DecoderInput input, KvCache cache) {
    if (cache != null) {
      cache.checkFits(input);
    }
    final int b = input.batch();
    final int t = input.length();
    final int s = (cache == null ? 0 : cache.length()) + t; // key columns: cached + new
    final float scale = (float) (1.0 / Math.sqrt(config.headDim()));
    NDArray mask = AttentionMask.build(scope, input, cache); // (B, 1, 1, T, S), null when all visible
    boolean causal = AttentionMask.isPlainCausal(input, cache);
    NDArray[] cosSin = rope.cosSin(scope, input); // 2 x (B, 1, T, D)
    NDArray cos = cosSin[0];
    NDArray sin = cosSin[1];
    NDArray cosQ = cos.mul(scale); // RoPE is linear: rotating with scaled cos/sin pre-scales q by 1/sqrt(D)
    NDArray sinQ = sin.mul(scale);
    return new LayerContext(b, t, s, mask, causal, cos, sin, cosQ, sinQ);
  }

  /**
   * The token embeddings {@code [B, T, hidden]} (f32, in {@code scope}) of {@code input}.
   *
   * @throws IllegalArgumentException for a token id outside the vocabulary
   */
  public NDArray embed(NDManager scope, DecoderInput input) {
    long[] ids = new long[input.batch() * input.length()];
    for (int i = 0; i < ids.length; i++) {
      int id = input.token(i);
      if (id >= config.vocabSize()) {
        throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + config.vocabSize());
      }
      ids[i] = id;
    }
    NDArray tokens = scope.create(ids, new Shape(input.batch(), input.length())); // (B, T)
    NDArray rows = weights.embedding().get(scope, new NDIndex("{}", tokens)); // (B, T, H) as stored
    return weights.embeddingFormat().rows(scope, rows); // (B, T, H) f32
  }

  /** The final RMSNorm of the residual stream {@code x [..., hidden]}, in its manager. */
  public NDArray finalNorm(NDArray x) {
    return RmsNorm.apply(x, weights.finalNorm(), (float) config.rmsNormEps());
  }

  /**
   * Decoder layer {@code l}: {@code x [B, T, hidden] -> [B, T, hidden]}, with its temporaries and
   * result in {@code x}'s manager. Differentiable when {@code cache} is null.
   *
   * @param ctx from {@link #context} for this forward's input and {@code cache}
   * @param cache null for a stateless forward; otherwise this layer's keys and values are appended
   *     (the caller advances the cache after the last layer)
   */
  public NDArray layer(int l, NDArray x, LayerContext ctx, KvCache cache) {
    final int b = ctx.batch();
    final int t = ctx.length();
    final int s = ctx.keys();
    final int nH = config.numHeads();
    final int nKv = config.numKvHeads();
    final int d = config.headDim();
    final int g = nH / nKv; // query heads per kv head; head h uses kv head h / g
    final float eps = (float) config.rmsNormEps();
    LayerNorms norm = weights.layers().get(l);
    Projection[] p = table[l];

    // decided per call, not per forward: a recomputing trainer builds the context with grad mode off and runs the
    // layers again under a collector, where the explicit path (and its mask) must serve
    final boolean prefillKernels = fused && t > 1 && !x.getDevice().isGpu() && Autograd.off(); // no graph recorded
    // several rows of f32 on the CPU: the norms and RoPE in Java, one pass each (PrefillOps), and a prefill's
    // attention (CausalAttention)
    final boolean inJavaRows = javaPrefillKernels && prefillKernels && RowOps.isCpuF32(x);

    // --- attention ---
    NDArray h = inJavaRows ? PrefillOps.rmsNorm(x, norm.input(), eps) : RmsNorm.apply(x, norm.input(), eps); // (B, T, H)
    NDArray[] qkvOut = project(qkv[l], h, p[ProjectionKind.Q_PROJ.ordinal()], p[ProjectionKind.K_PROJ.ordinal()],
        p[ProjectionKind.V_PROJ.ordinal()]);
    NDArray q = qkvOut[0].reshape(b, t, nH, d); // (B, T, nH, D)
    NDArray k = qkvOut[1].reshape(b, t, nKv, d); // (B, T, nKv, D)
    NDArray v = qkvOut[2].reshape(b, t, nKv, d); // (B, T, nKv, D)
    if (inJavaRows) { // q/k norm (Qwen3) and RoPE of each head, written head-major
      q = PrefillOps.normRotate(q, norm.q(), eps, ctx.cosQ(), ctx.sinQ()); // (B, nH, T, D), times 1/sqrt(D)
      k = PrefillOps.normRotate(k, norm.k(), eps, ctx.cos(), ctx.sin()); // (B, nKv, T, D)
    } else {
      if (norm.q() != null) { // Qwen3: RMSNorm of each head over D
        q = RmsNorm.apply(q, norm.q(), eps);
        k = RmsNorm.apply(k, norm.k(), eps);
      }
      q = Rope.apply(q.transpose(0, 2, 1, 3), ctx.cosQ(), ctx.sinQ(), rotateHalf); // (B, nH, T, D), times 1/sqrt(D)
      k = Rope.apply(k.transpose(0, 2, 1, 3), ctx.cos(), ctx.sin(), rotateHalf); // (B, nKv, T, D)
    }
    v = v.transpose(0, 2, 1, 3); // (B, nKv, T, D)
    NDArray newKeys = k; // (B, nKv, T, D)
    NDArray newValues = v; // (B, nKv, T, D)
    if (cache != null) {
      k = cache.appendKeys(l, k); // (B, nKv, S, D)
      v = cache.appendValues(l, v); // (B, nKv, S, D)
    }
    NDArray heads; // (B, nH, T, D)
    boolean newColumnsOnly = prefillKernels && ctx.plainCausal();
    boolean inJava = newColumnsOnly && inJavaRows && t <= CausalAttention.MAX_COLUMNS;
    TorchKernels kernels = newColumnsOnly && !inJava ? TorchKernels.get() : null;
    if (inJava) {
      // a prefill over new columns only (S == T), in Java: register tiles, the masked half skipped
      heads = CausalAttention.apply(q, newKeys, newValues, g); // (B, nH, T, D)
    } else if (kernels != null) {
      // the same in libtorch: its flash kernel
      heads = kernels.causalAttention(q, k, v, g); // (B, nH, T, D)
    } else {
      // grouped-query attention without repeating k/v: fold the g query heads of a kv head into rows
      NDArray qg = q.reshape(b, nKv, g * t, d); // (B, nKv, g*T, D), pre-scaled by 1/sqrt(D)
      NDArray scores = qg.matMul(k.transpose(0, 1, 3, 2)) // (B, nKv, g*T, S)
          .reshape(b, nKv, g, t, s); // (B, nKv, g, T, S)
      if (ctx.mask() != null) {
        scores = scores.add(ctx.mask()); // 0 where visible, -1e30 where not
      }
      NDArray probs = scores.softmax(-1).reshape(b, nKv, g * t, s); // (B, nKv, g*T, S)
      heads = probs.matMul(v).reshape(b, nH, t, d); // (B, nKv, g*T, D) -> (B, nH, T, D)
    }
    NDArray attn = heads.transpose(0, 2, 1, 3).reshape(b, t, (long) nH * d); // (B, T, nH*D)
    x = x.add(p[ProjectionKind.O_PROJ.ordinal()].apply(attn)); // residual, (B, T, H)

    // --- MLP: dense SwiGLU, or in a Qwen3-MoE sparse layer the routed experts' SwiGLU ---
    h = inJavaRows ? PrefillOps.rmsNorm(x, norm.postAttention(), eps) : RmsNorm.apply(x, norm.postAttention(), eps); // (B, T, H)
    NDArray mlp = router[l] == null
        ? swiGlu(gateUp[l], p[ProjectionKind.GATE_PROJ.ordinal()], p[ProjectionKind.UP_PROJ.ordinal()],
            p[ProjectionKind.DOWN_PROJ.ordinal()], h) // (B, T, H)
        : moe(l, h); // (B, T, H)
    return x.add(mlp); // residual, (B, T, H)
  }

  /** SwiGLU {@code down(silu(gate(h)) * up(h))}: {@code h [..., H] -> [..., H]}, gate/up fused while intact. */
  private static NDArray swiGlu(Fused fusedGateUp, Projection gate, Projection up, Projection down, NDArray h) {
    if (fused && fusedGateUp != null && fusedGateUp.isIntact(gate, up) && fusedGateUp.all().bf16Matmul()
        && fusedGateUp.all().bias() == null && down instanceof LinearProjection dp && dp.bf16Matmul()
        && dp.bias() == null && h.getShape().size() > h.getShape().tail() && Autograd.off()
        && TorchKernels.get() != null) {
      // bf16 weights multiplied in bf16 (LoadOptions.bf16Matmul), several rows, no graph: one call, bf16 inside
      return TorchKernels.get().swiGluBf16(h, fusedGateUp.all().weight(), dp.weight()); // (..., H)
    }
    NDArray[] gateUpOut = project(fusedGateUp, h, gate, up);
    NDArray g = gateUpOut[0]; // (..., I)
    NDArray u = gateUpOut[1]; // (..., I)
    NDArray act = g.mul(Activation.sigmoid(g)).mul(u); // silu(gate) * up
    return down.apply(act); // (..., H)
  }

  /** Tokens from which a MoE block's experts run side by side ({@link ExpertThreads}) in inference on the CPU. */
  static final int PARALLEL_EXPERT_TOKENS = 16;

  /**
   * Qwen3-MoE's sparse block, as transformers' {@code Qwen3MoeSparseMoeBlock}: {@code h [..., H] ->
   * [..., H]}. Router logits {@code gate(h)}, softmax in f32 over the experts, the top-k experts per
   * token, their probabilities renormalised to sum to 1 when {@code norm_topk_prob}, and the weighted
   * sum of the chosen experts' SwiGLU outputs.
   *
   * <p>Tokens are grouped per expert (one gather of the N*k (token, slot) rows sorted by expert, one
   * SwiGLU per expert that any token chose, over its rows at once, one gather back and a sum over the k
   * slots): no loop over tokens, and an expert no token chose is never read. Each row's routing weight
   * multiplies its activation {@code silu(gate) * up} ({@code I} wide) before {@code down}, which is
   * linear without a bias, rather than the expert's output ({@code H} wide, 2.7x more for Qwen3-30B-A3B).
   * A decode step (one row) thus reads only the k chosen experts' weights, each through
   * {@link LinearProjection}'s Java GEMV. The choice itself (top-k of N x E probabilities) is made on the
   * host; the weights stay differentiable (a gather of the softmax), so a LoRA on the router trains, and
   * each token's gradient reaches exactly the experts it was routed to. Ties between equal probabilities
   * go to the lower expert index. In inference on the CPU with several libtorch threads, from
   * {@link #PARALLEL_EXPERT_TOKENS} tokens, experts without wrappers run side by side ({@link ExpertThreads}).
   */
  private NDArray moe(int l, NDArray h) {
    final int e = config.moe().numExperts();
    final int k = config.moe().numExpertsPerTok();
    Shape shape = h.getShape();
    final long hid = shape.get(shape.dimension() - 1);
    final int n = Math.toIntExact(shape.size() / hid);
    NDManager mm = h.getManager();
    NDArray x = h.reshape(n, hid); // (N, H)
    NDArray logits = router[l].apply(x); // (N, E)
    NDArray probs = logits.softmax(-1); // (N, E), f32 like softmax(..., dtype=torch.float)
    int[] chosen = topK(probs.toFloatArray(), n, e, k); // (N, k) expert ids, most probable first
    long[] flat = new long[n * k]; // (N*k) index of (token, chosen expert) in (N, E)
    for (int i = 0; i < flat.length; i++) {
      flat[i] = (long) (i / k) * e + chosen[i];
    }
    NDIndex pick = new NDIndex("{}", indexArray(mm, flat));
    NDArray w; // (N, k) routing weights
    if (config.moe().normTopkProb()) {
      // p_i / sum_topk p_j = softmax over the chosen logits: the same number, and the unchosen logits
      // get an exact zero gradient instead of f32 cancellation noise (which AdamW would amplify)
      w = logits.reshape((long) n * e).get(pick).reshape(n, k).softmax(-1); // (N, k), rows sum to 1
    } else {
      w = probs.reshape((long) n * e).get(pick).reshape(n, k); // (N, k)
    }
    // counting sort of the N*k (token, slot) pairs by expert
    int[] start = new int[e + 1]; // rows of expert j: [start[j], start[j+1]) in sorted order
    for (int c : chosen) {
      start[c + 1]++;
    }
    for (int j = 0; j < e; j++) {
      start[j + 1] += start[j];
    }
    int[] fill = java.util.Arrays.copyOf(start, e);
    long[] token = new long[n * k]; // (N*k) token of each sorted pair
    long[] pair = new long[n * k]; // (N*k) pair t*k+s of each sorted position
    long[] back = new long[n * k]; // (N*k) sorted position of pair t*k+s
    for (int i = 0; i < chosen.length; i++) {
      int pos = fill[chosen[i]]++;
      token[pos] = i / k;
      pair[pos] = i;
      back[i] = pos;
    }
    NDArray xs = x.get(new NDIndex("{}", indexArray(mm, token))); // (N*k, H) rows grouped by expert
    NDArray ws = w.reshape((long) n * k).get(new NDIndex("{}", indexArray(mm, pair))).reshape(n * k, 1); // (N*k, 1)
    boolean inPlace = !Autograd.recording(); // no graph to keep: the activation may overwrite its temporaries
    Projection[][] ex = experts[l];
    Fused[] fused = expertGateUp[l];
    NDArray[] y = new NDArray[e]; // (n_j, H) per expert with rows
    IntConsumer expert = j -> {
      NDIndex rows = new NDIndex("{}:{}", start[j], start[j + 1]);
      NDArray[] gateUpOut = project(fused[j], xs.get(rows), ex[j][0], ex[j][1]); // 2 x (n_j, I)
      NDArray g = gateUpOut[0];
      NDArray u = gateUpOut[1];
      NDArray wj = ws.get(rows); // (n_j, 1)
      NDArray act = inPlace // silu(gate) * up * routing weight, (n_j, I)
          ? Activation.sigmoid(g).muli(g).muli(u).muli(wj)
          : g.mul(Activation.sigmoid(g)).mul(u).mul(wj);
      y[j] = ex[j][2].apply(act); // down, (n_j, H)
    };
    // inference on the CPU with several libtorch threads: whole experts side by side, one thread each
    // (their small matMuls do not scale with intra-op threads). In order: training and small batches, and
    // any wrapped expert (a LoRA reads its adapter choice, training mode and dropout RNG from the calling
    // thread, which a worker does not share)
    int threads = inPlace && n >= PARALLEL_EXPERT_TOKENS && Device.cpu().equals(x.getDevice()) && plainExperts(ex)
        ? ExpertThreads.available() : 1;
    if (threads > 1) {
      ExpertThreads.forEachExpert(start, e, threads, expert);
    } else {
      for (int j = 0; j < e; j++) {
        if (start[j + 1] > start[j]) {
          expert.accept(j);
        }
      }
    }
    NDList ys = new NDList(); // (n_j, H) per expert with rows, in expert order
    for (NDArray yj : y) {
      if (yj != null) {
        ys.add(yj);
      }
    }
    return (ys.size() == 1 ? ys.get(0) : NDArrays.concat(ys, 0)) // (N*k, H) grouped by expert, weighted
        .get(new NDIndex("{}", indexArray(mm, back))) // (N*k, H) back in (token, slot) order
        .reshape(n, k, hid) // (N, k, H)
        .sum(new int[] {1}) // sum_s w[t, s] * y[t, s], (N, H)
        .reshape(shape); // (..., H)
  }

  /**
   * {@code ids} as an INT64 array whose memory libtorch owns. DJL backs an array made from Java data by a
   * direct buffer that lives as long as the Java array object; an index used by a differentiable gather is
   * kept by autograd until backward, possibly after that object is gone and its buffer freed, and backward
   * then read garbage indices (seen once in CI: "index 139664288916656 is out of bounds for dimension 0 with
   * size 12" in LoraMoeReferenceTest). A clone's storage belongs to the tensor itself.
   */
  private static NDArray indexArray(NDManager mm, long[] ids) {
    try (NDArray javaBacked = mm.create(ids)) {
      return javaBacked.duplicate();
    }
  }

  /** Whether every projection of these experts is the checkpoint's own (no wrapper, no adapter). */
  private static boolean plainExperts(Projection[][] ex) {
    for (Projection[] expert : ex) {
      for (Projection p : expert) {
        if (!(p instanceof LinearProjection)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * The {@code k} largest of each row of {@code p [n, e]} (row-major), as indices {@code [n, k]} in
   * decreasing order (equal values: lower index first).
   */
  static int[] topK(float[] p, int n, int e, int k) {
    int[] out = new int[n * k];
    for (int t = 0; t < n; t++) {
      int base = t * e;
      for (int s = 0; s < k; s++) {
        int best = -1;
        for (int j = 0; j < e; j++) {
          if (best >= 0 && !(p[base + j] > p[base + best])) {
            continue;
          }
          boolean taken = false;
          for (int r = 0; r < s; r++) {
            if (out[t * k + r] == j) {
              taken = true;
              break;
            }
          }
          if (!taken) {
            best = j;
          }
        }
        out[t * k + s] = best;
      }
    }
    return out;
  }

  /**
   * {@code h} through the projections {@code current} (as registered now): one matMul over the
   * fused matrix, split into views, while they are still the fused ones; else one call per projection
   * (after {@link #replaceProjection}).
   */
  private static NDArray[] project(Fused fused, NDArray h, Projection... current) {
    boolean intact = fused != null && fused.isIntact(current);
    NDArray[] out = new NDArray[current.length];
    if (intact) {
      NDArray y = fused.all().apply(h); // (..., sum out_i)
      NDList split = y.split(fused.splitAt(), y.getShape().dimension() - 1); // (..., out_i) each, views
      for (int i = 0; i < current.length; i++) {
        out[i] = split.get(i);
      }
    } else {
      for (int i = 0; i < current.length; i++) {
        out[i] = current[i].apply(h);
      }
    }
    return out;
  }

  /**
   * Projections of one layer stored as one matrix {@code all} ({@code [sum out_i, in]}), whose rows
   * {@code splitAt} separate the {@code parts}; each part's weight (and bias) is a view into it.
   */
  record Fused(LinearProjection all, LinearProjection[] parts, long[] splitAt) {
    /** Whether {@code current} (the projections registered now) are still this matrix's views. */
    boolean isIntact(Projection... current) {
      for (int i = 0; i < current.length; i++) {
        if (current[i] != parts[i]) {
          return false;
        }
      }
      return true;
    }

    /**
     * Replaces {@code names} in {@code projections} with views into one concatenated matrix and
     * frees their separate weights; null (nothing changed) when they differ in input size, weight
     * type or in having a bias.
     */
    static Fused of(Map<String, LinearProjection> projections, String fusedName, String... names) {
      LinearProjection[] old = new LinearProjection[names.length];
      for (int i = 0; i < names.length; i++) {
        old[i] = projections.get(names[i]);
        if (old[i] == null) {
          return null; // the constructor reports the missing projection
        }
        if (old[i].inFeatures() != old[0].inFeatures()
            || old[i].weight().getDataType() != old[0].weight().getDataType() || old[i].format() != old[0].format()
            || (old[i].bias() == null) != (old[0].bias() == null)) {
          return null;
        }
      }
      NDList ws = new NDList();
      NDList bs = new NDList();
      for (LinearProjection o : old) {
        ws.add(o.weight());
        if (o.bias() != null) {
          bs.add(o.bias());
        }
      }
      NDArray w = NDArrays.concat(ws, 0); // (sum out_i, in), in the weights' manager
      NDArray bias = bs.isEmpty() ? null : NDArrays.concat(bs, 0); // (sum out_i)
      LinearProjection[] parts = new LinearProjection[names.length];
      long[] splitAt = new long[names.length - 1];
      long row = 0;
      for (int i = 0; i < names.length; i++) {
        long end = row + old[i].outFeatures();
        NDIndex rows = new NDIndex("{}:{}", row, end);
        parts[i] = new LinearProjection(names[i], w.get(rows), bias == null ? null : bias.get(rows), old[0].format(),
            old[0].bf16Matmul());
        parts[i].weight().setName(names[i] + ".weight");
        projections.put(names[i], parts[i]);
        if (i < splitAt.length) {
          splitAt[i] = end;
        }
        row = end;
        old[i].weight().close(); // the view replaces it: the weights stay in memory once
        if (old[i].bias() != null) {
          old[i].bias().close();
        }
      }
      return new Fused(new LinearProjection(fusedName, w, bias, old[0].format(), old[0].bf16Matmul()), parts, splitAt);
    }
  }

  @Override
  public void close() {
    manager.close();
  }
}
