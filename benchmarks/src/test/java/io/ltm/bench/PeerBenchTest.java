package io.ltm.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.RandomCheckpointWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PeerBench} and {@link LlamaBenchResult}: llama-bench's JSON as a real build prints it, the
 * ratio cells, and the harness end to end on a tiny random checkpoint with no llama.cpp and with a
 * stand-in llama-bench that prints the captured JSON (a few seconds; no real llama.cpp needed).
 *
 * <p>The fixture {@code llama-bench-qwen3-0.6b-f32.json} is the stdout of {@code llama-bench -m
 * benchmarks/target/qwen3-0.6b-f32.gguf -p 512 -n 128 -t 1 -r 1 -o json} (llama.cpp de3ff81, built as
 * docs/benchmarks.md says), captured on the 2-core development machine; rerun that command to
 * regenerate it.
 */
class PeerBenchTest {
  @TempDir static Path tmp;
  static Path model;

  @BeforeAll
  static void tinyModel() throws IOException {
    model = RandomCheckpointWriter.builder(CheckpointPreset.TINY_QWEN3).seed(5).build().write(tmp.resolve("tiny"));
  }

  static String fixture() throws IOException {
    try (InputStream in = PeerBenchTest.class.getResourceAsStream("llama-bench-qwen3-0.6b-f32.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void parsesRealLlamaBenchJson() throws IOException {
    List<LlamaBenchResult> r = LlamaBenchResult.parse(fixture());
    assertEquals(2, r.size());
    LlamaBenchResult pp = r.get(0);
    LlamaBenchResult tg = r.get(1);
    assertTrue(pp.isPrompt());
    assertEquals(512, pp.nPrompt());
    assertEquals(0, pp.nGen());
    assertEquals(1, pp.threads());
    assertEquals(1, pp.samples().size());
    assertEquals(71.500764, pp.tokensPerSecond(), 1e-9); // avg_ts, not the rounded samples_ts
    assertEquals(pp.samples().get(0), pp.tokensPerSecond(), 1e-3); // one repetition: the mean is the sample
    assertEquals(3.06337, tg.tokensPerSecond(), 1e-6);
    assertEquals("KV cache f16/f16, flash_attn -1", pp.settings());
    assertTrue(pp.tokensPerSecond() > 1 && pp.tokensPerSecond() < 10_000, "pp512 tok/s " + pp.tokensPerSecond());
    assertTrue(!tg.isPrompt() && tg.nGen() == 128 && tg.nPrompt() == 0);
    assertTrue(tg.tokensPerSecond() > 0.1 && tg.tokensPerSecond() < pp.tokensPerSecond());
    assertTrue(pp.modelType().startsWith("qwen3"), pp.modelType());
    assertTrue(pp.modelBytes() > 2_000_000_000L, "f32 0.6B model: " + pp.modelBytes());
    assertTrue(pp.buildCommit().startsWith("de3ff81"), pp.buildCommit());

    PeerBench.Sample s = PeerBench.llamaSample(r, 1, 0, 0.9);
    assertEquals(pp.tokensPerSecond(), s.prefillTps());
    assertEquals(tg.tokensPerSecond(), s.decodeTps());
  }

  @Test
  void rejectsWhatIsNotLlamaBenchJson() {
    IllegalArgumentException md = assertThrows(IllegalArgumentException.class,
        () -> LlamaBenchResult.parse("| model | size |\n|---|---|"));
    assertTrue(md.getMessage().contains("-o json"), md.getMessage());
    IllegalArgumentException field = assertThrows(IllegalArgumentException.class,
        () -> LlamaBenchResult.parse("[{\"n_prompt\": 512, \"n_gen\": 0, \"n_threads\": 1}]"));
    assertTrue(field.getMessage().contains("entry 0") && field.getMessage().contains("avg_ts"), field.getMessage());
  }

  @Test
  void cellGivesRangesAndTheMedianOfPerRoundRatios() {
    List<PeerBench.Sample> s = List.of(
        new PeerBench.Sample("ltm", 2, 0, 100, 6, 0, 0),
        new PeerBench.Sample("llama.cpp", 2, 0, 125, 12, 0, 0),
        new PeerBench.Sample("llama.cpp", 2, 1, 120, 12, 0, 0),
        new PeerBench.Sample("ltm", 2, 1, 90, 7.2, 0, 0),
        new PeerBench.Sample("ltm", 2, 2, 117, 6.6, 0, 0),
        new PeerBench.Sample("llama.cpp", 2, 2, 130, 11, 0, 0));
    // prefill ratios 0.80, 0.75, 0.90 -> median 0.80; decode ratios 0.50, 0.60, 0.60 -> 0.60
    assertEquals("90–117 / 120–130 tok/s: **0.80x** (0.75–0.90)", PeerBench.cell(s, true));
    assertEquals("6.0–7.2 / 11.0–12.0 tok/s: **0.60x** (0.50–0.60)", PeerBench.cell(s, false));
  }

  @Test
  void withoutLlamaCppSaysSoAndMeasuresLtmAlone() throws Exception {
    Path out = tmp.resolve("alone.md");
    String[] args = {"--model", model.toString(), "--prefill", "8", "--new", "4", "--rounds", "2", "--threads", "1",
        "--in-process", "--out", out.toString()};
    String md = PeerBench.run(PeerBench.Options.parse(args), List.of(args));
    assertTrue(md.contains("no llama.cpp build given (--llama-bench PATH): measuring ltm alone"), md);
    assertTrue(md.contains("/ — tok/s (no llama.cpp)"), md);
    assertTrue(md.contains("| 2 (llama.cpp first) | 1 |"), md);
    assertTrue(md.matches("(?s).*\\| [0-9.]+ / [0-9.]+ \\| — \\|\n.*"), "ltm cores column: " + md);
    assertEquals(md, Files.readString(out));

    Path missing = tmp.resolve("no-such-build/llama-bench");
    String[] args2 = {"--llama-bench", missing.toString(), "--model", model.toString(), "--prefill", "8", "--new", "4",
        "--rounds", "1", "--threads", "1", "--in-process"};
    String md2 = PeerBench.run(PeerBench.Options.parse(args2), List.of(args2));
    assertTrue(md2.contains("no llama-bench executable at " + missing + ": measuring ltm alone"), md2);
  }

  @Test
  void alternatesWithLlamaBench() throws Exception {
    Path argsLog = tmp.resolve("args.log");
    Path fake = fakeLlamaBench("llama-bench", argsLog);
    Path gguf = tmp.resolve("m.gguf");
    Files.writeString(gguf, "not read by the stand-in");
    String[] args = {"--llama-bench", fake.toString(), "--gguf", gguf.toString(), "--model", model.toString(),
        "--prefill", "8", "--new", "4", "--rounds", "3", "--threads", "1", "--in-process"};
    String md = PeerBench.run(PeerBench.Options.parse(args), List.of(args));
    List<String> calls = Files.readAllLines(argsLog);
    assertEquals(3, calls.size(), "one llama-bench run per round");
    assertEquals("-m " + gguf + " -p 8 -n 4 -t 1 -r 1 -o json", calls.get(0));
    assertTrue(md.contains("KV cache f16/f16, flash_attn -1"), md);
    assertTrue(md.matches("(?s).*\\| 1 \\| [0-9.]+–[0-9.]+ / [0-9.]+–[0-9.]+ tok/s: \\*\\*[0-9.]+x\\*\\* .*"), md);
    assertTrue(md.contains("build de3ff81"), md);
    assertTrue(md.matches("(?s).*\\| [0-9.]+ / [0-9.]+ \\| [0-9]\\.[0-9]{2} \\|\n.*"), "llama-bench cores: " + md);

    String[] noGguf = {"--llama-bench", fake.toString(), "--model", model.toString()};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeerBench.Options.parse(noGguf));
    assertTrue(e.getMessage().contains("--gguf FILE"), e.getMessage());
  }

  @Test
  void depthAddsADecodeAfterALongPromptOnBothSides() throws Exception {
    Path argsLog = tmp.resolve("args-depth.log");
    Path fake = fakeLlamaBench("llama-bench-depth", argsLog);
    Path gguf = tmp.resolve("m.gguf");
    Files.writeString(gguf, "not read by the stand-in");
    String[] args = {"--llama-bench", fake.toString(), "--gguf", gguf.toString(), "--model", model.toString(),
        "--prefill", "8", "--new", "4", "--depth", "12", "--rounds", "2", "--threads", "1", "--in-process"};
    String md = PeerBench.run(PeerBench.Options.parse(args), List.of(args));
    List<String> calls = Files.readAllLines(argsLog);
    assertEquals(List.of("-m " + gguf + " -p 8 -n 4 -t 1 -r 1 -o json", "-m " + gguf + " -p 0 -n 4 -t 1 -r 1 -o json -d 12",
        "-m " + gguf + " -p 8 -n 4 -t 1 -r 1 -o json", "-m " + gguf + " -p 0 -n 4 -t 1 -r 1 -o json -d 12"), calls);
    assertTrue(md.contains("| threads | prefill 8, ltm / llama.cpp | decode, ltm / llama.cpp | decode after 12 tokens, "
        + "ltm / llama.cpp |"), md);
    // three ratio cells in the thread count's row, the last one the decode after 12 tokens
    assertTrue(md.matches("(?s).*\\| 1 \\|( [0-9.]+–[0-9.]+ / [0-9.]+–[0-9.]+ tok/s: \\*\\*[0-9.]+x\\*\\* \\([0-9.–]+\\) \\|){3}\n.*"),
        md);
    assertTrue(md.contains("| ltm decode after 12 | llama.cpp decode after 12 |"), md);
    assertThrows(IllegalArgumentException.class, () -> PeerBench.Options.parse(new String[] {"--depth", "-1"}));
  }

  /** A stand-in llama-bench named {@code name}: prints the captured JSON, appends its arguments to {@code argsLog}. */
  private static Path fakeLlamaBench(String name, Path argsLog) throws IOException {
    Path json = tmp.resolve(name + ".json");
    Files.writeString(json, fixture());
    Path fake = tmp.resolve(name);
    Files.writeString(fake, "#!/bin/sh\necho \"$@\" >> '" + argsLog + "'\ncat '" + json + "'\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    return fake;
  }
}
