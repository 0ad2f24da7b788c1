package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ltm serve}'s usage errors, caught before any model loads (the server itself: ltm-server's tests). */
class ServeCommandTest {
  @TempDir Path tmp;

  @Test
  void anAdapterWithoutANameIsAUsageError() {
    CliRun r = CliRun.of("serve", "--base", tmp.toString(), "--adapter", "runs/poet");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--adapter needs NAME=DIR").contains("runs/poet");
  }

  @Test
  void anotherHostNeedsAnApiKey() {
    CliRun r = CliRun.of("serve", "--base", tmp.toString(), "--host", "0.0.0.0");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--host 0.0.0.0").contains("--api-key");
  }

  @Test
  void aMissingBaseFolderIsNamed() {
    CliRun r = CliRun.of("serve", "--base", tmp.resolve("nope").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("nope").contains("ltm random-model");
  }

  @Test
  void badNumbersNameTheirFlag() {
    assertThat(CliRun.of("serve", "--base", tmp.toString(), "--port", "70000").err()).contains("--port");
    assertThat(CliRun.of("serve", "--base", tmp.toString(), "--max-batch", "0").err()).contains("--max-batch");
  }
}
