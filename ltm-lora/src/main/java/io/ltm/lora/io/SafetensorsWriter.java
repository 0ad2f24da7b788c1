package io.ltm.lora.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a {@code .safetensors} file: 8-byte little-endian header length, the JSON header
 * ({@code name -> {dtype, shape, data_offsets}} and {@code __metadata__}), padded with spaces to a
 * multiple of 8 as the reference implementation does, then the tensors' little-endian bytes in order.
 * Values are given as f32 and converted to the target dtype in Java (F32, F16 or BF16, round to nearest
 * even). The file appears atomically (temp file + rename).
 *
 * <p>Collect tensors with {@link #add}, then {@link #write}. Not thread-safe; one writer per file.
 */
public final class SafetensorsWriter {

  private static final ObjectMapper JSON = new ObjectMapper();

  private record Entry(String name, long[] shape, long count, java.util.function.Supplier<float[]> values) {}

  private final TensorDType dtype;
  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, String> metadata = new LinkedHashMap<>();

  /**
   * @param dtype the on-disk type of every tensor
   */
  public SafetensorsWriter(TensorDType dtype) {
    this.dtype = Objects.requireNonNull(dtype, "dtype");
    metadata.put("format", "pt");
  }

  /**
   * Adds a tensor.
   *
   * @param name the key, unique in the file
   * @param shape the shape
   * @param values row-major values, as many as the shape holds (copied)
   * @return this
   * @throws IllegalArgumentException when the count does not fit the shape or the name repeats
   */
  public SafetensorsWriter add(String name, long[] shape, float[] values) {
    float[] copy = values.clone();
    return add(name, shape, values.length, () -> copy);
  }

  /**
   * Adds a tensor whose values are produced only while the file is written (one tensor in memory at a
   * time, for checkpoints larger than the heap).
   *
   * @param name the key, unique in the file
   * @param shape the shape
   * @param count the number of values the supplier will return
   * @param values produces the row-major values once, during {@link #write}
   * @return this
   */
  public SafetensorsWriter add(String name, long[] shape, long count, java.util.function.Supplier<float[]> values) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(name + ": negative dimension in shape " + java.util.Arrays.toString(shape));
      }
      n *= d;
    }
    if (n != count) {
      throw new IllegalArgumentException(name + ": shape " + java.util.Arrays.toString(shape) + " holds " + n
          + " values, but " + count + " were given");
    }
    for (Entry e : entries) {
      if (e.name.equals(name)) {
        throw new IllegalArgumentException("tensor " + name + " is added twice");
      }
    }
    entries.add(new Entry(name, shape.clone(), count, values));
    return this;
  }

  /**
   * Adds a string to {@code __metadata__} ({@code format: pt} is always there).
   *
   * @param key the key
   * @param value the value
   * @return this
   */
  public SafetensorsWriter metadata(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  /**
   * Writes the file atomically.
   *
   * @param file the target
   * @throws IOException when writing fails (the target is then unchanged)
   */
  public void write(Path file) throws IOException {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("__metadata__", metadata);
    long offset = 0;
    for (Entry e : entries) {
      long bytes = e.count * dtype.bytes();
      Map<String, Object> info = new LinkedHashMap<>();
      info.put("dtype", dtype.name());
      info.put("shape", e.shape);
      info.put("data_offsets", new long[] {offset, offset + bytes});
      header.put(e.name, info);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    byte[] headerBytes = new byte[padded];
    System.arraycopy(json, 0, headerBytes, 0, json.length);
    for (int i = json.length; i < padded; i++) {
      headerBytes[i] = ' ';
    }
    AtomicFiles.write(file, out -> {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
      out.write(len.array());
      out.write(headerBytes);
      for (Entry e : entries) {
        float[] v = e.values.get();
        if (v.length != e.count) {
          throw new IOException(e.name + ": expected " + e.count + " values, got " + v.length);
        }
        writeValues(out, v);
      }
    });
  }

  private void writeValues(OutputStream out, float[] values) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      if (buf.remaining() < 4) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      switch (dtype) {
        case F32 -> buf.putFloat(v);
        case F16 -> buf.putShort(HalfFloats.toF16(v));
        case BF16 -> buf.putShort(HalfFloats.toBf16(v));
        default -> throw new IllegalStateException("unsupported dtype " + dtype);
      }
    }
    out.write(buf.array(), 0, buf.position());
  }

  /**
   * Reads a tensor of any supported dtype as f32 values (bf16 and f16 converted in Java).
   *
   * @param info the tensor, from {@link SafetensorsFile#tensors()}
   * @return the values, row-major
   * @throws IOException when the bytes cannot be read
   */
  public static float[] readFloats(TensorInfo info) throws IOException {
    java.nio.MappedByteBuffer mapped = SafetensorsFile.map(info);
    try {
      ByteBuffer b = mapped.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      int n = Math.toIntExact(info.elements());
      float[] out = new float[n];
      switch (info.dtype()) {
        case F32 -> b.asFloatBuffer().get(out);
        case F16 -> {
          for (int i = 0; i < n; i++) {
            out[i] = HalfFloats.fromF16(b.getShort(2 * i));
          }
        }
        case BF16 -> {
          for (int i = 0; i < n; i++) {
            out[i] = HalfFloats.fromBf16(b.getShort(2 * i));
          }
        }
        default -> throw new IOException(info.file() + ": tensor " + info.name() + " has unsupported dtype " + info.dtype());
      }
      return out;
    } finally {
      DirectBuffers.release(mapped);
    }
  }
}
