package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.RopeScaling;

/**
 * Rotary position embedding in Hugging Face's non-interleaved layout: the head is split in halves
 * and rotated with {@code rotate_half(x) = cat(-x2, x1)}, so {@code x' = x cos + rotate_half(x) sin}
 * with {@code cos, sin = cat(f, f)} over the {@code head_dim / 2} frequencies. The inverse
 * frequencies are {@code theta^(-2i/d)}, stretched by {@code rope_scaling} (linear or llama3), and
 * the angles are computed in double precision. Immutable and thread-safe.
 */
public final class Rope {
  private final int headDim;
  private final double[] invFreq; // (headDim / 2)

  /** The rotary embedding of {@code config}. */
  public Rope(ModelConfig config) {
    this.headDim = config.headDim();
    this.invFreq = inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling());
  }

  /** {@code theta^(-2i/d)} for i in [0, d/2), after {@code scaling}. */
  public static double[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
    int half = headDim / 2;
    double[] f = new double[half];
    for (int i = 0; i < half; i++) {
      f[i] = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
    }
    switch (scaling.type()) {
      case NONE -> { }
      case LINEAR -> {
        for (int i = 0; i < half; i++) {
          f[i] /= scaling.factor();
        }
      }
      case LLAMA3 -> {
        double factor = scaling.factor();
        double old = scaling.originalMaxPositionEmbeddings();
        double lowWavelen = old / scaling.lowFreqFactor();
        double highWavelen = old / scaling.highFreqFactor();
        for (int i = 0; i < half; i++) {
          double wavelen = 2 * Math.PI / f[i];
          if (wavelen > lowWavelen) {
            f[i] = f[i] / factor; // long wavelengths: interpolate
          } else if (wavelen >= highWavelen) {
            double smooth = (old / wavelen - scaling.lowFreqFactor())
                / (scaling.highFreqFactor() - scaling.lowFreqFactor());
            f[i] = (1 - smooth) * f[i] / factor + smooth * f[i]; // the band between: blend
          } // short wavelengths: unchanged
        }
      }
    }
    return f;
  }

  /**
   * {@code cos} and {@code sin} for every token of {@code input}, each {@code [B, 1, T, D]} f32 in
   * {@code scope}, ready to broadcast over heads.
   */
  public NDArray[] cosSin(NDManager scope, DecoderInput input) {
    int b = input.batch();
    int t = input.length();
    int half = headDim / 2;
    float[] cos = new float[b * t * headDim];
    float[] sin = new float[b * t * headDim];
    for (int i = 0; i < b * t; i++) {
      double pos = input.position(i);
      int base = i * headDim;
      for (int j = 0; j < half; j++) {
        double angle = pos * invFreq[j];
        float c = (float) Math.cos(angle);
        float s = (float) Math.sin(angle);
        cos[base + j] = c;
        cos[base + half + j] = c;
        sin[base + j] = s;
        sin[base + half + j] = s;
      }
    }
    Shape shape = new Shape(b, 1, t, headDim);
    return new NDArray[] {scope.create(cos, shape), scope.create(sin, shape)};
  }

  /**
   * {@code cos} and {@code sin} of one position's angles, {@code [D / 2]} each (the first half of what
   * {@link #cosSin} repeats over both halves; the same float values): for the one-row decoder.
   */
  void angles(int position, float[] cos, float[] sin) {
    double pos = position;
    for (int j = 0; j < invFreq.length; j++) {
      double angle = pos * invFreq[j];
      cos[j] = (float) Math.cos(angle);
      sin[j] = (float) Math.sin(angle);
    }
  }

  /**
   * The {@code [D, D]} matrix {@code R} with {@code x R = rotate_half(x) = cat(-x2, x1)}: entries are
   * 0 and +-1, so the product is exact. One matMul instead of slicing, negating and concatenating
   * keeps the number of engine calls per layer down, which dominates single-token decoding.
   */
  public static NDArray rotateHalfMatrix(NDManager manager, int headDim) {
    int half = headDim / 2;
    float[] r = new float[headDim * headDim];
    for (int j = 0; j < half; j++) {
      r[(j + half) * headDim + j] = -1f; // out[j] = -x[j + half]
      r[j * headDim + j + half] = 1f; // out[j + half] = x[j]
    }
    return manager.create(r, new Shape(headDim, headDim));
  }

  /**
   * {@code x cos + rotate_half(x) sin} for {@code x [B, heads, T, D]} and cos/sin {@code [B, 1, T, D]};
   * {@code rotateHalf} is {@link #rotateHalfMatrix}.
   */
  public static NDArray apply(NDArray x, NDArray cos, NDArray sin, NDArray rotateHalf) {
    return x.mul(cos).add(x.matMul(rotateHalf).mul(sin));
  }
}
