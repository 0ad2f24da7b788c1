package io.ltm.lora.plan;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Memory sizes as people write them: {@code 96GB}, {@code 24GiB}, {@code 512MB}, {@code 1.5TB} or a
 * plain byte count. A GB is 10^9 bytes and a GiB 2^30, as a card's datasheet and {@code free -g}
 * mean them. Stateless.
 */
public final class ByteSize {
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]i?B?|B)?", Pattern.CASE_INSENSITIVE);

  private ByteSize() {}

  /**
   * Parses a size.
   *
   * @param text e.g. {@code 96GB}, {@code 80 GiB}, {@code 123456}
   * @return bytes
   * @throws IllegalArgumentException naming the text and the forms accepted
   */
  public static long parse(String text) {
    Matcher m = SIZE.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("memory size \"" + text + "\" is not a size; write e.g. 96GB, 80GiB or 24000MB");
    }
    double v = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    boolean binary = unit.contains("I");
    double base = binary ? 1024 : 1000;
    int power = switch (unit.charAt(0)) {
      case 'K' -> 1;
      case 'M' -> 2;
      case 'G' -> 3;
      case 'T' -> 4;
      default -> 0;
    };
    double bytes = v * Math.pow(base, power);
    if (!(bytes >= 1) || bytes > Long.MAX_VALUE / 2) {
      throw new IllegalArgumentException("memory size \"" + text + "\" must be at least 1 byte");
    }
    return (long) bytes;
  }

  /** {@code bytes} in GiB with two decimals, e.g. {@code 9.00 GiB}. */
  public static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
  }
}
