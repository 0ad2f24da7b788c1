package io.ltm.lora.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
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

/**
 * A Qwen3 / Llama / Qwen2 decoder on DJL's PyTorch engine: embedding, per layer (RMSNorm, q/k/v,
 * optional q/k norm, RoPE, grouped-query causal attention, o, residual, RMSNorm, SwiGLU, residual),
 * final norm, logits. The whole forward reads top to bottom in {@link #hidden}.
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
 * <p><b>Threads.</b> Forward calls may run concurrently with separate scopes and caches; replacing
 * projections must not race with a forward. {@link #close} frees the weights.
 */
public final class Decoder implements AutoCloseable {
  private final ModelConfig config;
  private final NDManager manager;
  private final DecoderWeights weights;
  private final Rope rope;
  private final Projection[][] table; // (layer, ProjectionKind.ordinal())
  private final Map<String, Projection> byName = new LinkedHashMap<>();

  /**
   * A decoder over {@code weights}, which must all be owned by {@code manager}; the decoder takes
   * ownership of {@code manager} and caps it.
   */
  public Decoder(ModelConfig config, NDManager manager, DecoderWeights weights) {
    this.config = Objects.requireNonNull(config, "config");
    this.manager = Objects.requireNonNull(manager, "manager");
    this.weights = Objects.requireNonNull(weights, "weights");
    this.rope = new Rope(config);
    ProjectionKind[] kinds = ProjectionKind.values();
    this.table = new Projection[config.numLayers()][kinds.length];
    for (int l = 0; l < config.numLayers(); l++) {
      for (ProjectionKind k : kinds) {
        Projection p = weights.projections().get(k.moduleName(l));
        if (p == null) {
          throw new IllegalArgumentException("no projection " + k.moduleName(l));
        }
        table[l][k.ordinal()] = p;
        byName.put(p.name(), p);
      }
    }
    manager.cap();
  }

  /** The parsed config.json. */
  public ModelConfig config() {
    return config;
  }

  /** The device the weights live on. */
  public Device device() {
    return manager.getDevice();
  }

  /** The frozen tensors. */
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

  /** Every layer projection by HF module name, in layer order (q, k, v, o, gate, up, down). */
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
    for (Projection[] layer : table) {
      for (int k = 0; k < layer.length; k++) {
        if (layer[k] == old) {
          layer[k] = replacement;
        }
      }
    }
    byName.put(name, replacement);
  }

  /** A KV cache for {@code batch} rows of up to {@code capacity} columns; the caller closes it. */
  public KvCache newCache(int batch, int capacity) {
    return new KvCache(manager, config, batch, capacity);
  }

  /**
   * Logits {@code [B, T, vocab]} (f32, in {@code scope}) for every column of {@code input}, or
   * {@code [B, 1, vocab]} for the last column only when {@code lastOnly}.
   *
   * @param cache null for a stateless forward (training, scoring); otherwise the earlier columns
   *     are read from it and this input's keys and values are appended
   */
  public NDArray forward(NDManager scope, DecoderInput input, KvCache cache, boolean lastOnly) {
    NDArray h = hidden(scope, input, cache); // (B, T, H)
    if (lastOnly) {
      h = h.get(":, -1:, :"); // (B, 1, H)
    }
    return logits(h);
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
    final int b = input.batch();
    final int t = input.length();
    final int nH = config.numHeads();
    final int nKv = config.numKvHeads();
    final int d = config.headDim();
    final int g = nH / nKv; // query heads per kv head; head h uses kv head h / g
    final float eps = (float) config.rmsNormEps();
    final float scale = (float) (1.0 / Math.sqrt(d));
    if (cache != null) {
      cache.checkFits(input);
    }
    final int s = (cache == null ? 0 : cache.length()) + t; // key columns: cached + new

    long[] ids = new long[b * t];
    for (int i = 0; i < ids.length; i++) {
      int id = input.token(i);
      if (id >= config.vocabSize()) {
        throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + config.vocabSize());
      }
      ids[i] = id;
    }
    NDArray tokens = scope.create(ids, new Shape(b, t)); // (B, T)
    NDArray mask = AttentionMask.build(scope, input, cache); // (B, 1, 1, T, S)
    NDArray[] cosSin = rope.cosSin(scope, input); // 2 x (B, 1, T, D)
    NDArray cos = cosSin[0];
    NDArray sin = cosSin[1];

    NDArray x = weights.embedding().get(scope, new NDIndex("{}", tokens)) // (B, T, H)
        .toType(DataType.FLOAT32, false);

    for (int l = 0; l < config.numLayers(); l++) {
      LayerNorms norm = weights.layers().get(l);
      Projection[] p = table[l];
      // A layer's temporaries live in their own manager, freed when the layer ends; only the new
      // residual stream moves on (autograd keeps what backward needs, so this is safe in training).
      NDManager layer = scope.newSubManager();
      x.attach(layer);

      // --- attention ---
      NDArray h = RmsNorm.apply(x, norm.input(), eps); // (B, T, H)
      NDArray q = p[ProjectionKind.Q_PROJ.ordinal()].apply(h).reshape(b, t, nH, d); // (B, T, nH, D)
      NDArray k = p[ProjectionKind.K_PROJ.ordinal()].apply(h).reshape(b, t, nKv, d); // (B, T, nKv, D)
      NDArray v = p[ProjectionKind.V_PROJ.ordinal()].apply(h).reshape(b, t, nKv, d); // (B, T, nKv, D)
      if (norm.q() != null) { // Qwen3: RMSNorm of each head over D
        q = RmsNorm.apply(q, norm.q(), eps);
        k = RmsNorm.apply(k, norm.k(), eps);
      }
      q = Rope.apply(q.transpose(0, 2, 1, 3), cos, sin); // (B, nH, T, D)
      k = Rope.apply(k.transpose(0, 2, 1, 3), cos, sin); // (B, nKv, T, D)
      v = v.transpose(0, 2, 1, 3); // (B, nKv, T, D)
      if (cache != null) {
        k = cache.appendKeys(l, k); // (B, nKv, S, D)
        v = cache.appendValues(l, v); // (B, nKv, S, D)
      }
      // grouped-query attention without repeating k/v: fold the g query heads of a kv head into rows
      NDArray qg = q.reshape(b, nKv, g * t, d); // (B, nKv, g*T, D)
      NDArray scores = qg.matMul(k.transpose(0, 1, 3, 2)).mul(scale) // (B, nKv, g*T, S)
          .reshape(b, nKv, g, t, s)
          .add(mask); // (B, nKv, g, T, S)
      NDArray probs = scores.softmax(-1).reshape(b, nKv, g * t, s); // (B, nKv, g*T, S)
      NDArray attn = probs.matMul(v) // (B, nKv, g*T, D)
          .reshape(b, nH, t, d)
          .transpose(0, 2, 1, 3)
          .reshape(b, t, (long) nH * d); // (B, T, nH*D)
      x = x.add(p[ProjectionKind.O_PROJ.ordinal()].apply(attn)); // residual, (B, T, H)

      // --- SwiGLU MLP: down(silu(gate(h)) * up(h)) ---
      h = RmsNorm.apply(x, norm.postAttention(), eps); // (B, T, H)
      NDArray gate = p[ProjectionKind.GATE_PROJ.ordinal()].apply(h); // (B, T, I)
      NDArray up = p[ProjectionKind.UP_PROJ.ordinal()].apply(h); // (B, T, I)
      NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up); // silu(gate) * up
      x = x.add(p[ProjectionKind.DOWN_PROJ.ordinal()].apply(act)); // residual, (B, T, H)
      x.attach(scope);
      layer.close();
    }
    if (cache != null) {
      cache.advance(input);
    }
    return RmsNorm.apply(x, weights.finalNorm(), eps); // (B, T, H)
  }

  @Override
  public void close() {
    manager.close();
  }
}
