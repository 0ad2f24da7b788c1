package io.ltm.lora.io;

/**
 * Element types of safetensors tensors that this engine reads and writes. BF16 is converted to f32
 * in Java (its bits are the upper half of an f32) and never handed to DJL, whose PyTorch engine
 * aborts the JVM on bf16 arrays.
 */
public enum TensorDType {
  /** IEEE 754 single precision. */
  F32(4),
  /** IEEE 754 half precision. */
  F16(2),
  /** bfloat16: the upper 16 bits of an f32. */
  BF16(2);

  private final int bytes;

  TensorDType(int bytes) {
    this.bytes = bytes;
  }

  /** Bytes per element. */
  public int bytes() {
    return bytes;
  }

  /** The dtype for a safetensors header {@code dtype} string, or null when not supported. */
  static TensorDType fromHeader(String s) {
    for (TensorDType t : values()) {
      if (t.name().equals(s)) {
        return t;
      }
    }
    return null;
  }
}
