package io.ltm.lora.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The header of one {@code .safetensors} file, checked, with memory-mapped access to each tensor's
 * bytes. The layout is: 8 bytes little-endian header length {@code N}, {@code N} bytes of JSON
 * ({@code name -> {dtype, shape, data_offsets}} plus an optional {@code __metadata__}), then the data
 * section that the offsets are relative to.
 *
 * <p>{@link #open} reads only the header and checks every entry: known dtype, offsets inside the
 * data section, sizes matching dtype times shape, no two tensors overlapping. A violation is a
 * {@link CheckpointException} naming the file and the tensor.
 *
 * <p>Immutable and thread-safe; it holds no open file. {@link #map} maps one tensor's bytes on
 * demand; the caller releases the mapping with {@link DirectBuffers#release}.
 */
public final class SafetensorsFile {
  /** Headers larger than this are rejected as corrupt (real ones are a few hundred KiB). */
  static final long MAX_HEADER_BYTES = 100L << 20;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final long dataStart;
  private final Map<String, TensorInfo> tensors;
  private final Map<String, String> metadata;

  private SafetensorsFile(Path file, long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
    this.file = file;
    this.dataStart = dataStart;
    this.tensors = tensors;
    this.metadata = metadata;
  }

  /**
   * Reads and checks the header of {@code file}.
   *
   * @throws CheckpointException if the file is missing, unreadable or malformed
   */
  public static SafetensorsFile open(Path file) {
    long size;
    byte[] headerBytes;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      size = ch.size();
      if (size < 8) {
        throw new CheckpointException(file, "truncated file: " + size + " bytes, shorter than the 8-byte header length");
      }
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long n = lenBuf.flip().getLong();
      if (n < 2 || n > size - 8) {
        throw new CheckpointException(file, "header length " + Long.toUnsignedString(n)
            + " runs past the end of the file (" + size + " bytes): not a safetensors file, or truncated");
      }
      if (n > MAX_HEADER_BYTES) {
        throw new CheckpointException(file, "header length " + n + " is over the " + MAX_HEADER_BYTES + "-byte limit: corrupt file");
      }
      ByteBuffer hb = ByteBuffer.allocate((int) n);
      readFully(ch, hb, 8);
      headerBytes = hb.array();
    } catch (NoSuchFileException e) {
      throw new CheckpointException(file, "file not found");
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
    long dataStart = 8L + headerBytes.length;
    long dataLength = size - dataStart;
    JsonNode root;
    try {
      root = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8).trim());
    } catch (JsonProcessingException e) {
      throw new CheckpointException(file, "invalid JSON header: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new CheckpointException(file, "invalid JSON header: expected an object of tensors");
    }
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = e.getKey();
      JsonNode v = e.getValue();
      if (name.equals("__metadata__")) {
        if (v.isObject()) {
          v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
        }
        continue;
      }
      tensors.put(name, parseEntry(file, name, v, dataStart, dataLength));
    }
    checkNoOverlap(file, tensors);
    return new SafetensorsFile(file, dataStart, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
  }

  private static TensorInfo parseEntry(Path file, String name, JsonNode v, long dataStart, long dataLength) {
    if (!v.isObject()) {
      throw new CheckpointException(file, name, "header entry is not an object");
    }
    JsonNode dt = v.get("dtype");
    if (dt == null || !dt.isTextual()) {
      throw new CheckpointException(file, name, "header entry has no \"dtype\" string");
    }
    TensorDType dtype = TensorDType.fromHeader(dt.asText());
    if (dtype == null) {
      throw new CheckpointException(file, name, "unknown dtype \"" + dt.asText() + "\"; supported: F32, F16, BF16");
    }
    JsonNode sh = v.get("shape");
    if (sh == null || !sh.isArray()) {
      throw new CheckpointException(file, name, "header entry has no \"shape\" array");
    }
    long[] shape = new long[sh.size()];
    long elements = 1;
    for (int i = 0; i < shape.length; i++) {
      JsonNode d = sh.get(i);
      if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
        throw new CheckpointException(file, name, "shape " + sh + " has a dimension that is not a non-negative integer");
      }
      shape[i] = d.asLong();
      elements = Math.multiplyExact(elements, shape[i]);
    }
    JsonNode off = v.get("data_offsets");
    if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()) {
      throw new CheckpointException(file, name, "header entry has no \"data_offsets\" [begin, end] pair");
    }
    long b = off.get(0).asLong();
    long e = off.get(1).asLong();
    if (b < 0 || e < b) {
      throw new CheckpointException(file, name, "data_offsets [" + b + ", " + e + "] are not an increasing pair of offsets");
    }
    if (e > dataLength) {
      throw new CheckpointException(file, name, "data_offsets [" + b + ", " + e + "] run past the end of the data section ("
          + dataLength + " bytes): the file is truncated or the header is wrong");
    }
    long need = elements * dtype.bytes();
    if (e - b != need) {
      throw new CheckpointException(file, name, "data_offsets [" + b + ", " + e + "] hold " + (e - b)
          + " bytes but " + dtype + " " + java.util.Arrays.toString(shape) + " needs " + need);
    }
    return new TensorInfo(file, name, dtype, shape, dataStart + b, dataStart + e);
  }

  private static void checkNoOverlap(Path file, Map<String, TensorInfo> tensors) {
    List<TensorInfo> sorted = new ArrayList<>(tensors.values());
    sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    for (int i = 1; i < sorted.size(); i++) {
      TensorInfo prev = sorted.get(i - 1);
      TensorInfo cur = sorted.get(i);
      if (cur.begin() < prev.end() && cur.end() > cur.begin()) {
        throw new CheckpointException(file, cur.name(), "data overlaps tensor " + prev.name()
            + " (bytes " + (cur.begin() - 8) + ".." + (prev.end() - 8) + " of the file after the length prefix)");
      }
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
    while (dst.hasRemaining()) {
      int r = ch.read(dst, pos);
      if (r < 0) {
        throw new IOException("unexpected end of file");
      }
      pos += r;
    }
  }

  /** The file this header came from. */
  public Path file() {
    return file;
  }

  /** Byte offset where the data section starts (8 + header length). */
  public long dataStart() {
    return dataStart;
  }

  /** All tensors in header order; unmodifiable. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /** The {@code __metadata__} strings; unmodifiable, empty when absent. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /**
   * Maps {@code info}'s bytes read-only, little-endian. Release with {@link DirectBuffers#release}
   * as soon as the bytes are copied so that the pages leave resident memory.
   *
   * @throws CheckpointException if the file cannot be mapped or changed since {@link #open}
   */
  public static MappedByteBuffer map(TensorInfo info) {
    long len = info.end() - info.begin();
    if (len > Integer.MAX_VALUE) {
      throw new CheckpointException(info.file(), info.name(), "tensor of " + len + " bytes is over the 2 GiB a single mapping holds");
    }
    try (FileChannel ch = FileChannel.open(info.file(), StandardOpenOption.READ)) {
      if (ch.size() < info.end()) {
        throw new CheckpointException(info.file(), info.name(), "truncated file: data ends at byte " + info.end()
            + " but the file has " + ch.size());
      }
      MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, info.begin(), len);
      buf.order(ByteOrder.LITTLE_ENDIAN);
      return buf;
    } catch (IOException e) {
      throw new CheckpointException(info.file(), info.name(), "cannot map: " + e.getMessage());
    }
  }
}
