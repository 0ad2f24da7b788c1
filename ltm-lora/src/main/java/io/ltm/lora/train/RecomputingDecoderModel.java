package io.ltm.lora.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import io.ltm.lora.model.GraphScalar;
import io.ltm.lora.model.LayerContext;
import java.util.ArrayList;
import java.util.List;

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
 * <p><b>Dropout.</b> LoRA dropout draws its masks from libtorch's random generator. The recomputation must
 * see the very masks of the first forward, or the gradient is not the gradient of the loss that was
 * computed (as torch's checkpoint restores the RNG state). So before each layer's forward a seed is drawn
 * from the generator (deterministic under the trainer's per-step seed) and the generator is reseeded with
 * it, and the recomputation of that layer reseeds it with the same value.
 *
 * <p>The math is the decoder's own: {@link Decoder#context}, {@link Decoder#embed}, {@link Decoder#layer}
 * per layer, {@link Decoder#finalNorm} and {@link Decoder#logits}, i.e. {@link Decoder#hidden} split at
 * the layer boundaries. Evaluation ({@link #logits}) uses the decoder's forward unchanged.
 */
public final class RecomputingDecoderModel implements CausalLanguageModel {
  /** Positions whose logits are computed at once in the loss (256 x a 151936-token vocabulary: 156 MB f32). */
  static final int HEAD_CHUNK = 256;

  private final LoraModel model;
  private final Decoder decoder;

  private final int headChunk;

  /** @param model the base model with the trained adapter attached */
  public RecomputingDecoderModel(LoraModel model) {
    this(model, HEAD_CHUNK);
  }

  /** As {@link #RecomputingDecoderModel(LoraModel)}, with the loss computed {@code headChunk} positions at a time. */
  RecomputingDecoderModel(LoraModel model, int headChunk) {
    if (headChunk < 1) {
      throw new IllegalArgumentException("headChunk must be at least 1, got " + headChunk);
    }
    this.model = model;
    this.decoder = model.decoder();
    this.headChunk = headChunk;
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
    int[] layerSeeds = new int[layers]; // the RNG seed each layer's dropout masks come from, forward and recompute
    LayerContext ctx;
    JniUtils.setGradMode(false);
    try {
      ctx = decoder.context(scope, input, null); // mask (B, 1, 1, T, T), cos/sin (B, 1, T, D)
      NDArray x = decoder.embed(scope, input); // (B, T, H)
      inputs.add(x);
      for (int l = 0; l < layers; l++) {
        try (NDManager tmp = scope.newSubManager()) {
          layerSeeds[l] = (int) tmp.randomInteger(0, Integer.MAX_VALUE, new Shape(1), DataType.INT64).getLong();
          Engine.getInstance().setRandomSeed(layerSeeds[l]);
          x.tempAttach(tmp);
          NDArray out = decoder.layer(l, x, ctx, null); // (B, T, H)
          out.attach(scope);
          x = out;
        }
        inputs.add(x);
      }
    } finally {
      JniUtils.setGradMode(previous);
    }
    // Loss on top of the last hidden state, differentiated with respect to it, headChunk positions at a
    // time: only one chunk's logits (and their log-softmax and gradient) are alive at once.
    NDArray last = inputs.get(layers);
    last.setRequiresGradient(true);
    NDArray labels = CausalLanguageModel.labels(scope, batch); // (B, T)
    NDArray segments = CausalLanguageModel.segments(scope, batch); // (B, T)
    long t = batch.length();
    double value = 0;
    for (long s = 0; s < t - 1; s += headChunk) {
      long e = Math.min(t, s + headChunk + 1); // positions s..e-1; their shifted predictions s..e-2 count
      try (NDManager chunk = scope.newSubManager(); GradientCollector gc = new ThreadGradientCollector()) {
        NDIndex rows = new NDIndex(":, {}:{}", s, e);
        NDArray hidden = decoder.finalNorm(last.get(chunk, new NDIndex(":, {}:{}, :", s, e))); // (B, e-s, H)
        NDArray logits = decoder.logits(hidden); // (B, e-s, V)
        CausalLmLoss.Sum sum = CausalLmLoss.sum(logits, labels.get(chunk, rows), segments.get(chunk, rows));
        float part = sum.sum().getFloat();
        value += part;
        if (!Float.isFinite(part)) {
          return value;
        }
        gc.backward(sum.sum().div(GraphScalar.of(chunk, denominator))); // not div(float): see GraphScalar
      }
    }
    NDArray grad = last.getGradient();
    // Recompute each layer from its input and push the gradient through it, last layer first.
    for (int l = layers - 1; l >= 0; l--) {
      NDArray in = inputs.get(l);
      try (NDManager tmp = scope.newSubManager()) {
        in.tempAttach(tmp);
        grad.tempAttach(tmp);
        if (l > 0) {
          in.setRequiresGradient(true);
        }
        Engine.getInstance().setRandomSeed(layerSeeds[l]); // the forward's dropout masks again
        try (GradientCollector gc = new ThreadGradientCollector()) {
          NDArray out = decoder.layer(l, in, ctx, null); // (B, T, H)
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
}
