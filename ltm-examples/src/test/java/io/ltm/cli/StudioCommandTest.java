package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code ltm studio}: loopback by default and its URL printed; another host needs a token and warns. */
class StudioCommandTest {

  @Test
  void anotherHostWithoutATokenIsAUsageError() {
    CliRun r = CliRun.of("studio", "--host", "0.0.0.0", "--port", "0");
    assertThat(r.code()).isEqualTo(LtmCli.USAGE_ERROR);
    assertThat(r.err()).contains("--token");
  }

  @Test
  void printsItsLoopbackUrl() {
    CliRun r = CliRun.of("studio", "--port", "0", "--exit-after-start");
    assertThat(r.code()).as(r.err()).isEqualTo(LtmCli.OK);
    assertThat(r.out()).containsPattern("ltm studio: http://127\\.0\\.0\\.1:\\d+/\n");
    assertThat(r.err()).contains("RANDOM model").doesNotContain("WARNING");
  }

  @Test
  void anotherHostWithATokenWarnsAndPrintsTheTokenUrl() {
    CliRun r = CliRun.of("studio", "--host", "0.0.0.0", "--port", "0", "--token", "a-long-enough-token-42", "--exit-after-start");
    assertThat(r.code()).as(r.err()).isEqualTo(LtmCli.OK);
    assertThat(r.err()).contains("WARNING: listening on 0.0.0.0");
    assertThat(r.out()).containsPattern("http://0\\.0\\.0\\.0:\\d+/\\?token=a-long-enough-token-42");
  }
}
