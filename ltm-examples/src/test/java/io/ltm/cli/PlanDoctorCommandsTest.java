package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ltm plan}, the plan in {@code ltm train}, and {@code ltm doctor --device cpu --quick}. */
class PlanDoctorCommandsTest {
  @TempDir static Path tmp;
  static Path model;
  static final String FIXTURES = Path.of("..", "ltm-lora", "src", "test", "resources", "configs").toString();

  @BeforeAll
  static void writeModel() {
    model = tmp.resolve("tiny");
    CliRun r = CliRun.of("random-model", "--preset", "tiny-qwen3", "--seed", "4", "--out",
        model.toString(), "--tokenizer", Path.of("..", "examples", "tokenizer", "qwen3").toString());
    assertThat(r.code()).as(r.err()).isZero();
  }

  @Test
  void planJsonOfThe30bMoeOnA96GbCard() throws Exception {
    CliRun r = CliRun.of("plan", "--base", FIXTURES + "/Qwen3-30B-A3B.config.json", "--device", "cuda", "--memory", "96GB",
        "--gradient-checkpointing", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("parameters").get("total").asLong()).isBetween(30_400_000_000L, 30_600_000_000L);
    assertThat(j.get("parameters").get("active").asLong()).isBetween(3_300_000_000L, 3_400_000_000L);
    // f16 weights alone are 61 GB: they fit 96 GB, and so does the checkpointed training
    assertThat(j.get("train").get("parts").get("frozen_weights").asLong()).isEqualTo(2 * j.get("parameters").get("total").asLong());
    assertThat(j.get("fits").get("train").asBoolean()).isTrue();
    assertThat(j.get("fits").get("generate").asBoolean()).isTrue();
    assertThat(j.get("memory").get("bytes").asLong()).isEqualTo(96_000_000_000L);
    // --kv-cache f16 halves the planned KV cache and nothing else
    CliRun half = CliRun.of("plan", "--base", FIXTURES + "/Qwen3-30B-A3B.config.json", "--device", "cuda", "--memory", "96GB",
        "--gradient-checkpointing", "--json", "--kv-cache", "f16");
    assertThat(half.code()).as(half.err()).isZero();
    JsonNode h = new ObjectMapper().readTree(half.out());
    long kv = j.get("generate").get("parts").get("kv_cache").asLong();
    assertThat(kv).isPositive();
    assertThat(h.get("generate").get("parts").get("kv_cache").asLong() * 2).isEqualTo(kv);
    assertThat(h.get("train")).isEqualTo(j.get("train"));
  }

  @Test
  void planSaysWhatToChangeWhenItDoesNotFit() {
    CliRun r = CliRun.of("plan", "--base", FIXTURES + "/Qwen3-32B.config.json", "--device", "cuda", "--memory", "96GB",
        "--max-len", "8192");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("train: peak").contains("does NOT fit").contains("to fit: --gradient-checkpointing");
    CliRun bad = CliRun.of("plan", "--base", model.toString(), "--memory", "lots");
    assertThat(bad.code()).isEqualTo(LtmCli.USAGE_ERROR);
    assertThat(bad.err()).contains("96GB");
  }

  @Test
  void trainPrintsThePlanAndRefusesARunThatDoesNotFit() {
    String[] args = {"train", "--base", model.toString(), "--scenes", "../examples/scenes", "--out", tmp.resolve("run").toString(),
        "--steps", "1", "--max-len", "64", "--truncate", "--memory", "100MB"};
    CliRun refused = CliRun.of(args);
    assertThat(refused.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(refused.err()).contains("plan: qwen3, cpu: train peak").contains("DOES NOT FIT").contains("--force");
    String[] forced = java.util.Arrays.copyOf(args, args.length + 1);
    forced[args.length] = "--force";
    CliRun ran = CliRun.of(forced);
    assertThat(ran.code()).as(ran.err()).isZero();
    assertThat(ran.err()).contains("training anyway (--force)");
    assertThat(ran.out()).contains("trained 1 steps");
  }

  @Test
  void doctorOnTheCpuPassesAndReportsEveryCheck() throws Exception {
    CliRun r = CliRun.of("doctor", "--device", "cpu", "--quick", "--work", tmp.resolve("doctor").toString(), "--json");
    assertThat(r.code()).as(r.out() + r.err()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("ok").asBoolean()).isTrue();
    java.util.Map<String, JsonNode> byName = new java.util.HashMap<>();
    j.get("checks").forEach(c -> byName.put(c.get("name").asText(), c));
    assertThat(byName).containsKeys("libtorch", "devices", "limits", "score", "prefill", "decode", "train", "memory", "pages",
        "kernels");
    JsonNode kernels = byName.get("kernels").get("figures");
    assertThat(kernels.get("loaded").asBoolean()).as("the TorchScript kernels load on this libtorch").isTrue();
    assertThat(kernels.get("bf16_max_relative_error").asDouble()).isPositive().isLessThan(2e-2);
    assertThat(byName.get("libtorch").get("figures").get("version").asText()).startsWith("2.");
    assertThat(byName.get("score").get("status").asText()).isEqualTo("PASS");
    assertThat(byName.get("score").get("figures").get("max_abs_diff").asDouble()).isLessThan(1e-3);
    JsonNode train = byName.get("train").get("figures");
    assertThat(train.get("last_loss").asDouble()).isLessThan(train.get("first_loss").asDouble());
    assertThat(byName.get("prefill").get("figures").get("tokens_per_s").asDouble()).isPositive();
    assertThat(byName.get("decode").get("figures").get("ms_per_token").asDouble()).isPositive();
    assertThat(byName.get("limits").get("figures").get("matmul_gflops").asDouble()).isPositive();
  }

  @Test
  void doctorOnAMissingGpuSaysWhatToDo() {
    CliRun r = CliRun.of("doctor", "--device", "cuda", "--quick", "--work", tmp.resolve("doctor").toString());
    assertThat(r.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(r.out()).contains("[FAIL] libtorch").contains("fix:").contains("PYTORCH_LIBRARY_PATH").contains("[SKIP] score");
  }
}
