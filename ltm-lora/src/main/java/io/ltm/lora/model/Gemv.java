package io.ltm.lora.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One input row through a frozen f32 or bf16 projection on the CPU, {@code y [out] = W [out, in] x [in] + b},
 * computed in Java with SIMD over the weight's own native memory (no copy of the weights). A decode
 * step is a chain of such matrix-vector products and is bound by how fast the weights stream from
 * memory; libtorch's CPU GEMV streamed at 60-65% of a plain copy on the AMD EPYC we measured, this kernel at
 * 85-95%; on an Intel Xeon VM this kernel read 15.2 GB/s where libtorch's read 14.3 (EngineBench, docs/engine.md).
 * A bf16 weight ({@link WeightFormat#BF16}) is read in its 16 bits and widened in registers (half the bytes of f32
 * per product), accumulating in f32.
 *
 * <p>Used by {@link LinearProjection} for single-row inputs that need no gradient. It needs the
 * {@code jdk.incubator.vector} module ({@code --add-modules jdk.incubator.vector}, which {@code ./ltm},
 * the tests and the benchmarks pass); without it, or with {@code -Dltm.gemv=libtorch}, every product
 * stays in libtorch. Rows are split over {@link #THREADS} threads of one persistent {@link RowPool}
 * (the calling thread works too; no task object per product): {@code -Dltm.gemv.threads}, else
 * {@code ai.djl.pytorch.num_threads}, else {@code OMP_NUM_THREADS}, else one per core, as libtorch
 * chooses its own. {@link RowDecoder} calls it on Java arrays ({@link #apply(float[], float[])}).
 *
 * <p>The direct buffers alias the weight tensor: {@link #apply} refuses to run once the weight is
 * closed, so a closed model gives DJL's error instead of reading freed memory.
 *
 * <p>The kernels read the weights through {@link OffHeapLoads}: plain vector loads from the tensor's address where
 * the JVM exports JDK 17's load intrinsic to ltm ({@link OffHeapLoads#FLAG}, which {@code ./ltm} passes), else
 * {@code fromByteBuffer} with JDK 17's barriers around every load (one-thread f32 decoding 13% slower).
 */
final class Gemv {
  private static final Logger LOG = LoggerFactory.getLogger(Gemv.class);
  private static final long MAX_CHUNK_BYTES = 1L << 30; // a ByteBuffer is int-indexed
  private static final long MIN_PARALLEL_ELEMENTS = 1L << 18; // below this a second thread costs more than it saves
  static final boolean AVAILABLE = available();
  private static volatile boolean enabled = AVAILABLE;
  static final int THREADS = threads();
  /** Products computed by the kernel since the JVM started: tests assert which path a projection took. */
  private static final java.util.concurrent.atomic.LongAdder CALLS = new java.util.concurrent.atomic.LongAdder();
  private static final int ROW_GRAIN = 16; // rows per unit of work: a cache line of outputs, no false sharing

  /** The pool that splits decode work over {@link #THREADS} threads, started on first use. */
  static RowPool pool() {
    return PoolHolder.POOL;
  }

  private static final class PoolHolder {
    static final RowPool POOL = new RowPool(THREADS);
  }

  private final NDArray weight; // (out, in)
  private final ByteBuffer[] chunks; // row ranges of the weight, each under MAX_CHUNK_BYTES
  private final int[] chunkStart; // first row of each chunk, plus the row count at the end
  private final int cols;
  private final float[] bias; // (out) or null
  private final WeightFormat format; // F32 or BF16

  private Gemv(NDArray weight, WeightFormat format, ByteBuffer[] chunks, int[] chunkStart, float[] bias) {
    this.weight = weight;
    this.format = format;
    this.chunks = chunks;
    this.chunkStart = chunkStart;
    this.cols = Math.toIntExact(weight.getShape().get(1));
    this.bias = bias;
  }

  /**
   * The kernel over the f32 {@code weight [out, in]} (and {@code bias [out]} or null), or null when it does
   * not apply: kernel disabled or unavailable, weight not f32, not on the CPU or not contiguous.
   */
  static Gemv of(NDArray weight, NDArray bias) {
    return of(weight, bias, WeightFormat.of(weight), MAX_CHUNK_BYTES);
  }

  /** As {@link #of(NDArray, NDArray)} for a weight stored in {@code format} (F32 or BF16; null for F16). */
  static Gemv of(NDArray weight, NDArray bias, WeightFormat format) {
    return of(weight, bias, format, MAX_CHUNK_BYTES);
  }

  /** As {@link #of(NDArray, NDArray)}, with row chunks of at most {@code maxChunkBytes} (tests). */
  static Gemv of(NDArray weight, NDArray bias, long maxChunkBytes) {
    return of(weight, bias, WeightFormat.of(weight), maxChunkBytes);
  }

  /** As {@link #of(NDArray, NDArray, WeightFormat)}, with row chunks of at most {@code maxChunkBytes} (tests). */
  static Gemv of(NDArray weight, NDArray bias, WeightFormat format, long maxChunkBytes) {
    boolean f32 = format == WeightFormat.F32 && weight.getDataType() == DataType.FLOAT32;
    boolean bf16 = format == WeightFormat.BF16 && weight.getDataType() == DataType.FLOAT16;
    if (!AVAILABLE || !(f32 || bf16) || !weight.getDevice().equals(Device.cpu())) {
      return null;
    }
    try {
      long rows = weight.getShape().get(0);
      long cols = weight.getShape().get(1);
      long rowsPerChunk = Math.max(1, Math.min(MAX_CHUNK_BYTES, maxChunkBytes) / (cols * format.bytes()));
      int n = Math.toIntExact((rows + rowsPerChunk - 1) / rowsPerChunk);
      ByteBuffer[] chunks = new ByteBuffer[n];
      int[] start = new int[n + 1];
      NDManager views = n > 1 ? weight.getManager().newSubManager() : null; // closed with the weights
      for (int i = 0; i < n; i++) {
        long from = i * rowsPerChunk;
        long to = Math.min(rows, from + rowsPerChunk);
        NDArray part = n == 1 ? weight : weight.get(views, new NDIndex("{}:{}", from, to));
        ByteBuffer b = part.toByteBuffer(true);
        if (!b.isDirect() || b.capacity() != (to - from) * cols * format.bytes()) {
          return null; // not an alias of the tensor's memory
        }
        chunks[i] = b.order(ByteOrder.nativeOrder());
        start[i] = (int) from;
      }
      start[n] = Math.toIntExact(rows);
      return new Gemv(weight, format, chunks, start, bias == null ? null : bias.toFloatArray());
    } catch (RuntimeException e) { // e.g. a non-contiguous weight in a capped manager
      LOG.debug("libtorch keeps the projection {}: {}", weight.getShape(), e.toString());
      return null;
    }
  }

  /**
   * {@code x} (f32, {@code in} elements in any shape {@code [..., in]} with one row) to
   * {@code [..., out]} in {@code x}'s manager.
   */
  NDArray apply(NDArray x) {
    float[] y = new float[rows()]; // (out)
    apply(x.toFloatArray(), y);
    long[] shape = x.getShape().getShape();
    shape[shape.length - 1] = y.length;
    return x.getManager().create(y, new Shape(shape));
  }

  /**
   * {@code y [out] = W x + b} for one row {@code x [in]} held in Java arrays (the one-row decoder's
   * path: no NDArray in or out).
   */
  void apply(float[] x, float[] y) {
    if (x.length != cols || y.length != rows()) {
      throw new IllegalArgumentException("a [" + rows() + ", " + cols + "] product needs x [" + cols + "] and y ["
          + rows() + "] but got " + x.length + " and " + y.length);
    }
    if (weight.isReleased()) {
      throw new IllegalStateException("the model's weights are closed");
    }
    multiply(x, y);
    CALLS.increment();
    if (bias != null) {
      for (int i = 0; i < y.length; i++) {
        y[i] += bias[i];
      }
    }
  }

  /** Output rows. */
  int rows() {
    return chunkStart[chunkStart.length - 1];
  }

  /** Input columns. */
  int cols() {
    return cols;
  }

  /** The format of the weight the kernel reads. */
  WeightFormat format() {
    return format;
  }

  /** Bytes of weights one product reads. */
  long weightBytes() {
    return (long) rows() * cols * format.bytes();
  }

  private void multiply(float[] x, float[] y) {
    int out = y.length;
    if (THREADS == 1 || (long) out * cols < MIN_PARALLEL_ELEMENTS) {
      rows(x, y, 0, out);
      return;
    }
    pool().run(out, ROW_GRAIN, (from, to) -> rows(x, y, from, to));
  }

  /** {@code y[r] = W[r, :] . x} for rows {@code [from, to)}, chunk by chunk. */
  private void rows(float[] x, float[] y, int from, int to) {
    for (int i = 0; i < chunks.length && from < to; i++) {
      int lo = Math.max(from, chunkStart[i]);
      int hi = Math.min(to, chunkStart[i + 1]);
      if (lo < hi && format == WeightFormat.BF16) {
        VectorGemv.multiplyBf16(chunks[i], cols, x, y, chunkStart[i], lo - chunkStart[i], hi - chunkStart[i]);
      } else if (lo < hi) {
        VectorGemv.multiply(chunks[i], cols, x, y, chunkStart[i], lo - chunkStart[i], hi - chunkStart[i]);
      }
    }
  }

  /** Matrix-vector products the kernel has computed in this JVM (all instances). */
  static long calls() {
    return CALLS.sum();
  }

  /** {@link OffHeapLoads#advice()} where the kernels run (without the Vector API there is nothing to load), else null. */
  static String loadsAdvice() {
    return AVAILABLE ? OffHeapLoads.advice() : null;
  }

  /** Whether {@link LinearProjection} uses the kernel now. */
  static boolean enabled() {
    return enabled;
  }

  /** Switches the kernel on or off for later calls (A/B benchmarks); stays off when unavailable. */
  static boolean setEnabled(boolean on) {
    enabled = on && AVAILABLE;
    return enabled;
  }

  private static boolean available() {
    String mode = System.getProperty("ltm.gemv", "java");
    if (mode.equals("libtorch")) {
      return false;
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      LOG.info("decode runs libtorch's GEMV; start the JVM with --add-modules jdk.incubator.vector for the faster Java kernel");
      return false;
    }
    if (!hasByteBufferLoads()) {
      LOG.warn("decode runs libtorch's GEMV and the libtorch decode path: the Java kernels are written against JDK 17's "
          + "Vector API (FloatVector.fromByteBuffer), which Java {} no longer has; run ltm on JDK 17 for them",
          Runtime.version().feature());
      return false;
    }
    String advice = TrapLimit.advice();
    if (advice != null) {
      LOG.info("decode kernels: {}", advice);
    }
    String loads = OffHeapLoads.advice();
    if (loads != null) {
      LOG.info("decode kernels: {}", loads);
    }
    return true;
  }

  /**
   * Whether this JDK's incubating Vector API has the {@code fromByteBuffer} loads the kernels use (JDK 17 and
   * 18; later incubations replaced them by {@code fromMemorySegment}). Asked by reflection, so that a later JDK
   * falls back to libtorch instead of failing with {@link NoSuchMethodError} in the middle of a generation.
   */
  static boolean hasByteBufferLoads() {
    try {
      Class<?> fv = Class.forName("jdk.incubator.vector.FloatVector");
      Class<?> species = Class.forName("jdk.incubator.vector.VectorSpecies");
      Class<?> iv = Class.forName("jdk.incubator.vector.IntVector");
      fv.getMethod("fromByteBuffer", species, java.nio.ByteBuffer.class, int.class, java.nio.ByteOrder.class);
      iv.getMethod("fromByteBuffer", species, java.nio.ByteBuffer.class, int.class, java.nio.ByteOrder.class);
      fv.getMethod("intoByteBuffer", java.nio.ByteBuffer.class, int.class, java.nio.ByteOrder.class);
      return true;
    } catch (ReflectiveOperationException | LinkageError e) {
      return false;
    }
  }

  private static int threads() {
    for (String v : new String[] {System.getProperty("ltm.gemv.threads"), System.getProperty("ai.djl.pytorch.num_threads"),
        System.getenv("OMP_NUM_THREADS")}) {
      if (v != null && !v.isBlank()) {
        try {
          return Math.max(1, Integer.parseInt(v.trim()));
        } catch (NumberFormatException e) {
          LOG.warn("ignoring thread count {}: not an integer", v);
        }
      }
    }
    return Runtime.getRuntime().availableProcessors();
  }
}
