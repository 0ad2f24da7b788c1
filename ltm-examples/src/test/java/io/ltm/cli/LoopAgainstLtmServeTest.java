package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.core.loop.TraceReader;
import io.ltm.core.loop.TraceRecord;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.LoraModule;
import io.ltm.server.OpenAiServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two bridges of the OpenAI API meet: {@code ltm loop --backend openai} runs the thinking loop against a
 * real {@code ltm serve} server (ltm-server over HTTP on 127.0.0.1), with the base and an adapter by served
 * name; its traces and metrics come out as with the local engine, and at temperature 0 the served base
 * answers what the local engine answers for the same probe (the same tokens; the server trims whitespace
 * around the answer).
 */
class LoopAgainstLtmServeTest {
  @TempDir Path tmp;

  @Test
  void loopOverHttpMatchesTheLocalEngineAndFeedsTheMetrics() throws Exception {
    Path base = tmp.resolve("tiny-qwen3");
    CliRun made = CliRun.of("random-model", "--preset", "tiny-qwen3", "--seed", "4", "--out", base.toString());
    assertThat(made.code()).as(made.err()).isZero();
    Path probes = tmp.resolve("probes.yaml");
    Files.writeString(probes, "- id: first\n  prompt: What keeps the first run from starting?\n"
        + "- id: second\n  lang: ru\n  prompt: Что значит помнить для модели?\n");
    String[] loopFlags = {"--probes", probes.toString(), "--iterations", "2", "--all-iterations", "--max-new-tokens", "12"};

    Path remoteTraces = tmp.resolve("remote.jsonl");
    try (LocalModel model = LocalModel.open(base, LoadOptions.cpu()); LoraModel lora = new LoraModel(model.decoder())) {
      LoraAdapter poet = lora.create("poet", LoraConfig.builder().optR(4).optLoraAlpha(8).build(), 1);
      Random rnd = new Random(5);
      for (LoraModule m : poet.modules().values()) { // B = 0 would make the adapter the base
        float[] b = new float[(int) m.loraB().size()];
        for (int i = 0; i < b.length; i++) {
          b[i] = (float) (rnd.nextGaussian() * 0.05);
        }
        m.loraB().set(b);
      }
      try (OpenAiServer server = OpenAiServer.builder().model(model).lora(lora).port(0).build().start()) {
        String served = server.modelNames().get(0);
        assertThat(server.modelNames()).contains("poet");
        CliRun r = CliRun.of(concat(new String[] {"loop", "--backend", "openai", "--url", server.url(), "--model", served,
            "--adapter-model", "poet", "--out", remoteTraces.toString()}, loopFlags));
        assertThat(r.code()).as(r.err() + r.out()).isZero();
        // The example main a developer copies does the same through the library.
        var exampleMetrics = io.ltm.examples.ServerLoopExample.run(server.url(), "poet", tmp.resolve("example.jsonl"),
            "What is a thought?", 2, 8);
        assertThat(exampleMetrics).hasSize(2);
        assertThat(exampleMetrics.get(0).record().tokens()).isNotEmpty();
      }
    }
    List<TraceRecord> remote = TraceReader.read(remoteTraces).records();
    assertThat(remote).hasSize(2 * 2 * 2); // probes x (base, poet) x iterations
    for (TraceRecord t : remote) {
      assertThat(t.failure()).isNull();
      assertThat(t.tokens()).isNotEmpty().allSatisfy(tok -> assertThat(tok.logprob()).isFinite().isLessThanOrEqualTo(0));
      assertThat(t.entropyTopK()).as("entropies over the returned top_logprobs are marked as estimates").isNotNull();
    }
    assertThat(remote.stream().map(TraceRecord::adapter).distinct()).contains("poet");

    // The same probes on the local engine: at temperature 0 the served base gives the same text.
    CliRun localBase = CliRun.of(concat(new String[] {"loop", "--base", base.toString(), "--out",
        tmp.resolve("local-base.jsonl").toString()}, loopFlags));
    assertThat(localBase.code()).as(localBase.err()).isZero();
    List<TraceRecord> localRecords = TraceReader.read(tmp.resolve("local-base.jsonl")).records();
    for (String probe : List.of("first", "second")) {
      TraceRecord l = first(localRecords, probe, null);
      TraceRecord s = first(remote, probe, null);
      // The same tokens; the server trims the whitespace around the answer (as OpenAI-style servers return
      // content), the local engine keeps it.
      assertThat(s.answer().strip()).as("served vs local answer of %s", probe).isEqualTo(l.answer().strip());
      assertThat(s.reasoning().strip()).as("served vs local reasoning of %s", probe).isEqualTo(l.reasoning().strip());
      assertThat(s.tokens()).hasSameSizeAs(l.tokens());
    }

    CliRun metrics = CliRun.of("metrics", remoteTraces.toString(), "--json");
    assertThat(metrics.code()).as(metrics.err()).isZero();
    JsonNode m = new ObjectMapper().readTree(metrics.out());
    assertThat(m.get("traces").size()).isEqualTo(remote.size());
    assertThat(m.get("groups").toString()).contains("poet");
  }

  private static TraceRecord first(List<TraceRecord> records, String probe, String adapter) {
    return records.stream().filter(t -> t.probeId().equals(probe) && t.iteration() == 0
        && java.util.Objects.equals(t.adapter(), adapter)).findFirst().orElseThrow();
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
