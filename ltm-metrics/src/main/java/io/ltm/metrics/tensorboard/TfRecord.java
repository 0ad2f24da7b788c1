package io.ltm.metrics.tensorboard;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * TFRecord framing, the container of TensorBoard event files. Each record is
 *
 * <pre>
 * uint64 length            (little-endian)
 * uint32 masked_crc32c(length bytes)
 * byte   data[length]
 * uint32 masked_crc32c(data)
 * </pre>
 *
 * with {@code masked(crc) = ((crc >>> 15) | (crc << 17)) + 0xa282ead8} in 32-bit arithmetic and CRC32C
 * the Castagnoli CRC ({@link CRC32C}). Stateless.
 */
public final class TfRecord {
  /** The constant added when masking a CRC. */
  public static final int MASK_DELTA = 0xa282ead8;

  private TfRecord() {}

  /** CRC32C of {@code bytes[off, off+len)}. */
  public static int crc32c(byte[] bytes, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(bytes, off, len);
    return (int) c.getValue();
  }

  /** The masked form of a CRC. */
  public static int mask(int crc) {
    return ((crc >>> 15) | (crc << 17)) + MASK_DELTA;
  }

  /** The framed bytes of one record holding {@code data}. */
  public static byte[] frame(byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(8 + 4 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(data.length);
    b.putInt(mask(crc32c(b.array(), 0, 8)));
    b.put(data);
    b.putInt(mask(crc32c(data, 0, data.length)));
    return b.array();
  }

  /**
   * Reads every record of a stream, checking both CRCs.
   *
   * @param source named in error messages
   * @throws IOException naming the record index and byte offset on a CRC mismatch or a truncated record
   */
  public static List<byte[]> readAll(InputStream in, String source) throws IOException {
    List<byte[]> out = new ArrayList<>();
    long offset = 0;
    byte[] header = new byte[12];
    while (true) {
      int n = in.readNBytes(header, 0, 12);
      if (n == 0) {
        return out;
      }
      if (n < 12) {
        throw new EOFException(source + ": record " + out.size() + " at byte " + offset + " is truncated (header)");
      }
      ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
      long len = h.getLong();
      int lenCrc = h.getInt();
      if (mask(crc32c(header, 0, 8)) != lenCrc) {
        throw new IOException(source + ": record " + out.size() + " at byte " + offset + ": length CRC mismatch (corrupt file)");
      }
      if (len < 0 || len > Integer.MAX_VALUE - 16) {
        throw new IOException(source + ": record " + out.size() + " at byte " + offset + ": length " + len + " out of range");
      }
      byte[] data = in.readNBytes((int) len);
      byte[] crc = in.readNBytes(4);
      if (data.length < len || crc.length < 4) {
        throw new EOFException(source + ": record " + out.size() + " at byte " + offset + " is truncated (data)");
      }
      int dataCrc = ByteBuffer.wrap(crc).order(ByteOrder.LITTLE_ENDIAN).getInt();
      if (mask(crc32c(data, 0, data.length)) != dataCrc) {
        throw new IOException(source + ": record " + out.size() + " at byte " + offset + ": data CRC mismatch (corrupt file)");
      }
      out.add(data);
      offset += 16 + len;
    }
  }
}
