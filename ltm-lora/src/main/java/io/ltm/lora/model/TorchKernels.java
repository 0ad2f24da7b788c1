package io.ltm.lora.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import io.ltm.lora.io.HalfFloats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch kernels that DJL's API does not reach, run through a small TorchScript module whose source
 * is {@link #SOURCE} (written as the archive libtorch loads by {@link #archive()}: nothing binary is shipped):
 *
 * <ul>
 *   <li>{@link #linearBf16}: the multi-row products (prefill, scoring) of a bf16 checkpoint kept in bf16 on
 *       the CPU, {@code y [..., out] = bf16(x) [..., in] W [out, in]^T}, accumulated in f32 by oneDNN (AVX512-BF16
 *       or AMX dot products where the CPU has them: about twice the f32 GEMM's rate), the result rounded to bf16
 *       by libtorch and returned widened to f32. The activations are rounded to bf16 on the way in (as llama.cpp's
 *       bf16 dot products do; llama.cpp keeps its sums in f32, a bf16 torch model rounds them as here), so results
 *       differ from the f32 product of the same weights by about bf16's precision (opt-in:
 *       {@code LoadOptions.bf16Matmul}; docs/engine.md, "Fused prefill kernels and bf16 matmul"). DJL's JNI cannot
 *       hold a bf16 tensor (its dtype table aborts the JVM on bf16), so the module receives the weight's bf16 bits
 *       in their FLOAT16 array ({@link WeightFormat#BF16}) and reinterprets them without a copy: an empty bf16
 *       tensor {@code set_} to the array's storage (TorchScript has no dtype overload of {@code view}; {@code
 *       view_copy} with a dtype copied 2 bytes per weight per call, 4% of a 512-row product's time and half
 *       of a one-row product's).
 *   <li>{@link #swiGluBf16}: a dense layer's whole SwiGLU MLP with bf16 products, its intermediates kept in bf16.
 *   <li>{@link #causalAttention}: causal attention over the new columns only (a prefill without cached or
 *       packed columns) in f32 through libtorch's {@code scaled_dot_product_attention} with {@code is_causal},
 *       whose CPU flash kernel fuses scores, softmax and the product with the values and skips the masked
 *       half of the scores; the same arithmetic as the explicit form up to the order of f32 sums.
 * </ul>
 *
 * <p>One module per process, loaded on first use into a manager of its own (it holds no tensors);
 * thread-safe (libtorch runs a scripted method concurrently). No kernel records a gradient: callers use them
 * only where libtorch records no graph ({@code Autograd.off()}), and keep their explicit path where this
 * libtorch cannot load the module ({@link #get()} is then null).
 */
public final class TorchKernels {
  private static final Logger LOG = LoggerFactory.getLogger(TorchKernels.class);
  private static final AtomicBoolean WARNED = new AtomicBoolean();
  /** Calls of {@link #causalAttention} since the JVM started: tests assert which path a forward took. */
  private static final LongAdder ATTENTION_CALLS = new LongAdder();

  /**
   * The module's TorchScript. ScalarType 15 is bfloat16, 6 float32; {@code bf16(bits)} is the bf16 tensor over the
   * storage of {@code bits} (2-byte elements, no copy). {@code linear_bf16}: {@code x} f32
   * {@code [..., in]}, {@code w_bits} bf16 bits in a FLOAT16 {@code [out, in]} -> f32 {@code [..., out]}.
   * {@code causal_attention}: {@code q [B, nH, T, D]} already scaled by {@code 1/sqrt(D)}, {@code k, v
   * [B, nKv, T, D]}, {@code groups = nH / nKv} (head h reads kv head h / groups) -> {@code [B, nH, T, D]}.
   * {@code swiglu_bf16}: {@code x} f32 {@code [..., H]}, the bits of gate/up {@code [2 I, H]} and of down
   * {@code [H, I]}, {@code intermediate = I} -> f32 {@code [..., H]}.
   */
  static final String SOURCE = """
      class TorchKernels(Module):
        __parameters__ = []
        __buffers__ = []
        training : bool
        def bf16(self: __torch__.TorchKernels,
          bits: Tensor) -> Tensor:
          return torch.set_(torch.empty([0], dtype=15, device=bits.device), bits)
        def linear_bf16(self: __torch__.TorchKernels,
          x: Tensor,
          w_bits: Tensor) -> Tensor:
          _0 = torch.linear(torch.to(x, 15), (self).bf16(w_bits))
          return torch.to(_0, 6)
        def causal_attention(self: __torch__.TorchKernels,
          q: Tensor,
          k: Tensor,
          v: Tensor,
          groups: int) -> Tensor:
          k1 = torch.repeat_interleave(k, groups, 1)
          v1 = torch.repeat_interleave(v, groups, 1)
          return torch.scaled_dot_product_attention(q, k1, v1, None, 0., True, scale=1.)
        def swiglu_bf16(self: __torch__.TorchKernels,
          x: Tensor,
          gate_up_bits: Tensor,
          down_bits: Tensor,
          intermediate: int) -> Tensor:
          gu = torch.linear(torch.to(x, 15), (self).bf16(gate_up_bits))
          g = torch.narrow(gu, -1, 0, intermediate)
          u = torch.narrow(gu, -1, intermediate, intermediate)
          a = torch.mul(torch.silu(g), u)
          return torch.to(torch.linear(a, (self).bf16(down_bits)), 6)
      """;

  /**
   * The module object as TorchScript's loader expects it in {@code data.pkl}: pickle protocol 2 of
   * {@code __torch__.TorchKernels()} with {@code training = True} (PROTO 2, GLOBAL, EMPTY_TUPLE, NEWOBJ,
   * EMPTY_DICT, MARK, 'training', True, SETITEMS, BUILD, STOP).
   */
  private static byte[] modulePickle() {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    p.writeBytes(new byte[] {(byte) 0x80, 2}); // PROTO 2
    p.writeBytes("c__torch__\nTorchKernels\n".getBytes(StandardCharsets.US_ASCII)); // GLOBAL
    p.writeBytes(new byte[] {')', (byte) 0x81, '}', '('}); // EMPTY_TUPLE NEWOBJ EMPTY_DICT MARK
    byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
    p.write('X'); // BINUNICODE, 4-byte little-endian length
    p.writeBytes(new byte[] {(byte) key.length, 0, 0, 0});
    p.writeBytes(key);
    p.writeBytes(new byte[] {(byte) 0x88, 'u', 'b', '.'}); // NEWTRUE SETITEMS BUILD STOP
    return p.toByteArray();
  }

  /** The TorchScript archive (a zip, as {@code torch.jit.save} writes it) holding {@link #SOURCE}. */
  static byte[] archive() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      entry(zip, "torch_kernels/version", "3\n".getBytes(StandardCharsets.US_ASCII));
      entry(zip, "torch_kernels/data.pkl", modulePickle());
      entry(zip, "torch_kernels/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // an empty tuple
      entry(zip, "torch_kernels/code/__torch__.py", SOURCE.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void entry(ZipOutputStream zip, String name, byte[] data) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(data);
    zip.closeEntry();
  }

  private static final class Holder {
    static final TorchKernels INSTANCE = loadOrNull();
  }

  private final PtSymbolBlock module;

  private TorchKernels(PtSymbolBlock module) {
    this.module = module;
  }

  /**
   * The process's module, loaded on first use; null when this libtorch cannot load it (logged once as a
   * WARN): callers then keep their explicit path.
   */
  static TorchKernels get() {
    return Holder.INSTANCE;
  }

  private static TorchKernels loadOrNull() {
    try {
      return load();
    } catch (RuntimeException e) {
      LOG.warn("libtorch could not load ltm's TorchScript kernels ({}): prefill keeps the explicit attention and"
          + " the f32 products", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip().lines()
          .findFirst().orElse(""));
      return null;
    }
  }

  private static TorchKernels load() {
    // a manager of its own, never closed: the module holds no tensors, only its compiled methods
    PtNDManager manager = (PtNDManager) NDManager.newBaseManager(Device.cpu(), "PyTorch");
    try {
      return new TorchKernels(JniUtils.loadModule(manager, new ByteArrayInputStream(archive()), false, false));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code x [..., in]} (f32) times the bf16 {@code weightBits [out, in]} transposed, plus {@code bias [out]}
   * (f32, added in f32) or null: {@code [..., out]} f32 in {@code x}'s manager.
   */
  NDArray linearBf16(NDArray x, NDArray weightBits, NDArray bias) {
    if (!WARNED.getAndSet(true) && !cpuHasBf16()) {
      LOG.warn("bf16 matmul on a CPU that reports neither avx512_bf16 nor amx_bf16 (/proc/cpuinfo): libtorch may"
          + " multiply bf16 slower than f32 here; leave --bf16-matmul off to keep the f32 product");
    }
    NDArray y = run("linear_bf16", x, IValue.from((PtNDArray) x), IValue.from((PtNDArray) weightBits)); // (..., out)
    if (bias == null) {
      return y;
    }
    NDArray biased = y.add(bias); // (..., out)
    y.close();
    return biased;
  }

  /**
   * The SwiGLU MLP {@code down(silu(gate(x)) * up(x))} of bf16 weights in bf16 from end to end: {@code x [..., H]}
   * (f32), {@code gateUpBits [2 I, H]} (gate's rows, then up's) and {@code downBits [H, I]} as bf16 bits ->
   * {@code [..., H]} f32 in {@code x}'s manager. As {@link #linearBf16} twice, with the gate and up products,
   * the SiLU and the product between them kept in bf16 (as a bf16 torch model computes them) instead of
   * widened to f32 and narrowed again.
   */
  NDArray swiGluBf16(NDArray x, NDArray gateUpBits, NDArray downBits) {
    long intermediate = downBits.getShape().get(1);
    return run("swiglu_bf16", x, IValue.from((PtNDArray) x), IValue.from((PtNDArray) gateUpBits),
        IValue.from((PtNDArray) downBits), IValue.from(intermediate));
  }

  /**
   * Causal attention of {@code q [B, nH, T, D]} (pre-scaled by {@code 1/sqrt(D)}) over {@code k, v [B, nKv, T, D]}
   * with query i seeing keys 0..i: {@code [B, nH, T, D]} in {@code q}'s manager.
   */
  NDArray causalAttention(NDArray q, NDArray k, NDArray v, int groups) {
    ATTENTION_CALLS.increment();
    return run("causal_attention", q, IValue.from((PtNDArray) q), IValue.from((PtNDArray) k),
        IValue.from((PtNDArray) v), IValue.from((long) groups));
  }

  /** Runs {@code method} on {@code inputs} (closed here; IValues, not an NDList, which DJL would turn into a dict for named arrays). */
  private NDArray run(String method, NDArray like, IValue... inputs) {
    try (IValue out = IValueUtils.runMethod(module, method, inputs)) {
      return out.toTensor((PtNDManager) like.getManager());
    } finally {
      for (IValue i : inputs) {
        i.close();
      }
    }
  }

  /** {@link #causalAttention} calls so far, all threads. */
  static long attentionCalls() {
    return ATTENTION_CALLS.sum();
  }

  /**
   * What {@code ltm doctor} reports of these kernels on this machine.
   *
   * @param loaded whether this libtorch loaded the module (false: prefill keeps its explicit path)
   * @param cpuHasBf16 whether /proc/cpuinfo lists AVX512-BF16 or AMX-BF16
   * @param bf16Gflops a 512 x 1024 by 1024 x 3072 product (a prompt through one of Qwen3-0.6B's MLP halves) through
   *     {@code linear_bf16}, best of five after a warm-up (NaN if not loaded)
   * @param f32Gflops the same product of the widened weights in f32 through libtorch
   * @param maxRelativeError max |bf16 - f32| over max |f32| of that product (about bf16's 2^-8 when right)
   */
  public record Probe(boolean loaded, boolean cpuHasBf16, double bf16Gflops, double f32Gflops, double maxRelativeError) {}

  /** Measures {@link Probe} on the CPU (a fraction of a second). */
  public static Probe probe() {
    boolean cpu = cpuHasBf16();
    TorchKernels k = get();
    if (k == null) {
      return new Probe(false, cpu, Double.NaN, Double.NaN, Double.NaN);
    }
    int rows = 512;
    int in = 1024;
    int out = 3072;
    SplittableRandom rnd = new SplittableRandom(1);
    float[] x = new float[rows * in];
    short[] bits = new short[out * in];
    float[] w = new float[out * in];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < bits.length; i++) {
      bits[i] = HalfFloats.toBf16((float) rnd.nextGaussian());
      w[i] = HalfFloats.fromBf16(bits[i]);
    }
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      NDArray wBits = WeightFormat.array16(m, bits, new Shape(out, in));
      NDArray wF32 = m.create(w, new Shape(out, in));
      NDArray xs = m.create(x, new Shape(rows, in));
      double flops = 2.0 * rows * in * out;
      double bestBf16 = Double.MAX_VALUE;
      double bestF32 = Double.MAX_VALUE;
      float[] yb = null;
      float[] yf = null;
      for (int round = 0; round < 6; round++) { // the first round warms up (oneDNN builds its kernel)
        long t0 = System.nanoTime();
        try (NDArray a = k.linearBf16(xs, wBits, null)) {
          long t1 = System.nanoTime();
          try (NDArray f = Linear.linear(xs, wF32, null).singletonOrThrow()) {
            long t2 = System.nanoTime();
            if (round > 0) {
              bestBf16 = Math.min(bestBf16, t1 - t0);
              bestF32 = Math.min(bestF32, t2 - t1);
            }
            yb = a.toFloatArray();
            yf = f.toFloatArray();
          }
        }
      }
      double maxErr = 0;
      double maxRef = 0;
      for (int i = 0; i < yf.length; i++) {
        maxErr = Math.max(maxErr, Math.abs(yb[i] - yf[i]));
        maxRef = Math.max(maxRef, Math.abs(yf[i]));
      }
      return new Probe(true, cpu, flops / bestBf16, flops / bestF32, maxErr / maxRef);
    }
  }

  /** Whether /proc/cpuinfo lists bf16 dot-product instructions (AVX512-BF16 or AMX-BF16). */
  static boolean cpuHasBf16() {
    try {
      String info = Files.readString(Path.of("/proc/cpuinfo")).toLowerCase(Locale.ROOT);
      return info.contains("avx512_bf16") || info.contains("amx_bf16");
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }
}
