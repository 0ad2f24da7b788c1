package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.model.LowRankUpdate.LowRank;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The one-row specialisation of {@link Decoder#layer}: one new token of one sequence over a
 * {@link KvCache}, without autograd (what generation does once per token), computed in Java. The math
 * is exactly {@code Decoder.layer}'s (RMSNorm, q/k/v, q/k norm, RoPE, grouped-query attention over the
 * cache, o, residual, RMSNorm, SwiGLU or the Qwen3-MoE routed experts, residual; final norm; logits of
 * the one position), in the same order of float operations where that is cheap, but on Java arrays:
 * the projections through {@link Gemv} over the weights' own memory, the small work in {@link RowOps}
 * (Vector API), the keys and values read and written in the cache's own memory, which the libtorch path
 * shares ({@link KvCache#keyMemory}). A step is then a handful of Java calls instead of about 1,700
 * small libtorch operations. {@link Decoder#forward} takes this path by itself when it applies.
 *
 * <p>It applies when the kernel is available, the cache is on the CPU, and every projection is a plain
 * {@link LinearProjection} over f32 or bf16 weights (the fused q/k/v and gate/up while intact) or a
 * {@link LowRankUpdate} wrapper (LoRA) directly around one: its base runs through the kernel, its update
 * ({@code scale * B A x}, the adapter the calling thread selected) as two small products in Java. A plan
 * of those kernels is built once and dropped by {@link Decoder#replaceProjection}; any other wrapper
 * sends every step to the libtorch path, and so does a step where a wrapper reports no plain update
 * (dropout in training mode). Immutable after construction; steps may run concurrently on separate caches.
 */
final class RowDecoder {
  private static final LongAdder STEPS = new LongAdder();
  private static final long MIN_PARALLEL_ATTENTION = 1L << 20; // heads x keys x D below this: one thread (a hand-off costs more)
  private static volatile boolean enabled =
      Gemv.AVAILABLE && RowAttention.BLOCKED && !"libtorch".equals(System.getProperty("ltm.decode"));

  private final ModelConfig c;
  private final Rope rope;
  private final NDArray embedding; // (vocab, H)
  private final WeightFormat embeddingFormat; // f32, f16 or bf16 bits
  private final float[] finalNorm; // (H)
  private final Gemv lmHead; // (vocab, H)
  private final Layer[] layers;
  private final LowRankUpdate[] updates; // (slot) the wrappers among the projections, asked once per step

  /**
   * One layer's weights as the step uses them.
   *
   * @param inputNorm {@code (H)}
   * @param postNorm {@code (H)}
   * @param qNorm {@code (D)} or null
   * @param kNorm {@code (D)} or null
   * @param qkv {@code (nH*D + 2*nKv*D, H)} fused, or null when {@code q}, {@code k}, {@code v} are separate
   * @param q {@code (nH*D, H)} when not fused
   * @param k {@code (nKv*D, H)} when not fused
   * @param v {@code (nKv*D, H)} when not fused
   * @param o {@code (H, nH*D)}
   * @param gateUp {@code (2I, H)} fused (dense layer), or null
   * @param gate {@code (I, H)} when not fused
   * @param up {@code (I, H)} when not fused
   * @param down {@code (H, I)}
   * @param router {@code (E, H)} in a sparse layer, else null
   * @param experts {@code (E)} the experts' {@link Expert}s in a sparse layer, else null
   */
  private record Layer(float[] inputNorm, float[] postNorm, float[] qNorm, float[] kNorm, Proj qkv, Proj q, Proj k,
      Proj v, Proj o, Proj gateUp, Proj gate, Proj up, Proj down, Proj router, Expert[] experts) {}

  /** One expert's SwiGLU: {@code gateUp (2I', H)} fused or {@code gate, up (I', H)}; {@code down (H, I')}. */
  private record Expert(Proj gateUp, Proj gate, Proj up, Proj down) {}

  /**
   * One projection as the step runs it: the base through {@code base}, plus, for a wrapper that is a
   * {@link LowRankUpdate} (LoRA), the update it reports for the step ({@code slot} in {@link Step#updates}).
   */
  private record Proj(Gemv base, LowRankUpdate update, int slot) {
    int rows() {
      return base.rows();
    }

    int cols() {
      return base.cols();
    }
  }

  /** What one step resolved before it started: each wrapper's update for the calling thread. */
  private record Step(LowRank[] updates) {}

  private RowDecoder(ModelConfig c, Rope rope, NDArray embedding, WeightFormat embeddingFormat, float[] finalNorm,
      Gemv lmHead, Layer[] layers, LowRankUpdate[] updates) {
    this.c = c;
    this.updates = updates;
    this.rope = rope;
    this.embedding = embedding;
    this.embeddingFormat = embeddingFormat;
    this.finalNorm = finalNorm;
    this.lmHead = lmHead;
    this.layers = layers;
  }

  /** Whether the one-row path is switched on (and the Vector API is there); see {@link Decoder#useRowDecoder}. */
  static boolean enabled() {
    return enabled;
  }

  /** Switches the one-row path on or off for later steps; stays off without the Vector API. */
  static boolean setEnabled(boolean on) {
    enabled = on && Gemv.AVAILABLE && RowAttention.BLOCKED;
    return enabled;
  }

  /**
   * Readies the one-row path for an f16 cache: {@link RowAttention#warmUpHalf} (once per JVM) when the path is on.
   * Called when an f16 cache is made on the CPU ({@link KvCache}, {@link Decoder#prepare}).
   */
  static void prepareHalfCache() {
    if (enabled) {
      RowAttention.warmUpHalf();
    }
  }

  /** One-row steps taken in this JVM (all decoders): tests assert that generation took this path. */
  static long steps() {
    return STEPS.sum();
  }

  /**
   * The plan for {@code d}'s projections as registered now, or null when a projection the step needs
   * has no Java kernel (wrapped, not f32, not on the CPU).
   */
  static RowDecoder plan(Decoder d) {
    ModelConfig c = d.config();
    Gemv lm = d.weights().lmHead().kernel();
    if (lm == null) {
      return null;
    }
    List<LowRankUpdate> wrappers = new ArrayList<>();
    Layer[] layers = new Layer[c.numLayers()];
    for (int l = 0; l < layers.length; l++) {
      LayerNorms n = d.weights().layers().get(l);
      Projection[] p = d.projectionsOf(l);
      Proj[] qkv = fusedOrSeparate(wrappers, d.fusedQkv(l), p[ProjectionKind.Q_PROJ.ordinal()],
          p[ProjectionKind.K_PROJ.ordinal()], p[ProjectionKind.V_PROJ.ordinal()]);
      Proj o = proj(wrappers, p[ProjectionKind.O_PROJ.ordinal()]);
      if (qkv == null || o == null) {
        return null;
      }
      Proj[] gateUp = null;
      Proj down = null;
      Proj router = null;
      Expert[] experts = null;
      Projection r = d.routerOf(l);
      if (r == null) {
        gateUp = fusedOrSeparate(wrappers, d.fusedGateUp(l), p[ProjectionKind.GATE_PROJ.ordinal()],
            p[ProjectionKind.UP_PROJ.ordinal()]);
        down = proj(wrappers, p[ProjectionKind.DOWN_PROJ.ordinal()]);
        if (gateUp == null || down == null) {
          return null;
        }
      } else {
        router = proj(wrappers, r);
        Projection[][] ex = d.expertsOf(l);
        experts = new Expert[ex.length];
        for (int e = 0; e < ex.length; e++) {
          Proj[] gu = fusedOrSeparate(wrappers, d.fusedExpertGateUp(l, e), ex[e][0], ex[e][1]);
          Proj dn = proj(wrappers, ex[e][2]);
          if (gu == null || dn == null) {
            return null;
          }
          experts[e] = gu.length == 1 ? new Expert(gu[0], null, null, dn) : new Expert(null, gu[0], gu[1], dn);
        }
        if (router == null) {
          return null;
        }
      }
      boolean fusedQkv = qkv.length == 1;
      boolean fusedGateUp = gateUp != null && gateUp.length == 1;
      layers[l] = new Layer(n.input().toFloatArray(), n.postAttention().toFloatArray(),
          n.q() == null ? null : n.q().toFloatArray(), n.k() == null ? null : n.k().toFloatArray(),
          fusedQkv ? qkv[0] : null, fusedQkv ? null : qkv[0], fusedQkv ? null : qkv[1], fusedQkv ? null : qkv[2], o,
          fusedGateUp ? gateUp[0] : null, gateUp == null || fusedGateUp ? null : gateUp[0],
          gateUp == null || fusedGateUp ? null : gateUp[1], down, router, experts);
    }
    return new RowDecoder(c, d.rope(), d.weights().embedding(), d.weights().embeddingFormat(),
        d.weights().finalNorm().toFloatArray(), lm, layers, wrappers.toArray(new LowRankUpdate[0]));
  }

  /** The fused kernel alone while the parts are the fused ones, else each part; null if one cannot run in Java. */
  private static Proj[] fusedOrSeparate(List<LowRankUpdate> wrappers, Decoder.Fused fused, Projection... current) {
    if (fused != null && fused.isIntact(current)) {
      Gemv all = fused.all().kernel();
      return all == null ? null : new Proj[] {new Proj(all, null, -1)};
    }
    Proj[] out = new Proj[current.length];
    for (int i = 0; i < current.length; i++) {
      out[i] = proj(wrappers, current[i]);
      if (out[i] == null) {
        return null;
      }
    }
    return out;
  }

  /**
   * {@code p} as the step runs it: a plain {@link LinearProjection}'s kernel, or a {@link LowRankUpdate}
   * wrapper directly around one (registered in {@code wrappers}); null for anything else.
   */
  private static Proj proj(List<LowRankUpdate> wrappers, Projection p) {
    if (p instanceof LinearProjection lp) {
      Gemv k = lp.kernel();
      return k == null ? null : new Proj(k, null, -1);
    }
    if (p instanceof ForwardingProjection f && p instanceof LowRankUpdate u && f.base() instanceof LinearProjection lp) {
      Gemv k = lp.kernel();
      if (k == null) {
        return null;
      }
      wrappers.add(u);
      return new Proj(k, u, wrappers.size() - 1);
    }
    return null;
  }

  /**
   * Each wrapper's update for this thread's step, or null when one cannot run in Java (the step then
   * goes through libtorch): its A and B must be f32 on the CPU.
   */
  private Step resolve() {
    LowRank[] got = new LowRank[updates.length];
    for (int i = 0; i < updates.length; i++) {
      LowRank u = updates[i].lowRank();
      if (u == null || !(u.isNone() || (RowOps.isCpuF32(u.a()) && RowOps.isCpuF32(u.b())))) {
        return null;
      }
      got[i] = u;
    }
    return new Step(got);
  }

  /**
   * Logits {@code [1, 1, vocab]} (f32, in {@code scope}) of the one token of {@code input}, whose keys
   * and values are appended to {@code cache} (which then advances), as {@code Decoder.forward} computes.
   *
   * @param input one row, one column
   * @param cache of one row, in Java-writable memory ({@link KvCache#inJavaMemory}), with room for one column
   * @return the logits, or null (nothing done) when a wrapper's update cannot run in Java this step
   */
  NDArray forward(NDManager scope, DecoderInput input, KvCache cache) {
    final Step st = resolve();
    if (st == null) {
      return null;
    }
    final int hid = c.hiddenSize();
    final int nH = c.numHeads();
    final int nKv = c.numKvHeads();
    final int d = c.headDim();
    final int g = nH / nKv; // query heads per kv head
    final float eps = (float) c.rmsNormEps();
    final int past = cache.length(); // cached columns; the new one is column `past`
    final int token = input.token(0);
    if (token >= c.vocabSize()) {
      throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of " + c.vocabSize());
    }
    // which cached columns the query sees (AttentionMask's rule): same non-zero segment, or only itself
    final int seg = input.segment(0);
    final boolean[] visible = new boolean[past + 1]; // (S)
    for (int j = 0; j < past; j++) {
      visible[j] = seg != 0 && cache.segment(0, j) == seg;
    }
    visible[past] = true;
    // RoPE angles of this position; queries rotate with cos/sin times 1/sqrt(D), as Decoder.context does
    final int half = d / 2;
    final float[] cos = new float[half]; // (D/2)
    final float[] sin = new float[half]; // (D/2)
    rope.angles(input.position(0), cos, sin);
    final float scale = (float) (1.0 / Math.sqrt(d));
    final float[] cosQ = new float[half]; // (D/2)
    final float[] sinQ = new float[half]; // (D/2)
    for (int j = 0; j < half; j++) {
      cosQ[j] = cos[j] * scale;
      sinQ[j] = sin[j] * scale;
    }

    float[] x; // (H) the residual stream
    try (NDManager tmp = scope.newSubManager()) {
      x = embeddingFormat.rows(tmp, embedding.get(tmp, new NDIndex("{}", token))).toFloatArray(); // (H)
    }
    final float[] h = new float[hid]; // (H) normed input of a block
    final float[] qkv = new float[(nH + 2 * nKv) * d]; // (nH*D + nKv*D + nKv*D) q, k, v
    final float[] attn = new float[nH * d]; // (nH*D) attention output, heads side by side
    final float[] out = new float[hid]; // (H) a block's output
    for (int l = 0; l < layers.length; l++) {
      Layer w = layers[l];
      ByteBuffer keys = cache.keyMemory(l); // (1, nKv, capacity, D)
      ByteBuffer values = cache.valueMemory(l); // (1, nKv, capacity, D)

      // --- attention ---
      RowOps.rmsNorm(x, 0, w.inputNorm(), h, 0, hid, eps); // h = input_layernorm(x), (H)
      project(st, w.qkv(), h, qkv, w.q(), w.k(), w.v()); // q (nH*D) | k (nKv*D) | v (nKv*D)
      final int kOff = nH * d;
      final int vOff = kOff + nKv * d;
      for (int head = 0; head < nH + nKv; head++) { // q heads then k heads: q/k norm, RoPE
        int off = head * d;
        boolean isQ = head < nH;
        if (w.qNorm() != null) { // Qwen3: RMSNorm of each head over D
          RowOps.rmsNorm(qkv, off, isQ ? w.qNorm() : w.kNorm(), qkv, off, d, eps);
        }
        RowOps.rotate(qkv, off, half, isQ ? cosQ : cos, isQ ? sinQ : sin, 0); // queries pre-scaled by 1/sqrt(D)
      }
      final boolean f16 = cache.half(); // f16 keys and values: rounded when stored, widened when read
      for (int kv = 0; kv < nKv; kv++) { // the new column of the cache
        if (f16) {
          RowOps.storeHalf(qkv, kOff + kv * d, keys, cache.offset(0, kv, past), d);
          RowOps.storeHalf(qkv, vOff + kv * d, values, cache.offset(0, kv, past), d);
        } else {
          RowOps.store(qkv, kOff + kv * d, keys, cache.offset(0, kv, past), d);
          RowOps.store(qkv, vOff + kv * d, values, cache.offset(0, kv, past), d);
        }
      }
      // grouped-query attention: query head q uses kv head q / g; scores over the S = past + 1 columns,
      // two query heads of one kv head at a time (RowAttention reads each cached key and value once for both)
      final int s = past + 1;
      RowPool.Slice heads = (from, to) -> {
        float[] pa = new float[s]; // (S) head a's scores, then probabilities
        float[] pb = new float[s]; // (S) head b's
        float[] lone = new float[2 * d]; // (2 D) the two outputs when the pair is one head (an odd head out)
        float[] la = f16 ? new float[d / 2] : null; // (D/2) an f16 cache's pairs: q's, then the output's, halves
        float[] ha = f16 ? new float[d / 2] : null;
        float[] lb = f16 ? new float[d / 2] : null;
        float[] hb = f16 ? new float[d / 2] : null;
        for (int qa = from; qa < to; ) {
          int kv = qa / g;
          int qb = qa + 1 < to && (qa + 1) / g == kv ? qa + 1 : qa; // the pair's second head, or qa again
          int base = cache.offset(0, kv, 0);
          int rowBytes = cache.offset(0, kv, 1) - base;
          if (f16) {
            RowOps.splitPairs(qkv, qa * d, la, ha, d);
            RowOps.splitPairs(qkv, qb * d, lb, hb, d);
            RowAttention.scoresHalf(la, ha, lb, hb, keys, base, rowBytes, s, d, pa, pb); // q . k_j, already / sqrt(D)
          } else {
            RowAttention.scores(qkv, qa * d, qb * d, keys, base, rowBytes, s, d, pa, pb);
          }
          RowAttention.softmax(pa, visible, s);
          RowAttention.softmax(pb, visible, s);
          if (f16) { // sum_j softmax_j v_j
            RowAttention.mixHalf(pa, pb, values, base, rowBytes, s, d, la, ha, lb, hb);
            RowOps.joinPairs(la, ha, attn, qa * d, d);
            if (qb != qa) {
              RowOps.joinPairs(lb, hb, attn, qb * d, d);
            }
          } else if (qb != qa) {
            RowAttention.mix(pa, pb, values, base, rowBytes, s, d, attn, qa * d, qb * d);
          } else {
            RowAttention.mix(pa, pb, values, base, rowBytes, s, d, lone, 0, d);
            System.arraycopy(lone, 0, attn, qa * d, d);
          }
          qa = qb + 1;
        }
      };
      if (Gemv.THREADS > 1 && (long) nH * s * d >= MIN_PARALLEL_ATTENTION) {
        Gemv.pool().run(nH, g % 2 == 0 ? 2 : 1, heads); // chunks of whole pairs, which share a kv head
      } else {
        heads.run(0, nH);
      }
      apply(st, w.o(), attn, out); // o_proj, (H)
      add(x, out); // residual

      // --- MLP: dense SwiGLU, or the routed experts' SwiGLU ---
      RowOps.rmsNorm(x, 0, w.postNorm(), h, 0, hid, eps); // h = post_attention_layernorm(x), (H)
      if (w.router() == null) {
        swiGlu(st, w.gateUp(), w.gate(), w.up(), w.down(), h, out); // down(silu(gate(h)) * up(h)), (H)
      } else {
        moe(st, w, h, out); // (H)
      }
      add(x, out); // residual
    }
    RowOps.rmsNorm(x, 0, finalNorm, x, 0, hid, eps); // final norm, (H)
    float[] logits = new float[lmHead.rows()]; // (vocab)
    lmHead.apply(x, logits);
    cache.advance(input);
    STEPS.increment();
    return scope.create(logits, new Shape(1, 1, logits.length));
  }

  /** {@code h} through one fused projection into {@code y}, or through each part into consecutive ranges of {@code y}. */
  private static void project(Step st, Proj fused, float[] h, float[] y, Proj... parts) {
    if (fused != null) {
      apply(st, fused, h, y);
      return;
    }
    int at = 0;
    for (Proj p : parts) {
      float[] part = new float[p.rows()];
      apply(st, p, h, part);
      System.arraycopy(part, 0, y, at, part.length);
      at += part.length;
    }
  }

  /**
   * {@code y (out) = base(x (in))}, plus a wrapper's low-rank update {@code scale * B (A x)} as
   * {@code LoraModule.delta} computes it ({@code (x A^T) B^T}, then the scale, then the add).
   */
  private static void apply(Step st, Proj p, float[] x, float[] y) {
    p.base().apply(x, y);
    if (p.update() == null) {
      return;
    }
    LowRank u = st.updates()[p.slot()];
    if (u.isNone()) {
      return;
    }
    int r = Math.toIntExact(u.a().getShape().get(0));
    int in = x.length;
    ByteBuffer a = RowOps.memory(u.a()); // (r, in)
    ByteBuffer b = RowOps.memory(u.b()); // (out, r)
    float[] t = new float[r]; // (r) x A^T
    for (int i = 0; i < r; i++) {
      t[i] = RowOps.dot(x, 0, a, i * in * Float.BYTES, in);
    }
    for (int o = 0; o < y.length; o++) {
      y[o] += RowOps.dot(t, 0, b, o * r * Float.BYTES, r) * u.scale();
    }
  }

  /** SwiGLU {@code y = down(silu(gate(h)) * up(h))}: {@code h (H) -> y (H)}. */
  private static void swiGlu(Step st, Proj gateUp, Proj gate, Proj up, Proj down, float[] h, float[] y) {
    int inter = down.cols();
    float[] gu = new float[2 * inter]; // (2I) gate | up
    project(st, gateUp, h, gu, gate, up);
    float[] act = new float[inter]; // (I) silu(gate) * up
    RowOps.siluMul(gu, act, inter);
    apply(st, down, act, y);
  }

  /**
   * Qwen3-MoE's sparse block for one row (as {@code Decoder.moe}): router logits {@code (E)}, softmax in
   * f32, the top-k experts (ties to the lower index), their weights renormalised to sum to 1 when
   * {@code norm_topk_prob} (a softmax over the chosen logits, the same number), and
   * {@code y = sum_s w_s * expert_s(h)}: only the k chosen experts' weights are read.
   */
  private void moe(Step st, Layer w, float[] h, float[] y) {
    final int e = c.moe().numExperts();
    final int k = c.moe().numExpertsPerTok();
    float[] logits = new float[e]; // (E)
    apply(st, w.router(), h, logits);
    float[] probs = softmax(logits, e); // (E)
    int[] chosen = Decoder.topK(probs, 1, e, k); // (k) most probable first
    float[] weight = new float[k]; // (k) routing weights
    if (c.moe().normTopkProb()) {
      float[] picked = new float[k];
      for (int s = 0; s < k; s++) {
        picked[s] = logits[chosen[s]];
      }
      weight = softmax(picked, k);
    } else {
      for (int s = 0; s < k; s++) {
        weight[s] = probs[chosen[s]];
      }
    }
    java.util.Arrays.fill(y, 0f);
    float[] ys = new float[y.length]; // (H) one expert's output
    for (int s = 0; s < k; s++) {
      Expert ex = w.experts()[chosen[s]];
      swiGlu(st, ex.gateUp(), ex.gate(), ex.up(), ex.down(), h, ys);
      for (int i = 0; i < y.length; i++) {
        y[i] += ys[i] * weight[s];
      }
    }
  }

  /** Softmax of {@code z[0..n)}: {@code exp(z - max) / sum}, as libtorch computes it in f32. */
  private static float[] softmax(float[] z, int n) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      max = Math.max(max, z[i]);
    }
    float[] p = new float[n];
    float sum = 0;
    for (int i = 0; i < n; i++) {
      p[i] = (float) Math.exp(z[i] - max);
      sum += p[i];
    }
    for (int i = 0; i < n; i++) {
      p[i] /= sum;
    }
    return p;
  }

  /** {@code x += y}. */
  private static void add(float[] x, float[] y) {
    for (int i = 0; i < x.length; i++) {
      x[i] += y[i];
    }
  }
}
