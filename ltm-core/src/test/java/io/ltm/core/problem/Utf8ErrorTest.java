package io.ltm.core.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Finding the first invalid UTF-8 byte by offset, line and column. */
class Utf8ErrorTest {

  @Test
  void validTextHasNoError() {
    assertThat(Utf8Error.find("Привет, мир\n# Заметка\n😀 ok".getBytes(StandardCharsets.UTF_8))).isEmpty();
    assertThat(Utf8Error.find(new byte[0])).isEmpty();
  }

  @Test
  void pointsAtTheFirstBadByteAfterMultiByteCharactersAndLines() {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    byte[] head = "line one\nмир ".getBytes(StandardCharsets.UTF_8); // 9 + 7 bytes; "мир " is 4 characters
    b.writeBytes(head);
    b.write(0xE9); // é in Latin-1
    b.writeBytes(" rest\n".getBytes(StandardCharsets.UTF_8));
    b.write(0xFF);
    Utf8Error e = Utf8Error.find(b.toByteArray()).orElseThrow();
    assertThat(e).isEqualTo(new Utf8Error(head.length, 2, 5));
    assertThat(e.describe()).isEqualTo("line 2, column 5 (byte 16)");
  }

  @Test
  void aTruncatedSequenceAtTheEndIsAnError() {
    byte[] ok = "ab".getBytes(StandardCharsets.UTF_8);
    byte[] cut = {ok[0], ok[1], (byte) 0xD0}; // the first byte of a two-byte Cyrillic letter
    assertThat(Utf8Error.find(cut)).contains(new Utf8Error(2, 1, 3));
  }
}
