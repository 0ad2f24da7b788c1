package io.ltm.lora.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's entry in a safetensors header.
 *
 * @param file the safetensors file that holds it
 * @param name the tensor name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype element type
 * @param shape dimensions (a copy is kept; {@link #shape()} returns a copy)
 * @param begin absolute byte offset of the data in {@code file}
 * @param end absolute byte offset one past the data
 */
public record TensorInfo(Path file, String name, TensorDType dtype, long[] shape, long begin, long end) {
  public TensorInfo {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Number of elements. */
  public long elements() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  /** True when this tensor has exactly {@code dims}. */
  public boolean hasShape(long... dims) {
    return Arrays.equals(shape, dims);
  }

  /** The shape as {@code [a, b]}. */
  public String shapeString() {
    return Arrays.toString(shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t && t.file.equals(file) && t.name.equals(name) && t.dtype == dtype
        && Arrays.equals(t.shape, shape) && t.begin == begin && t.end == end;
  }

  @Override
  public int hashCode() {
    return Objects.hash(file, name, dtype, Arrays.hashCode(shape), begin, end);
  }

  @Override
  public String toString() {
    return name + " " + dtype + shapeString() + " @" + file.getFileName() + "[" + begin + "," + end + ")";
  }
}
