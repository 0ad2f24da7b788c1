package io.ltm.lora.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Objects;

/**
 * The frozen base projection {@code y = x W^T + b} with {@code W [out, in]} as stored in the
 * checkpoint. The transposed view is taken once at load time so a forward is a single matMul of
 * {@code [tokens, in] x [in, out]}. When the weights are f16 (on CUDA) the input is cast to f16 for
 * the matMul and the result back to f32.
 */
public final class LinearProjection implements Projection {
  private final String name;
  private final NDArray weight; // (out, in)
  private final NDArray weightT; // (in, out), a view of weight
  private final NDArray bias; // (out) or null

  /**
   * @param name HF module name
   * @param weight {@code [out, in]}, owned by the model's manager
   * @param bias {@code [out]} or null, owned by the model's manager
   */
  public LinearProjection(String name, NDArray weight, NDArray bias) {
    this.name = Objects.requireNonNull(name, "name");
    this.weight = Objects.requireNonNull(weight, "weight");
    if (weight.getShape().dimension() != 2) {
      throw new IllegalArgumentException(name + ": weight must be 2-D but is " + weight.getShape());
    }
    if (bias != null && bias.getShape().size() != weight.getShape().get(0)) {
      throw new IllegalArgumentException(name + ": bias " + bias.getShape() + " does not match weight " + weight.getShape());
    }
    this.weightT = weight.transpose();
    this.bias = bias;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long inFeatures() {
    return weight.getShape().get(1);
  }

  @Override
  public long outFeatures() {
    return weight.getShape().get(0);
  }

  /** The frozen weight {@code [out, in]} (owned by the model; do not close). */
  public NDArray weight() {
    return weight;
  }

  /** The frozen bias {@code [out]}, or null. */
  public NDArray bias() {
    return bias;
  }

  @Override
  public NDArray apply(NDArray x) {
    DataType wt = weightT.getDataType();
    NDArray y;
    if (wt == DataType.FLOAT32) {
      y = x.matMul(weightT); // (..., out)
    } else {
      y = x.toType(wt, false).matMul(weightT).toType(DataType.FLOAT32, false);
    }
    return bias == null ? y : y.add(bias);
  }
}
