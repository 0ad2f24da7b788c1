package io.ltm.metrics.tensorboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorBoardTest {
  @TempDir Path dir;

  @Test
  void crc32cCheckValueAndMask() {
    byte[] b = "123456789".getBytes(StandardCharsets.US_ASCII);
    assertThat(TfRecord.crc32c(b, 0, b.length)).isEqualTo(0xE3069283);
    // mask by hand: rotate right 15 of 0xE3069283 = 0x2507C60D, + 0xa282ead8 = 0xC78AB0E5
    assertThat(Integer.rotateRight(0xE3069283, 15)).isEqualTo(0x2507C60D);
    assertThat(TfRecord.mask(0xE3069283)).isEqualTo(0xC78AB0E5);
  }

  @Test
  void writerOutputEqualsTheIndependentPythonEncodingByteForByte() throws Exception {
    byte[] expected;
    try (var in = getClass().getResourceAsStream("/tensorboard/expected.tfevents")) {
      expected = in.readAllBytes();
    }
    Path f;
    try (EventFileWriter w = EventFileWriter.create(dir, 1700000000.5, "host.example")) {
      w.scalar("train/loss", 1, 2.5, 1700000001.25);
      w.scalar("train/lr", 10, 1e-4, 1700000002.0);
      w.scalar("thought/adapter/reflectivePer1k", 200, 12.75, 1700000003.0);
      w.scalar("мысли/напряжение", 300, -0.375, 1700000004.0);
      f = w.file();
    }
    assertThat(f.getFileName().toString()).isEqualTo("events.out.tfevents.1700000000.host.example");
    assertThat(Files.readAllBytes(f)).isEqualTo(expected);

    List<Event> events = EventFileWriter.read(f);
    assertThat(events).hasSize(5);
    assertThat(events.get(0).fileVersion()).isEqualTo("brain.Event:2");
    assertThat(events.get(0).wallTime()).isEqualTo(1700000000.5);
    assertThat(events.get(2).step()).isEqualTo(10);
    assertThat(events.get(2).values()).containsExactly(new Event.Scalar("train/lr", 1e-4f));
    assertThat(events.get(4).values().get(0).tag()).isEqualTo("мысли/напряжение");
  }

  @Test
  void corruptBytesAreReportedWithRecordAndOffset() throws Exception {
    byte[] good = TfRecord.frame(Event.scalar(1, 2, "a", 3f).encode());
    byte[] two = new byte[good.length * 2];
    System.arraycopy(good, 0, two, 0, good.length);
    System.arraycopy(good, 0, two, good.length, good.length);
    two[good.length + 14] ^= 1; // flip a data bit of the second record
    assertThatThrownBy(() -> TfRecord.readAll(new ByteArrayInputStream(two), "x.tfevents"))
        .hasMessageContaining("record 1 at byte " + good.length).hasMessageContaining("data CRC mismatch");
    byte[] cut = java.util.Arrays.copyOf(good, good.length - 2);
    assertThatThrownBy(() -> TfRecord.readAll(new ByteArrayInputStream(cut), "x.tfevents"))
        .hasMessageContaining("truncated");
  }

  @Test
  void aTakenNameGetsASuffixInsteadOfBeingOverwritten() throws Exception {
    Path a;
    Path b;
    try (EventFileWriter w1 = EventFileWriter.create(dir, 5.0, "h"); EventFileWriter w2 = EventFileWriter.create(dir, 5.0, "h")) {
      a = w1.file();
      b = w2.file();
    }
    assertThat(a.getFileName().toString()).isEqualTo("events.out.tfevents.5.h");
    assertThat(b.getFileName().toString()).isEqualTo("events.out.tfevents.5.h.1");
    assertThat(EventFileWriter.read(b)).hasSize(1);
  }
}
