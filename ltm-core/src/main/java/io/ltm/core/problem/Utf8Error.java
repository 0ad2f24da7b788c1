package io.ltm.core.problem;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Where a file stops being valid UTF-8: the first malformed byte sequence, by byte offset and by
 * 1-based line and column (columns count UTF-16 characters, as editors do for most text). Used to
 * point a user at the exact spot when a note has, say, one Latin-1 byte in it.
 *
 * @param offset byte offset of the first invalid byte
 * @param line 1-based line
 * @param column 1-based column within the line
 */
public record Utf8Error(long offset, int line, int column) {

  /** The first invalid sequence in {@code bytes}, or empty when all of it is valid UTF-8. */
  public static Optional<Utf8Error> find(byte[] bytes) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length + 1);
    CoderResult r = decoder.decode(in, out, true);
    if (!r.isError()) {
      r = decoder.flush(out);
      if (!r.isError()) {
        return Optional.empty();
      }
    }
    out.flip();
    int line = 1;
    int column = 1;
    while (out.hasRemaining()) {
      if (out.get() == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    return Optional.of(new Utf8Error(in.position(), line, column));
  }

  /** E.g. {@code line 2, column 5 (byte 12)}. */
  public String describe() {
    return "line " + line + ", column " + column + " (byte " + offset + ")";
  }
}
