package io.ltm.metrics.tensorboard;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The subset of TensorFlow's {@code Event} protobuf that scalar logging needs, encoded by hand:
 *
 * <pre>
 * message Event   { double wall_time = 1; int64 step = 2;
 *                   oneof what { string file_version = 3; Summary summary = 5; } }
 * message Summary { repeated Value value = 1; }
 * message Value   { string tag = 1; float simple_value = 2; }
 * </pre>
 *
 * An event carries either a file version ({@code "brain.Event:2"}, the first event of every file) or
 * scalar values.
 *
 * @param wallTime seconds since the epoch
 * @param step global step
 * @param fileVersion the file version, or null for a summary event
 * @param values the scalar values of a summary event, empty for a version event
 */
public record Event(double wallTime, long step, String fileVersion, List<Scalar> values) {
  /** The file version TensorBoard expects in the first event. */
  public static final String FILE_VERSION = "brain.Event:2";

  public Event {
    values = List.copyOf(values);
    if ((fileVersion == null) == values.isEmpty()) {
      throw new IllegalArgumentException("an event holds either a file version or scalar values");
    }
  }

  /** One tagged scalar. */
  public record Scalar(String tag, float value) {
    public Scalar {
      Objects.requireNonNull(tag, "tag");
    }
  }

  /** The first event of a file. */
  public static Event fileVersion(double wallTime) {
    return new Event(wallTime, 0, FILE_VERSION, List.of());
  }

  /** A summary event of one scalar. */
  public static Event scalar(double wallTime, long step, String tag, float value) {
    return new Event(wallTime, step, null, List.of(new Scalar(tag, value)));
  }

  /** The protobuf wire bytes. */
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    out.write(0x09); // field 1, fixed64
    writeFixed64(out, Double.doubleToLongBits(wallTime));
    if (step != 0) {
      out.write(0x10); // field 2, varint
      writeVarint(out, step);
    }
    if (fileVersion != null) {
      writeBytes(out, 0x1a, fileVersion.getBytes(StandardCharsets.UTF_8)); // field 3
    } else {
      ByteArrayOutputStream summary = new ByteArrayOutputStream();
      for (Scalar s : values) {
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        writeBytes(value, 0x0a, s.tag().getBytes(StandardCharsets.UTF_8)); // Value.tag = 1
        value.write(0x15); // Value.simple_value = 2, fixed32
        int bits = Float.floatToIntBits(s.value());
        for (int i = 0; i < 4; i++) {
          value.write((bits >>> (8 * i)) & 0xff);
        }
        writeBytes(summary, 0x0a, value.toByteArray()); // Summary.value = 1
      }
      writeBytes(out, 0x2a, summary.toByteArray()); // Event.summary = 5
    }
    return out.toByteArray();
  }

  private static void writeFixed64(ByteArrayOutputStream out, long v) {
    for (int i = 0; i < 8; i++) {
      out.write((int) (v >>> (8 * i)) & 0xff);
    }
  }

  private static void writeVarint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  private static void writeBytes(ByteArrayOutputStream out, int tag, byte[] b) {
    out.write(tag);
    writeVarint(out, b.length);
    out.write(b, 0, b.length);
  }

  /**
   * Decodes an event; fields this subset does not know are skipped.
   *
   * @throws IllegalArgumentException for bytes that are not a well-formed event
   */
  public static Event decode(byte[] bytes) {
    Reader r = new Reader(bytes, 0, bytes.length);
    double wall = 0;
    long step = 0;
    String version = null;
    List<Scalar> values = new ArrayList<>();
    while (r.more()) {
      long key = r.varint();
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      if (field == 1 && wire == 1) {
        wall = Double.longBitsToDouble(r.fixed64());
      } else if (field == 2 && wire == 0) {
        step = r.varint();
      } else if (field == 3 && wire == 2) {
        version = new String(r.bytes(), StandardCharsets.UTF_8);
      } else if (field == 5 && wire == 2) {
        byte[] summary = r.bytes();
        Reader s = new Reader(summary, 0, summary.length);
        while (s.more()) {
          long sk = s.varint();
          if ((sk >>> 3) == 1 && (sk & 7) == 2) {
            byte[] value = s.bytes();
            Reader v = new Reader(value, 0, value.length);
            String tag = "";
            float val = Float.NaN;
            while (v.more()) {
              long vk = v.varint();
              if ((vk >>> 3) == 1 && (vk & 7) == 2) {
                tag = new String(v.bytes(), StandardCharsets.UTF_8);
              } else if ((vk >>> 3) == 2 && (vk & 7) == 5) {
                val = Float.intBitsToFloat(v.fixed32());
              } else {
                v.skip((int) (vk & 7));
              }
            }
            values.add(new Scalar(tag, val));
          } else {
            s.skip((int) (sk & 7));
          }
        }
      } else {
        r.skip(wire);
      }
    }
    if (version == null && values.isEmpty()) {
      throw new IllegalArgumentException("event has neither a file version nor scalar values");
    }
    return new Event(wall, step, version, values);
  }

  /** A cursor over protobuf wire bytes. */
  private static final class Reader {
    private final byte[] b;
    private int pos;
    private final int end;

    Reader(byte[] b, int off, int len) {
      this.b = b;
      this.pos = off;
      this.end = off + len;
    }

    boolean more() {
      return pos < end;
    }

    private void need(int n) {
      if (pos + n > end) {
        throw new IllegalArgumentException("truncated protobuf at byte " + pos);
      }
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        need(1);
        int x = b[pos++] & 0xff;
        v |= (long) (x & 0x7f) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("varint longer than 10 bytes at byte " + pos);
    }

    long fixed64() {
      need(8);
      long v = ByteBuffer.wrap(b, pos, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
      pos += 8;
      return v;
    }

    int fixed32() {
      need(4);
      int v = ByteBuffer.wrap(b, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
      pos += 4;
      return v;
    }

    byte[] bytes() {
      long len = varint();
      if (len < 0 || len > end - pos) {
        throw new IllegalArgumentException("length " + len + " runs past the end at byte " + pos);
      }
      byte[] out = java.util.Arrays.copyOfRange(b, pos, pos + (int) len);
      pos += (int) len;
      return out;
    }

    void skip(int wire) {
      switch (wire) {
        case 0:
          varint();
          break;
        case 1:
          need(8);
          pos += 8;
          break;
        case 2:
          bytes();
          break;
        case 5:
          need(4);
          pos += 4;
          break;
        default:
          throw new IllegalArgumentException("unsupported wire type " + wire + " at byte " + pos);
      }
    }
  }
}
