package io.ltm.lora.io;

/**
 * Conversions between f32 and the two 16-bit float formats of safetensors files, done in Java (DJL's
 * PyTorch engine aborts the JVM on bf16 arrays). Both directions round to nearest, ties to even, as
 * PyTorch's casts do; NaN stays NaN and overflow becomes infinity. Stateless and thread-safe.
 */
public final class HalfFloats {

  private HalfFloats() {}

  /**
   * f32 to bf16 bits (the upper half of the f32, rounded to nearest even).
   *
   * @param f the value
   * @return the bf16 bit pattern in the low 16 bits
   */
  public static short toBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    int lsb = (bits >>> 16) & 1;
    int rounded = bits + 0x7FFF + lsb;
    return (short) (rounded >>> 16);
  }

  /**
   * bf16 bits to f32 (exact).
   *
   * @param h the bf16 bit pattern
   * @return the value
   */
  public static float fromBf16(short h) {
    return Float.intBitsToFloat((h & 0xFFFF) << 16);
  }

  /**
   * f32 to IEEE half bits, rounded to nearest even, with subnormals.
   *
   * @param f the value
   * @return the f16 bit pattern in the low 16 bits
   */
  public static short toF16(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xFF;
    int mant = bits & 0x7FFFFF;
    if (exp == 0xFF) { // inf or NaN
      return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1F) {
      return (short) (sign | 0x7C00); // overflow to infinity
    }
    if (e <= 0) { // subnormal half or zero
      if (e < -10) {
        return (short) sign;
      }
      mant |= 0x800000; // implicit bit
      int shift = 14 - e; // 24-bit mantissa down to (10 + e) bits
      int half = mant >>> shift;
      int rem = mant & ((1 << shift) - 1);
      int midpoint = 1 << (shift - 1);
      if (rem > midpoint || (rem == midpoint && (half & 1) == 1)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >>> 13);
    int rem = mant & 0x1FFF;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
      half++; // may carry into the exponent, up to infinity: correct
    }
    return (short) (sign | half);
  }

  /**
   * IEEE half bits to f32 (exact).
   *
   * @param h the f16 bit pattern
   * @return the value
   */
  public static float fromF16(short h) {
    int bits = h & 0xFFFF;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1F;
    int mant = bits & 0x3FF;
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      float v = mant / 1024f / 16384f; // 2^-14 * mant/1024
      return sign != 0 ? -v : v;
    }
    if (exp == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
    }
    return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
  }
}
