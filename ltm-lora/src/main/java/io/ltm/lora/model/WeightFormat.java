package io.ltm.lora.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ltm.lora.io.HalfFloats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;

/**
 * How the elements of a frozen weight matrix are stored in its NDArray. Generation on the CPU keeps a bf16
 * checkpoint's matrices in bf16 ({@code LoadOptions.forGeneration}): the Java GEMV reads them directly and
 * accumulates in f32 (half the bytes per decoded token), and the libtorch paths widen them to f32 a block
 * of rows at a time ({@link #widen}). F16 is an ordinary FLOAT16 array (on a GPU, or loaded as F16).
 *
 * <p>DJL's PyTorch engine aborts the JVM on bf16 (and int16) arrays, so {@link #BF16} is held as raw bf16
 * bits in a {@link DataType#FLOAT16} NDArray: libtorch only copies, concatenates and slices those bytes
 * (all bit-exact), and never computes with them. A BF16 array must therefore never reach a libtorch op
 * that reads values ({@code toType}, {@code linear}): everything that computes goes through
 * {@link LinearProjection} or {@link #rows}, which know the format. Stateless.
 */
public enum WeightFormat {
  /** f32: the NDArray's own type. */
  F32(4),
  /** IEEE half in a {@link DataType#FLOAT16} NDArray. */
  F16(2),
  /** bfloat16 bits (the upper half of an f32) in a {@link DataType#FLOAT16} NDArray. */
  BF16(2);

  /** f32 elements widened at a time into one thread's staging buffer (64 MiB). */
  static final long WIDEN_CHUNK = 1L << 24;
  private static final ThreadLocal<ByteBuffer> STAGING = new ThreadLocal<>();

  private final int bytes;

  WeightFormat(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element in memory. */
  public int bytes() {
    return bytes;
  }

  /** The format an NDArray's own type implies: F16 for FLOAT16, else F32 (BF16 must be said explicitly). */
  public static WeightFormat of(NDArray a) {
    return a.getDataType() == DataType.FLOAT16 ? F16 : F32;
  }

  /**
   * 16-bit elements' bits ({@link #F16} or {@link #BF16}, native order) as the FLOAT16 array such a weight is held
   * in: {@code bits} laid out as {@code shape}, a copy in libtorch memory owned by {@code manager}.
   */
  static NDArray array16(NDManager manager, short[] bits, Shape shape) {
    ByteBuffer b = ByteBuffer.allocateDirect(bits.length * 2).order(ByteOrder.nativeOrder());
    b.asShortBuffer().put(bits);
    try (NDManager staging = manager.newSubManager()) {
      NDArray alias = staging.create(b, shape, DataType.FLOAT16); // reads b
      NDArray copy = alias.duplicate(); // owns its bits, independent of b
      copy.attach(manager);
      return copy;
    }
  }

  /** Checks that {@code a}'s type can hold this format (F32: FLOAT32 or anything libtorch computes with; 16-bit: FLOAT16). */
  void check(String name, NDArray a) {
    if (this != F32 && a.getDataType() != DataType.FLOAT16) {
      throw new IllegalArgumentException(name + ": a " + this + " weight is held in a FLOAT16 array but got "
          + a.getDataType());
    }
    if (this == BF16 && !Device.cpu().equals(a.getDevice())) {
      throw new IllegalArgumentException(name + ": bf16 weights are only kept on the CPU (load with F16 on a GPU)");
    }
  }

  /**
   * Rows of a weight in this format as f32 in {@code manager}: {@code a [..., n]} (gathered or sliced
   * from the weight, e.g. embedding rows) to the same shape in f32. F32 passes through {@code toType};
   * F16 widens in libtorch (exact); BF16 widens in Java by a 16-bit shift (exact).
   */
  public NDArray rows(NDManager manager, NDArray a) {
    if (this != BF16) {
      NDArray f = a.toType(DataType.FLOAT32, false);
      if (f != a && f.getManager() != manager) {
        f.attach(manager);
      }
      return f;
    }
    long n = a.getShape().size();
    ByteBuffer src = a.toByteBuffer(true).order(ByteOrder.nativeOrder());
    ByteBuffer dst = ByteBuffer.allocateDirect(Math.toIntExact(n * Float.BYTES)).order(ByteOrder.nativeOrder());
    bf16ToF32(src, 0, dst, Math.toIntExact(n));
    NDArray alias = manager.create(dst, a.getShape(), DataType.FLOAT32); // aliases dst
    NDArray own = alias.duplicate();
    alias.close();
    return own;
  }

  /** The values of {@code a} (on the CPU, stored in this format) as f32, row-major; exact. */
  public float[] floats(NDArray a) {
    if (this == F32) {
      return a.toType(DataType.FLOAT32, false).toFloatArray();
    }
    ShortBuffer s = a.toByteBuffer(true).order(ByteOrder.nativeOrder()).asShortBuffer();
    float[] out = new float[s.remaining()];
    for (int i = 0; i < out.length; i++) {
      out[i] = this == BF16 ? HalfFloats.fromBf16(s.get(i)) : HalfFloats.fromF16(s.get(i));
    }
    return out;
  }

  /**
   * Rows {@code [from, to)} of a 16-bit {@code weight [rows, cols]} as an f32 NDArray {@code [to - from, cols]}
   * in {@code manager}. With {@code reuse} the result aliases this thread's staging buffer and is only valid
   * until the thread's next call (close it before then; autograd must not keep it); without, it owns its
   * memory. At most {@link #WIDEN_CHUNK} elements per call.
   */
  NDArray widen(NDManager manager, NDArray weight, long from, long to, boolean reuse) {
    long cols = weight.getShape().get(1);
    int n = Math.toIntExact((to - from) * cols);
    if (n > WIDEN_CHUNK) {
      throw new IllegalArgumentException("widen at most " + WIDEN_CHUNK + " elements at a time, not " + n);
    }
    ByteBuffer src = memory(weight);
    ByteBuffer dst = staging(n * Float.BYTES);
    int at = Math.toIntExact(from * cols * bytes);
    if (this == BF16) {
      bf16ToF32(src, at, dst, n);
    } else {
      ShortBuffer s = src.duplicate().position(at).slice().order(src.order()).asShortBuffer();
      java.nio.FloatBuffer d = dst.asFloatBuffer();
      for (int i = 0; i < n; i++) {
        d.put(i, HalfFloats.fromF16(s.get(i)));
      }
    }
    NDArray alias = manager.create(dst.duplicate().limit(n * Float.BYTES).order(dst.order()), new Shape(to - from, cols),
        DataType.FLOAT32);
    if (reuse) {
      return alias;
    }
    NDArray own = alias.duplicate();
    alias.close();
    return own;
  }

  /** The weight's own memory in native order (its elements, row-major). */
  static ByteBuffer memory(NDArray weight) {
    return weight.toByteBuffer(true).order(ByteOrder.nativeOrder());
  }

  /** This thread's staging buffer, at least {@code bytes} long. */
  private static ByteBuffer staging(int bytes) {
    ByteBuffer b = STAGING.get();
    if (b == null || b.capacity() < bytes) {
      b = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
      STAGING.set(b);
    }
    return b;
  }

  /** {@code n} bf16 values from {@code src} at byte {@code at} widened into {@code dst} (both native order). */
  private static void bf16ToF32(ByteBuffer src, int at, ByteBuffer dst, int n) {
    ShortBuffer s = src.duplicate().position(at).slice().order(src.order()).asShortBuffer();
    IntBuffer d = dst.duplicate().order(dst.order()).asIntBuffer();
    short[] in = new short[Math.min(n, 1 << 16)];
    int[] out = new int[in.length];
    for (int off = 0; off < n; off += in.length) {
      int len = Math.min(in.length, n - off);
      s.get(off, in, 0, len);
      for (int i = 0; i < len; i++) {
        out[i] = (in[i] & 0xFFFF) << 16; // bf16 bits are the upper half of an f32
      }
      d.put(off, out, 0, len);
    }
  }
}
