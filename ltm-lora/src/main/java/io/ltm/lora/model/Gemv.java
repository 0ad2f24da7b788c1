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
 * memory; libtorch's CPU GEMV streams at 60-65% of a plain copy on the machines we measured, this
 * kernel at 85-95% (EngineBench, docs/engine.md). A bf16 weight ({@link WeightFormat#BF16}) is read in
 * its 16 bits and widened in registers (half the bytes of f32 per product), accumulating in f32.
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
 * <p>{@code -Dltm.gemv.heap=true} (off by default) copies each f32 and bf16 weight onto the Java heap when its kernel
 * is made and reads the copy ({@link VectorGemv#multiplyHeap}, {@link VectorGemv#multiplyBf16Heap}: the same sums, without the per-load barriers
 * JDK 17 puts around off-heap vector loads). It costs the weights' bytes again, on the heap: a memory-for-speed
 * choice for one-thread CPU decoding (docs/engine.md), best with {@code -XX:+UseTransparentHugePages} so that the
 * copy sits on 2 MiB pages. A weight that does not fit on the heap stays on the tensor's memory, with a warning.
 *
 * <p>{@code -Dltm.gemv.f32=libtorch} (off by default) sends one-thread f32 products to libtorch's own GEMV instead
 * ({@link #applyThroughLibtorch}), faster than this kernel on some CPUs and slower on others (docs/engine.md).
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
  /** Whether kernels made now copy an f32 or bf16 weight onto the Java heap ({@code -Dltm.gemv.heap=true}). */
  private static volatile boolean heapCopies = Boolean.getBoolean("ltm.gemv.heap");
  /** Whether one-thread f32 products go through libtorch's own GEMV ({@code -Dltm.gemv.f32=libtorch}). */
  private static volatile boolean f32Libtorch = "libtorch".equals(System.getProperty("ltm.gemv.f32", "java"));
  private static final java.util.concurrent.atomic.AtomicBoolean HEAP_ADVICE_GIVEN =
      new java.util.concurrent.atomic.AtomicBoolean();

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
  private final int[][] heapChunks; // the bf16 chunks copied onto the Java heap (ltm.gemv.heap), or null
  private final float[][] heapFloats; // the f32 chunks copied onto the Java heap (ltm.gemv.heap), or null

  private Gemv(NDArray weight, WeightFormat format, ByteBuffer[] chunks, int[] chunkStart, float[] bias) {
    this.weight = weight;
    this.format = format;
    this.chunks = chunks;
    this.chunkStart = chunkStart;
    this.cols = Math.toIntExact(weight.getShape().get(1));
    this.bias = bias;
    this.heapChunks = heapCopies && format == WeightFormat.BF16 && cols % 2 == 0 ? heapCopy(chunks) : null;
    this.heapFloats = heapCopies && format == WeightFormat.F32 ? heapCopyF32(chunks) : null;
  }

  /** The chunks' bytes as native-order ints on the Java heap, or null (with a warning) where the heap has no room. */
  private int[][] heapCopy(ByteBuffer[] chunks) {
    adviseOnHeapCopies();
    try {
      int[][] copy = new int[chunks.length][];
      for (int i = 0; i < chunks.length; i++) {
        copy[i] = new int[chunks[i].capacity() / Integer.BYTES];
        chunks[i].asIntBuffer().get(0, copy[i]); // the buffer's native order: the ints multiplyBf16 loads
      }
      return copy;
    } catch (OutOfMemoryError e) {
      warnNoRoom();
      return null;
    }
  }

  /** The f32 chunks as {@code float[]} on the Java heap, or null (with a warning) where the heap has no room. */
  private float[][] heapCopyF32(ByteBuffer[] chunks) {
    adviseOnHeapCopies();
    try {
      float[][] copy = new float[chunks.length][];
      for (int i = 0; i < chunks.length; i++) {
        copy[i] = new float[chunks[i].capacity() / Float.BYTES];
        chunks[i].asFloatBuffer().get(0, copy[i]); // native order, as multiply reads the buffer
      }
      return copy;
    } catch (OutOfMemoryError e) {
      warnNoRoom();
      return null;
    }
  }

  /** Once per JVM: that weights are copied, and the huge-page flag when it is missing. */
  private static void adviseOnHeapCopies() {
    if (!HEAP_ADVICE_GIVEN.getAndSet(true)) {
      boolean thp = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
          .contains("-XX:+UseTransparentHugePages");
      LOG.info("ltm.gemv.heap: f32 and bf16 weights are copied onto the Java heap for the decode kernel{}", thp ? ""
          : "; start the JVM with -XX:+UseTransparentHugePages too, or the copies sit on 4 KiB pages and read slower");
    }
  }

  private void warnNoRoom() {
    LOG.warn("ltm.gemv.heap: no room on the Java heap for a copy of the [{}, {}] weight; it is read from the "
        + "tensor's memory (raise -Xmx to copy it)", rows(), cols);
  }

  /** Switches {@code ltm.gemv.heap} on or off for kernels made later (tests and benchmarks); returns the old value. */
  static boolean useHeapCopies(boolean on) {
    boolean old = heapCopies;
    heapCopies = on;
    return old;
  }

  /** Whether this kernel reads a copy of the weight on the Java heap. */
  boolean readsHeapCopy() {
    return heapChunks != null || heapFloats != null;
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
    if (f32Libtorch && THREADS == 1 && format == WeightFormat.F32 && heapFloats == null) {
      applyThroughLibtorch(x, y);
      return;
    }
    if (THREADS == 1 || (long) out * cols < MIN_PARALLEL_ELEMENTS) {
      rows(x, y, 0, out);
      return;
    }
    pool().run(out, ROW_GRAIN, (from, to) -> rows(x, y, from, to));
  }

  /**
   * {@code y = W x} through libtorch's {@code linear} on the weight tensor itself (MKL's f32 GEMV, on the calling
   * thread's libtorch threads: one during a decode, {@link DecodeThreads}). {@code -Dltm.gemv.f32=libtorch} routes
   * one-thread f32 products here: on the Intel VM of docs/engine.md MKL's single stream read the weights about 7%
   * faster than the Java kernel, whose off-heap loads JDK 17 brackets with checks; on the AMD EPYC measured earlier
   * libtorch's GEMV was the slower one, so the Java kernel stays the default. No bias (the caller adds it).
   */
  void applyThroughLibtorch(float[] x, float[] y) {
    try (NDManager scope = weight.getManager().newSubManager()) {
      NDArray row = scope.create(x, new Shape(1, cols)); // (1, in)
      float[] r = ai.djl.nn.core.Linear.linear(row, weight).singletonOrThrow().toFloatArray(); // (1, out)
      System.arraycopy(r, 0, y, 0, y.length);
    }
  }

  /** Switches {@code ltm.gemv.f32=libtorch} on or off for later products (tests, benchmarks); returns the old value. */
  static boolean useLibtorchForF32(boolean on) {
    boolean old = f32Libtorch;
    f32Libtorch = on;
    return old;
  }

  /** {@code y[r] = W[r, :] . x} for rows {@code [from, to)}, chunk by chunk. */
  private void rows(float[] x, float[] y, int from, int to) {
    for (int i = 0; i < chunks.length && from < to; i++) {
      int lo = Math.max(from, chunkStart[i]);
      int hi = Math.min(to, chunkStart[i + 1]);
      if (lo < hi && heapFloats != null) {
        VectorGemv.multiplyHeap(heapFloats[i], cols, x, y, chunkStart[i], lo - chunkStart[i], hi - chunkStart[i]);
      } else if (lo < hi && heapChunks != null) {
        VectorGemv.multiplyBf16Heap(heapChunks[i], cols, x, y, chunkStart[i], lo - chunkStart[i], hi - chunkStart[i]);
      } else if (lo < hi && format == WeightFormat.BF16) {
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
