package io.ltm.lora.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import io.ltm.lora.model.LayerNorms;
import io.ltm.lora.model.Projection;
import io.ltm.lora.model.ProjectionKind;
import io.ltm.lora.model.RmsNorm;
import io.ltm.lora.model.Rope;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Gradient checkpointing (activation recomputation) for the engine's decoder, which DJL lacks: the
 * forward runs without recording autograd and keeps only each layer's input {@code (B, T, H)}; the
 * loss is differentiated with respect to the last hidden state; then, from the last layer to the first,
 * each layer is recomputed under a gradient collector from its saved input and back-propagated with the
 * incoming gradient ({@code backward(out, grad_out)}, a vector-Jacobian product), which accumulates the
 * LoRA gradients and yields the gradient of the layer's input. Peak activation memory is one layer's
 * (attention scores {@code B x heads x T x T} dominate) plus the saved inputs, instead of all layers'.
 * Costs one extra forward per step. Gradients equal the plain path's up to float rounding.
 *
 * <p>The layer math is the decoder's own ({@link Decoder#hidden}), written per layer here: embedding,
 * (RMSNorm, q/k/v, q/k norm, RoPE, grouped-query attention, o, residual, RMSNorm, SwiGLU, residual) per
 * layer, final norm, logits. Evaluation ({@link #logits}) uses the decoder's forward unchanged.
 */
public final class RecomputingDecoderModel implements CausalLanguageModel {

  private final LoraModel model;
  private final Decoder decoder;
  private final Rope rope;

  /** @param model the base model with the trained adapter attached */
  public RecomputingDecoderModel(LoraModel model) {
    this.model = model;
    this.decoder = model.decoder();
    this.rope = new Rope(decoder.config());
  }

  @Override
  public NDArray logits(NDManager manager, TrainingBatch batch) {
    return model.logits(manager, DecoderLanguageModel.toDecoderInput(batch));
  }

  @Override
  public double forwardBackward(NDManager scope, TrainingBatch batch, float denominator) {
    DecoderInput input = DecoderLanguageModel.toDecoderInput(batch);
    ModelConfig c = decoder.config();
    int layers = c.numLayers();
    boolean previous = JniUtils.isGradMode();
    List<NDArray> inputs = new ArrayList<>(layers + 1); // x_l: (B, T, H), no graph
    NDArray mask;
    NDArray cos;
    NDArray sin;
    JniUtils.setGradMode(false);
    try {
      mask = mask(scope, batch); // (B, 1, 1, T, T)
      NDArray[] cs = rope.cosSin(scope, input); // 2 x (B, 1, T, D)
      cos = cs[0];
      sin = cs[1];
      int[] tok = batch.inputIds();
      long[] ids = new long[tok.length];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = tok[i];
      }
      NDArray tokens = scope.create(ids, new Shape(input.batch(), input.length()));
      NDArray x = decoder.weights().embedding().get(scope, new NDIndex("{}", tokens)).toType(DataType.FLOAT32, false);
      inputs.add(x);
      for (int l = 0; l < layers; l++) {
        try (NDManager tmp = scope.newSubManager()) {
          x.tempAttach(tmp);
          NDArray out = layer(l, x, mask, cos, sin, input);
          out.attach(scope);
          x = out;
        }
        inputs.add(x);
      }
    } finally {
      JniUtils.setGradMode(previous);
    }
    // Loss on top of the last hidden state, differentiated with respect to it.
    NDArray last = inputs.get(layers);
    last.setRequiresGradient(true);
    double value;
    NDArray grad;
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray hidden = RmsNorm.apply(last, decoder.weights().finalNorm(), (float) c.rmsNormEps());
      NDArray logits = decoder.logits(hidden);
      CausalLmLoss.Sum sum = CausalLmLoss.sum(logits, CausalLanguageModel.labels(scope, batch),
          CausalLanguageModel.segments(scope, batch));
      value = sum.sum().getFloat();
      if (!Double.isFinite(value)) {
        return value;
      }
      gc.backward(sum.sum().div(denominator));
    }
    grad = last.getGradient();
    // Recompute each layer from its input and push the gradient through it, last layer first.
    for (int l = layers - 1; l >= 0; l--) {
      NDArray in = inputs.get(l);
      try (NDManager tmp = scope.newSubManager()) {
        in.tempAttach(tmp);
        grad.tempAttach(tmp);
        if (l > 0) {
          in.setRequiresGradient(true);
        }
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray out = layer(l, in, mask, cos, sin, input);
          JniUtils.backward((PtNDArray) out, (PtNDArray) grad, false, false);
        }
      }
      if (l > 0) {
        NDArray g = in.getGradient();
        g.attach(scope);
        grad = g;
      }
    }
    return value;
  }

  /** One decoder layer, {@code x (B, T, H) -> (B, T, H)}, exactly as {@link Decoder#hidden} computes it. */
  private NDArray layer(int l, NDArray x, NDArray mask, NDArray cos, NDArray sin, DecoderInput input) {
    ModelConfig c = decoder.config();
    final int b = input.batch();
    final int t = input.length();
    final int nH = c.numHeads();
    final int nKv = c.numKvHeads();
    final int d = c.headDim();
    final int g = nH / nKv;
    final float eps = (float) c.rmsNormEps();
    final float scale = (float) (1.0 / Math.sqrt(d));
    Map<String, Projection> p = decoder.projections();
    LayerNorms norm = decoder.weights().layers().get(l);

    NDArray h = RmsNorm.apply(x, norm.input(), eps); // (B, T, H)
    NDArray q = p.get(ProjectionKind.Q_PROJ.moduleName(l)).apply(h).reshape(b, t, nH, d); // (B, T, nH, D)
    NDArray k = p.get(ProjectionKind.K_PROJ.moduleName(l)).apply(h).reshape(b, t, nKv, d); // (B, T, nKv, D)
    NDArray v = p.get(ProjectionKind.V_PROJ.moduleName(l)).apply(h).reshape(b, t, nKv, d); // (B, T, nKv, D)
    if (norm.q() != null) {
      q = RmsNorm.apply(q, norm.q(), eps);
      k = RmsNorm.apply(k, norm.k(), eps);
    }
    q = Rope.apply(q.transpose(0, 2, 1, 3), cos, sin); // (B, nH, T, D)
    k = Rope.apply(k.transpose(0, 2, 1, 3), cos, sin); // (B, nKv, T, D)
    v = v.transpose(0, 2, 1, 3); // (B, nKv, T, D)
    NDArray qg = q.reshape(b, nKv, g * t, d); // (B, nKv, g*T, D)
    NDArray scores = qg.matMul(k.transpose(0, 1, 3, 2)).mul(scale) // (B, nKv, g*T, T)
        .reshape(b, nKv, g, t, t)
        .add(mask); // (B, nKv, g, T, T)
    NDArray probs = scores.softmax(-1).reshape(b, nKv, g * t, t);
    NDArray attn = probs.matMul(v).reshape(b, nH, t, d).transpose(0, 2, 1, 3).reshape(b, t, (long) nH * d);
    x = x.add(p.get(ProjectionKind.O_PROJ.moduleName(l)).apply(attn)); // (B, T, H)
    h = RmsNorm.apply(x, norm.postAttention(), eps);
    NDArray gate = p.get(ProjectionKind.GATE_PROJ.moduleName(l)).apply(h); // (B, T, I)
    NDArray up = p.get(ProjectionKind.UP_PROJ.moduleName(l)).apply(h); // (B, T, I)
    NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up);
    return x.add(p.get(ProjectionKind.DOWN_PROJ.moduleName(l)).apply(act)); // (B, T, H)
  }

  /**
   * The decoder's additive mask without a cache: query {@code i} sees key {@code j <= i} of the same
   * non-zero segment; padding sees only itself. {@code (B, 1, 1, T, T)}.
   */
  static NDArray mask(NDManager scope, TrainingBatch in) {
    int b = in.rows();
    int t = in.length();
    int[] seg = in.segmentIds();
    float[] mask = new float[b * t * t];
    for (int r = 0; r < b; r++) {
      for (int i = 0; i < t; i++) {
        int qSeg = seg[r * t + i];
        int base = (r * t + i) * t;
        for (int j = 0; j < t; j++) {
          boolean visible = j <= i && (qSeg == 0 ? j == i : seg[r * t + j] == qSeg);
          mask[base + j] = visible ? 0f : -1e30f;
        }
      }
    }
    return scope.create(mask, new Shape(b, 1, 1, t, t));
  }
}
