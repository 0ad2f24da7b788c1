package io.ltm.lora.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.TensorDType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The keys and values of every layer for one generation, preallocated to a fixed capacity:
 * {@code [B, kv_heads, capacity, head_dim]} per layer, f32 or f16, written in place as tokens arrive.
 * It also remembers each cached column's segment id so the attention mask of later steps knows which
 * columns are padding.
 *
 * <p>An f16 cache ({@link Decoder#newCache(int, int, io.ltm.lora.io.TensorDType)}) holds half the bytes:
 * each key and value is rounded to the nearest f16 when it is written (both paths round the same way,
 * to nearest even) and widened exactly when attention reads it, which computes in f32 as with an f32
 * cache. Values beyond f16's range (65504) become infinite: meant for models whose keys and values stay
 * well inside it (Qwen3 normalises its keys).
 *
 * <p>On the CPU the same memory is also handed to Java as direct buffers ({@link #keyMemory}): the
 * one-row decode path ({@link RowDecoder}) writes and reads the keys and values there in place, the
 * libtorch path (prefill, batches) through the NDArrays, so either path continues what the other
 * cached, with no copy.
 *
 * <p>Made by {@link Decoder#newCache}; the caller closes it (try-with-resources) when the generation
 * ends, which frees its native memory. Not thread-safe: one generation at a time.
 */
public final class KvCache implements AutoCloseable {
  private final NDManager manager;
  private final int batch;
  private final int capacity;
  private final NDArray[] keys; // (layer) -> (B, kvHeads, capacity, D)
  private final NDArray[] values; // (layer) -> (B, kvHeads, capacity, D)
  private final ByteBuffer[] keyMemory; // (layer) keys[layer]'s own memory, native order; null if not aliasable
  private final ByteBuffer[] valueMemory; // (layer) as keyMemory for values
  private final int kvHeads;
  private final int headDim;
  private final int[] segments; // (B, capacity) segment id of each cached column
  private final DataType type; // FLOAT32 or FLOAT16
  private int length;

  KvCache(NDManager parent, ModelConfig c, int batch, int capacity) {
    this(parent, c, batch, capacity, TensorDType.F32);
  }

  KvCache(NDManager parent, ModelConfig c, int batch, int capacity, TensorDType cacheType) {
    this.type = elementType(cacheType);
    if (batch < 1 || capacity < 1) {
      throw new IllegalArgumentException("batch and capacity must be >= 1 but got " + batch + ", " + capacity);
    }
    this.manager = parent.newSubManager();
    this.batch = batch;
    this.capacity = capacity;
    this.keys = new NDArray[c.numLayers()];
    this.values = new NDArray[c.numLayers()];
    this.kvHeads = c.numKvHeads();
    this.headDim = c.headDim();
    Shape shape = new Shape(batch, c.numKvHeads(), capacity, c.headDim());
    ByteBuffer[] km = new ByteBuffer[c.numLayers()];
    ByteBuffer[] vm = new ByteBuffer[c.numLayers()];
    boolean aliased = true;
    for (int l = 0; l < c.numLayers(); l++) {
      keys[l] = manager.zeros(shape, type);
      values[l] = manager.zeros(shape, type);
      if (aliased) {
        km[l] = alias(keys[l]);
        vm[l] = alias(values[l]);
        aliased = km[l] != null && vm[l] != null;
      }
    }
    this.keyMemory = aliased ? km : null;
    this.valueMemory = aliased ? vm : null;
    this.segments = new int[batch * capacity];
    if (aliased && half()) { // a CPU cache the one-row path reads: its f16 attention kernel compiled now, once per JVM
      RowDecoder.prepareHalfCache();
    }
  }

  /** Rows. */
  public int batch() {
    return batch;
  }

  /** Columns this cache can hold. */
  public int capacity() {
    return capacity;
  }

  /** Columns filled so far. */
  public int length() {
    return length;
  }

  /**
   * The array type a cache of {@code type} keeps its keys and values in: FLOAT32 for F32, FLOAT16 for F16.
   *
   * @throws IllegalArgumentException for any other type (the one check of every place that takes a cache type)
   */
  public static DataType elementType(TensorDType type) {
    switch (type) {
      case F32:
        return DataType.FLOAT32;
      case F16:
        return DataType.FLOAT16;
      default:
        throw new IllegalArgumentException("a KV cache holds F32 or F16, not " + type);
    }
  }

  /** Whether keys and values are held as f16 (else f32). */
  public boolean half() {
    return type == DataType.FLOAT16;
  }

  /** Bytes of the keys and values of all layers at full capacity. */
  public long bytes() {
    return 2L * keys.length * keys[0].getShape().size() * type.getNumOfBytes();
  }

  /**
   * A direct buffer over {@code store}'s own memory (writes through it are what libtorch reads), or
   * null when the tensor is not on the CPU, too big for one buffer or not handed out without a copy.
   */
  private static ByteBuffer alias(NDArray store) {
    long bytes = store.getShape().size() * store.getDataType().getNumOfBytes();
    if (!Device.cpu().equals(store.getDevice()) || bytes > Integer.MAX_VALUE) {
      return null;
    }
    ByteBuffer b = store.toByteBuffer(true);
    if (!b.isDirect() || b.capacity() != bytes) {
      return null;
    }
    return b.order(ByteOrder.nativeOrder());
  }

  /**
   * Layer {@code layer}'s keys {@code [B, kvHeads, capacity, D]} (f32, or f16 when {@link #half}) as a native-order direct buffer over
   * the same memory the libtorch path reads and writes ({@link #offset} finds a column), or null when
   * the cache lives where Java cannot write it in place (a GPU).
   */
  ByteBuffer keyMemory(int layer) {
    return keyMemory == null ? null : keyMemory[layer];
  }

  /** As {@link #keyMemory} for the values. */
  ByteBuffer valueMemory(int layer) {
    return valueMemory == null ? null : valueMemory[layer];
  }

  /** Whether {@link #keyMemory} and {@link #valueMemory} are available. */
  boolean inJavaMemory() {
    return keyMemory != null;
  }

  /** Byte offset of {@code (row, head, col, 0)} in {@link #keyMemory} / {@link #valueMemory}. */
  int offset(int row, int head, int col) {
    return ((row * kvHeads + head) * capacity + col) * headDim * (half() ? 2 : Float.BYTES);
  }

  /** Segment id of cached column {@code col} of row {@code row}. */
  int segment(int row, int col) {
    return segments[row * capacity + col];
  }

  void checkFits(DecoderInput input) {
    if (input.batch() != batch) {
      throw new IllegalArgumentException("the cache holds " + batch + " rows but the input has " + input.batch());
    }
    if (length + input.length() > capacity) {
      throw new IllegalArgumentException("the KV cache holds " + capacity + " columns; " + length
          + " are used and " + input.length() + " more do not fit");
    }
  }

  /**
   * Writes {@code k} ({@code [B, kvHeads, T, D]}) of layer {@code layer} at the current end and
   * returns all keys so far, {@code [B, kvHeads, length + T, D]}, as a view in {@code k}'s manager.
   */
  NDArray appendKeys(int layer, NDArray k) {
    return append(keys[layer], k);
  }

  /** As {@link #appendKeys} for the values. */
  NDArray appendValues(int layer, NDArray v) {
    return append(values[layer], v);
  }

  private NDArray append(NDArray store, NDArray x) {
    long t = x.getShape().get(2);
    if (type == DataType.FLOAT32) {
      store.set(new NDIndex(":, :, {}:{}", length, length + t), x);
      return store.get(x.getManager(), new NDIndex(":, :, :{}", length + t));
    }
    // f16: round the new columns into the cache, then read every column back widened (the f32 copy lives in x's manager)
    NDManager m = x.getManager();
    store.set(new NDIndex(":, :, {}:{}", length, length + t), x.toType(type, false));
    return store.get(m, new NDIndex(":, :, :{}", length + t)).toType(DataType.FLOAT32, false);
  }

  /** Marks {@code input}'s columns as cached, after every layer has appended them. */
  void advance(DecoderInput input) {
    int t = input.length();
    for (int r = 0; r < batch; r++) {
      for (int i = 0; i < t; i++) {
        segments[r * capacity + length + i] = input.segment(r * t + i);
      }
    }
    length += t;
  }

  /** Forgets everything cached (keeps the memory): the next input starts at column 0. */
  public void reset() {
    length = 0;
    Arrays.fill(segments, 0);
  }

  @Override
  public void close() {
    manager.close();
  }
}
