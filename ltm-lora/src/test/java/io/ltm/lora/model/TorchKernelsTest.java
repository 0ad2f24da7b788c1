package io.ltm.lora.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.HalfFloats;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.TensorDType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * {@link TorchKernels}: the bf16 product of prefill and scoring with bf16 weights ({@code LoadOptions.bf16Matmul})
 * against a float64 reference of the bf16 arithmetic it promises (activations rounded to bf16 to nearest even,
 * exact products, the sum rounded to bf16, the bias added in f32), and a decoder loaded with it against the same
 * checkpoint's f32 products within the stated tolerance; the fused causal attention against a float64 reference
 * and, through whole forwards, against the explicit scores/mask/softmax path.
 */
class TorchKernelsTest {
  /**
   * Full-forward logprobs over the whole vocabulary, bf16 products vs f32 products of the same bf16 weights
   * (measured 7.0e-2 .. 8.4e-2 on the tiny models with the fused bf16 MLP, where rounding their f32 weights to
   * bf16 moved them by 7.1e-2 .. 9.5e-2; docs/engine.md, "Fused prefill kernels and bf16 matmul").
   */
  static final double LOGPROB_TOLERANCE = 0.15;
  /** The same for the greedy token of each position (measured 1.6e-2 .. 2.9e-2). */
  static final double CHOSEN_TOLERANCE = 5e-2;

  /** One bf16 ulp of {@code v}: 2^(exponent - 7). */
  private static double bf16Ulp(double v) {
    return Math.scalb(1.0, Math.getExponent((float) v) - 7);
  }

  @Test
  void multipliesBf16RoundedActivationsByTheWeightBitsAsTheFloat64ReferenceOfBf16Arithmetic() {
    int rows = 6;
    int in = 37; // not a multiple of any vector width
    int out = 11;
    SplittableRandom rnd = new SplittableRandom(3);
    float[] x = new float[rows * in];
    short[] w = new short[out * in];
    float[] bias = new float[out];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) (rnd.nextGaussian() * 2);
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = HalfFloats.toBf16((float) rnd.nextGaussian());
    }
    for (int i = 0; i < out; i++) {
      bias[i] = (float) rnd.nextGaussian();
    }
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      NDArray wBits = WeightFormat.array16(m, w, new Shape(out, in));
      NDArray xs = m.create(x, new Shape(2, rows / 2, in)); // 3-D: (batch, tokens, in)
      float[] plain = TorchKernels.get().linearBf16(xs, wBits, null).toFloatArray(); // (2, 3, out)
      float[] biased = TorchKernels.get().linearBf16(xs, wBits, m.create(bias)).toFloatArray();
      assertThat(plain).hasSize(rows * out);
      int exact = 0;
      int exactIfF32Activations = 0;
      for (int r = 0; r < rows; r++) {
        for (int o = 0; o < out; o++) {
          double sum = 0;
          double sumF32 = 0;
          for (int k = 0; k < in; k++) {
            double wk = HalfFloats.fromBf16(w[o * in + k]);
            sum += HalfFloats.fromBf16(HalfFloats.toBf16(x[r * in + k])) * wk;
            sumF32 += x[r * in + k] * wk;
          }
          float want = HalfFloats.fromBf16(HalfFloats.toBf16((float) sum)); // the product rounded to bf16
          float got = plain[r * out + o];
          assertThat(Float.floatToRawIntBits(got) & 0xFFFF).as("row %d col %d is a bf16 value", r, o).isZero();
          // f32 sums in another order may round to the neighbouring bf16 value
          assertThat((double) Math.abs(got - want)).as("row %d col %d", r, o).isLessThanOrEqualTo(bf16Ulp(sum));
          exact += got == want ? 1 : 0;
          exactIfF32Activations += got == HalfFloats.fromBf16(HalfFloats.toBf16((float) sumF32)) ? 1 : 0;
          assertThat(biased[r * out + o]).as("bias added in f32").isEqualTo(got + bias[o]);
        }
      }
      assertThat(exact).as("products equal to the bf16 reference").isGreaterThanOrEqualTo(rows * out * 9 / 10);
      assertThat(exactIfF32Activations).as("the activations were rounded to bf16").isLessThan(exact);
    }
  }

  /**
   * The kernel reinterprets the weight's bits in place ({@code set_} on their storage): a weight that is a view into a
   * larger array (a storage offset; a non-contiguous transpose) multiplies as its contiguous copy does, bit for bit,
   * and the array's bits stay as they were.
   */
  @Test
  void readsAWeightViewWithItsOffsetAndStridesWithoutChangingTheBits() {
    int in = 24;
    int out = 7;
    int extra = 5;
    SplittableRandom rnd = new SplittableRandom(11);
    short[] all = new short[(out + extra) * in];
    float[] x = new float[4 * in];
    for (int i = 0; i < all.length; i++) {
      all[i] = HalfFloats.toBf16((float) rnd.nextGaussian());
    }
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      NDArray bits = WeightFormat.array16(m, all, new Shape(out + extra, in)); // owned by libtorch
      NDArray xs = m.create(x, new Shape(4, in));
      NDArray rows = bits.get("3:{}", 3 + out); // (out, in) at a storage offset of 3 rows
      float[] fromView = TorchKernels.get().linearBf16(xs, rows, null).toFloatArray();
      float[] fromCopy = TorchKernels.get().linearBf16(xs, rows.duplicate(), null).toFloatArray();
      assertThat(fromView).as("offset view vs its contiguous copy").containsExactly(fromCopy);
      int n = out + extra;
      NDArray transposed = bits.get(":, :{}", n).transpose(); // (n, n), strides (1, in)
      NDArray xn = xs.get(":, :{}", n); // (4, n)
      float[] fromStrided = TorchKernels.get().linearBf16(xn, transposed, null).toFloatArray();
      float[] fromContiguous = TorchKernels.get().linearBf16(xn, transposed.duplicate(), null).toFloatArray();
      assertThat(fromStrided).as("transposed view vs its contiguous copy").containsExactly(fromContiguous);
      ByteBuffer after = bits.toByteBuffer(true).order(ByteOrder.nativeOrder());
      for (int i = 0; i < all.length; i++) {
        assertThat(after.getShort(i * 2)).as("bits[%d]", i).isEqualTo(all[i]);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = CheckpointPreset.class, names = {"TINY_QWEN3", "TINY_QWEN2", "TINY_QWEN3_MOE"})
  void decoderWithBf16ProductsStaysWithinToleranceOfTheF32Products(CheckpointPreset preset) {
    Path dir = TestCheckpoints.get(preset, TensorDType.BF16, 5);
    LoadOptions kept = LoadOptions.forGeneration(Device.cpu());
    try (Decoder f32 = DecoderLoader.load(dir, kept);
         Decoder bf16 = DecoderLoader.load(dir, kept.withBf16Matmul(true))) {
      assertThat(f32.weights().projections().values().stream().noneMatch(LinearProjection::bf16Matmul)).isTrue();
      assertThat(bf16.weights().lmHead().bf16Matmul()).as("the lm head keeps the f32 product").isFalse();
      assertThat(bf16.weights().projections().values().stream().filter(p -> !p.name().endsWith(".mlp.gate"))
          .allMatch(LinearProjection::bf16Matmul)).as("every layer projection multiplies in bf16").isTrue();
      assertThat(bf16.weights().projections().values().stream().filter(p -> p.name().endsWith(".mlp.gate"))
          .noneMatch(LinearProjection::bf16Matmul)).as("MoE routers keep the f32 product").isTrue();
      int[] ids = DecoderConsistencyTest.randomIds(8, 17);
      try (NDManager s = f32.manager().newSubManager(); NDManager t = bf16.manager().newSubManager()) {
        float[] a = f32.forward(s, DecoderInput.of(ids), null, false).logSoftmax(-1).toFloatArray(); // (1, T, V)
        float[] b = Autograd.inference(() -> bf16.forward(t, DecoderInput.of(ids), null, false)).logSoftmax(-1)
            .toFloatArray();
        double diff = RowDecoderTest.maxDiff(a, b);
        int vocab = a.length / ids.length;
        double chosen = 0;
        for (int t0 = 0; t0 < ids.length; t0++) {
          float[] row = java.util.Arrays.copyOfRange(a, t0 * vocab, (t0 + 1) * vocab);
          int k = RowDecoderTest.argmax(row);
          chosen = Math.max(chosen, Math.abs(a[t0 * vocab + k] - b[t0 * vocab + k]));
        }
        double weights; // the same positions with the f32 checkpoint these bf16 weights were rounded from
        try (Decoder wide = DecoderLoader.load(TestCheckpoints.get(preset, TensorDType.F32, 5), LoadOptions.cpu());
             NDManager u = wide.manager().newSubManager()) {
          float[] c = wide.forward(u, DecoderInput.of(ids), null, false).logSoftmax(-1).toFloatArray();
          weights = RowDecoderTest.maxDiff(a, c);
        }
        assertThat(diff).as("%s: the bf16 products were used", preset).isGreaterThan(1e-5);
        assertThat(diff).as("%s full forward, whole vocabulary", preset).isLessThan(LOGPROB_TOLERANCE);
        assertThat(chosen).as("%s full forward, greedy tokens", preset).isLessThan(CHOSEN_TOLERANCE);
        assertThat(diff).as("%s: about what rounding the weights to bf16 moved", preset).isLessThan(1.5 * weights);
      }
    }
  }

  /** bf16 rounding (to nearest even) of {@code v}, as a double. */
  private static double bf16(double v) {
    return HalfFloats.fromBf16(HalfFloats.toBf16((float) v));
  }

  @Test
  void swiGluMatchesTheFloat64ReferenceOfItsBf16Steps() {
    int rows = 5;
    int hidden = 24;
    int inter = 40;
    SplittableRandom rnd = new SplittableRandom(7);
    float[] x = new float[rows * hidden];
    short[] gu = new short[2 * inter * hidden]; // gate's rows, then up's
    short[] down = new short[hidden * inter];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    for (short[] w : new short[][] {gu, down}) {
      for (int i = 0; i < w.length; i++) {
        w[i] = HalfFloats.toBf16((float) (rnd.nextGaussian() * 0.3));
      }
    }
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      float[] got = TorchKernels.get().swiGluBf16(m.create(x, new Shape(rows, hidden)),
          WeightFormat.array16(m, gu, new Shape(2 * inter, hidden)), WeightFormat.array16(m, down, new Shape(hidden, inter)))
          .toFloatArray();
      assertThat(got).hasSize(rows * hidden);
      for (int r = 0; r < rows; r++) {
        double[] a = new double[inter];
        for (int i = 0; i < inter; i++) {
          double g = 0;
          double u = 0;
          for (int k = 0; k < hidden; k++) {
            double xk = bf16(x[r * hidden + k]);
            g += xk * HalfFloats.fromBf16(gu[i * hidden + k]);
            u += xk * HalfFloats.fromBf16(gu[(inter + i) * hidden + k]);
          }
          g = bf16(g);
          u = bf16(u);
          a[i] = bf16(bf16(g / (1 + Math.exp(-g))) * u); // silu, then the product, each rounded to bf16
        }
        for (int o = 0; o < hidden; o++) {
          double want = 0;
          double scale = 0;
          for (int i = 0; i < inter; i++) {
            want += a[i] * HalfFloats.fromBf16(down[o * inter + i]);
            scale += Math.abs(a[i] * HalfFloats.fromBf16(down[o * inter + i]));
          }
          // a rounding step may land on the neighbouring bf16 value (f32 sums in another order)
          double err = Math.abs(got[r * hidden + o] - bf16(want)) / scale;
          assertThat(err).as("row %d col %d", r, o).isLessThan(2e-3); // measured: 0 (every value equal)
        }
      }
    }
  }

  @Test
  void causalAttentionMatchesTheFloat64ReferenceWithGroupedKvHeads() {
    int b = 2;
    int nH = 6;
    int nKv = 2; // three query heads per kv head
    int t = 19;
    int d = 8;
    SplittableRandom rnd = new SplittableRandom(5);
    float[] q = new float[b * nH * t * d];
    float[] k = new float[b * nKv * t * d];
    float[] v = new float[b * nKv * t * d];
    for (float[] a : new float[][] {q, k, v}) {
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) rnd.nextGaussian();
      }
    }
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      float[] got = TorchKernels.get().causalAttention(m.create(q, new Shape(b, nH, t, d)),
          m.create(k, new Shape(b, nKv, t, d)), m.create(v, new Shape(b, nKv, t, d)), nH / nKv).toFloatArray();
      CausalAttentionTest.assertMatchesFloat64(got, q, k, v, b, nH, nKv, t, d, 1e-5);
    }
  }

  @ParameterizedTest
  @EnumSource(value = CheckpointPreset.class, names = {"TINY_QWEN3", "TINY_QWEN2", "TINY_LLAMA", "TINY_QWEN3_MOE"})
  void prefillWithFusedAttentionMatchesTheExplicitScoresAndTheDecodeAfterIt(CheckpointPreset preset) {
    Path dir = TestCheckpoints.get(preset, TensorDType.F32, 5);
    int[] ids = DecoderConsistencyTest.randomIds(9, 23);
    try (Decoder d = DecoderLoader.load(dir, LoadOptions.forGeneration(Device.cpu()))) {
      float[][] explicit = prefillThenStep(d, ids, false, false);
      float[][] flash = prefillThenStep(d, ids, true, false);
      float[][] java = prefillThenStep(d, ids, true, true);
      for (int i = 0; i < 2; i++) {
        assertThat(RowDecoderTest.maxDiff(flash[i], explicit[i])).as("%s %s, libtorch's flash kernel", preset,
            i == 0 ? "prefill" : "next step").isLessThan(1e-5);
        // the Java norms also sum their squares in another order than libtorch's: a little more rounding apart
        assertThat(RowDecoderTest.maxDiff(java[i], explicit[i])).as("%s %s, Java kernels", preset,
            i == 0 ? "prefill" : "next step").isLessThan(2e-5);
      }
    } finally {
      Decoder.useFusedKernels(true);
      Decoder.useJavaPrefillKernels(true);
    }
  }

  @org.junit.jupiter.api.Test
  void aPrefillLongerThanTheJavaKernelsRangeTakesTheFlashKernel() {
    Path dir = TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.F32, 5);
    int[] ids = DecoderConsistencyTest.randomIds(7, CausalAttention.MAX_COLUMNS + 1);
    try (Decoder d = DecoderLoader.load(dir, LoadOptions.forGeneration(Device.cpu()))) {
      assertThat(Decoder.useJavaPrefillKernels(true)).isTrue();
      long flash = TorchKernels.attentionCalls();
      long java = CausalAttention.calls();
      float[] last = Autograd.inference(() -> {
        try (NDManager s = d.manager().newSubManager(); KvCache cache = d.newCache(1, ids.length)) {
          return d.forward(s, DecoderInput.of(ids), cache, true).toFloatArray(); // (1, 1, V)
        }
      });
      assertThat(TorchKernels.attentionCalls() - flash).as("flash calls").isEqualTo(d.config().numLayers());
      assertThat(CausalAttention.calls() - java).as("Java calls").isZero();
      for (float f : last) {
        assertThat(f).isFinite();
      }
    }
  }

  @org.junit.jupiter.api.Test
  void gradientsStillFlowWhereAGraphIsRecorded() {
    // a DJL collector turns libtorch's grad mode on: the explicit attention and f32 products run, so a graph exists
    Path dir = TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.BF16, 5);
    try (Decoder d = DecoderLoader.load(dir, LoadOptions.forGeneration(Device.cpu()).withBf16Matmul(true));
         NDManager s = d.manager().newSubManager();
         ai.djl.training.GradientCollector gc = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
      long before = TorchKernels.attentionCalls();
      long javaBefore = CausalAttention.calls() + PrefillOps.calls();
      NDArray x = d.embed(s, DecoderInput.of(DecoderConsistencyTest.randomIds(3, 9)));
      x.setRequiresGradient(true);
      LayerContext ctx = d.context(s, DecoderInput.of(new int[9]), null);
      NDArray y = d.layer(0, x, ctx, null);
      gc.backward(y.sum());
      assertThat(TorchKernels.attentionCalls()).as("no fused attention under a collector").isEqualTo(before);
      assertThat(CausalAttention.calls() + PrefillOps.calls()).as("no Java kernels under a collector").isEqualTo(javaBefore);
      assertThat(x.getGradient().abs().sum().getFloat()).as("the gradient reaches the layer's input").isGreaterThan(0f);
    }
  }

  /**
   * Logprobs of every prefill position and of one decode step after it, with the fused attention on or off, in Java
   * ({@link CausalAttention}) or libtorch's flash kernel.
   */
  private static float[][] prefillThenStep(Decoder d, int[] ids, boolean fusedOn, boolean javaOn) {
    return Autograd.inference(() -> prefillThenStepUnrecorded(d, ids, fusedOn, javaOn));
  }

  private static float[][] prefillThenStepUnrecorded(Decoder d, int[] ids, boolean fusedOn, boolean javaOn) {
    Decoder.useFusedKernels(fusedOn);
    assertThat(Decoder.useJavaPrefillKernels(javaOn)).as("the Vector API is present in tests").isEqualTo(javaOn);
    long flashBefore = TorchKernels.attentionCalls();
    long javaBefore = CausalAttention.calls();
    try (NDManager s = d.manager().newSubManager(); KvCache cache = d.newCache(1, ids.length + 1)) {
      float[] prefill = d.forward(s, DecoderInput.of(ids), cache, false).logSoftmax(-1).toFloatArray(); // (1, T, V)
      long flash = TorchKernels.attentionCalls() - flashBefore;
      long java = CausalAttention.calls() - javaBefore;
      int layers = d.config().numLayers();
      assertThat(flash).as("flash attention calls, one per layer when fused, not Java")
          .isEqualTo(fusedOn && !javaOn ? layers : 0);
      assertThat(java).as("Java attention calls, one per layer when fused and Java")
          .isEqualTo(fusedOn && javaOn ? layers : 0);
      float[] step = d.forward(s, DecoderInput.of(new int[] {ids[0]}, ids.length), cache, true).logSoftmax(-1)
          .toFloatArray();
      assertThat(TorchKernels.attentionCalls() - flashBefore + CausalAttention.calls() - javaBefore)
          .as("a decode step attends over the cache").isEqualTo(flash + java);
      return new float[][] {prefill, step};
    }
  }
}
