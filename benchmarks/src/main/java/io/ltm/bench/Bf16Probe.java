package io.ltm.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ltm.lora.io.LoadOptions;

/**
 * Can this DJL JNI hold bf16 on a device? Makes an f32 matrix, converts it to bf16, multiplies it and reads
 * it back as f32. DJL 0.36.0's stock JNI has no bf16 case in its dtype switch and aborts the JVM ("terminate
 * called without an active exception"), so run this in its own JVM: {@code gpu/prove.sh} does, and reads the
 * exit status. Prints {@code bf16 on DEVICE: ok, max |err| E} when it works.
 */
public final class Bf16Probe {
  private Bf16Probe() {}

  public static void main(String[] args) {
    Device dev = LoadOptions.parseDevice(args.length > 0 ? args[0] : "cpu");
    try (NDManager m = NDManager.newBaseManager(dev)) {
      NDArray a = m.randomUniform(-1, 1, new Shape(256, 256)); // (256, 256) f32
      NDArray b = a.toType(DataType.BFLOAT16, true); // aborts with the stock JNI
      NDArray c = b.matMul(b).toType(DataType.FLOAT32, false);
      NDArray ref = a.matMul(a);
      float err = c.sub(ref).abs().max().getFloat();
      System.out.printf("bf16 on %s: ok, dtype %s, max |err| of a 256^3 bf16 matmul vs f32 %.4f%n", dev, b.getDataType(), err);
    }
  }
}
