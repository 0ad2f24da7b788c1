package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ltm train}, then {@code score}/{@code generate} with {@code --adapter}, on a tiny random model. */
class TrainCommandTest {
  @TempDir static Path tmp;
  static Path model;

  @BeforeAll
  static void writeModel() {
    model = tmp.resolve("tiny");
    CliRun r = CliRun.of("random-model", "--preset", "tiny-qwen3", "--seed", "4", "--out",
        model.toString(), "--tokenizer", Path.of("..", "examples", "tokenizer", "qwen3").toString());
    assertThat(r.code()).as(r.err()).isZero();
  }

  @Test
  void trainsResumesAndTheAdapterChangesScores() throws Exception {
    Path run = tmp.resolve("run");
    String[] args = {"train", "--base", model.toString(), "--scenes", "../examples/scenes", "--out", run.toString(),
        "--steps", "4", "--max-len", "128", "--truncate", "--r", "4", "--alpha", "8", "--targets", "q_proj,v_proj", "--lr", "1e-2",
        "--save-every", "2", "--eval-every", "2", "--seed", "5"};
    CliRun r = CliRun.of(args);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("adapter: " + run.resolve("adapter"));
    assertThat(r.err()).contains("trainable params:");
    assertThat(run.resolve("adapter/adapter_config.json")).exists();
    assertThat(run.resolve("adapter/adapter_model.safetensors")).exists();
    assertThat(run.resolve("checkpoint-4/optimizer.safetensors")).exists();
    List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
    assertThat(lines.stream().filter(l -> l.contains("\"loss\"")).count()).isEqualTo(4);
    JsonNode cfg = new ObjectMapper().readTree(run.resolve("config.json").toFile());
    assertThat(cfg.get("training").get("maxSteps").asInt()).isEqualTo(4);
    assertThat(cfg.get("lora").get("target_modules").toString()).isEqualTo("[\"q_proj\",\"v_proj\"]");

    // A second run into the same folder without --resume is refused; with --resume it has nothing left to do.
    CliRun again = CliRun.of(args);
    assertThat(again.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(again.err()).contains("--resume");
    String[] resume = java.util.Arrays.copyOf(args, args.length + 1);
    resume[args.length] = "--resume";
    CliRun resumed = CliRun.of(resume);
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(Files.readAllLines(run.resolve("metrics.jsonl"))).isEqualTo(lines);
    // Resuming with another learning rate is refused, naming the setting that changed and both values.
    String[] otherLr = resume.clone();
    otherLr[java.util.Arrays.asList(otherLr).indexOf("--lr") + 1] = "2e-2";
    CliRun refused = CliRun.of(otherLr);
    assertThat(refused.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(refused.err()).contains("training settings differ: learningRate: was 0.01, now 0.02")
        .doesNotContain("evalEvery");

    // The adapter changes the scores; the base stays the base.
    String ids = "151644,872,198,3838,374,264";
    JsonNode base = new ObjectMapper().readTree(CliRun.of("score", "--base", model.toString(), "--ids", ids, "--json").out());
    CliRun withAdapter = CliRun.of("score", "--base", model.toString(), "--ids", ids, "--json",
        "--adapter", run.resolve("adapter").toString());
    assertThat(withAdapter.code()).as(withAdapter.err()).isZero();
    JsonNode tuned = new ObjectMapper().readTree(withAdapter.out());
    assertThat(tuned.get("logprobs").toString()).isNotEqualTo(base.get("logprobs").toString());

    CliRun gen = CliRun.of("generate", "--base", model.toString(), "--prompt", "Why?",
        "--max-new-tokens", "3", "--no-think", "--json", "--with-base", "--adapter", run.resolve("adapter").toString(),
        "--adapter", run.resolve("checkpoint-2/adapter").toString());
    assertThat(gen.code()).as(gen.err()).isZero();
    List<String> objects = gen.out().lines().filter(l -> l.startsWith("{")).toList();
    assertThat(objects).hasSize(3);
    assertThat(new ObjectMapper().readTree(objects.get(1)).get("adapter").asText()).isEqualTo(run.resolve("adapter").toString());
    // the base's object says "adapter": null (as trace records do), not a label an adapter folder could also have
    assertThat(new ObjectMapper().readTree(objects.get(0)).get("adapter").isNull()).as(objects.get(0)).isTrue();

    // --adapter also takes the run folder (its adapter/) and a checkpoint-N folder, as `ltm loop` does
    CliRun viaRun = CliRun.of("score", "--base", model.toString(), "--ids", ids, "--json",
        "--adapter", run.toString());
    assertThat(viaRun.code()).as(viaRun.err()).isZero();
    assertThat(new ObjectMapper().readTree(viaRun.out()).get("logprobs")).isEqualTo(tuned.get("logprobs"));
    CliRun viaCheckpoint = CliRun.of("generate", "--base", model.toString(), "--prompt", "Why?",
        "--max-new-tokens", "2", "--json", "--adapter", run.resolve("checkpoint-2").toString());
    assertThat(viaCheckpoint.code()).as(viaCheckpoint.err()).isZero();
  }

  @Test
  void badBaseOrNoScenesFailAtOnceWithTheReason() throws Exception {
    Path empty = Files.createDirectories(tmp.resolve("no-scenes"));
    CliRun none = CliRun.of("train", "--base", model.toString(), "--scenes", empty.toString(),
        "--out", tmp.resolve("run-none").toString(), "--steps", "1");
    assertThat(none.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(none.err()).contains(empty + ": no scenes to train on").doesNotContain("--max-len");

    Path noConfig = Files.createDirectories(tmp.resolve("no-config"));
    Files.copy(model.resolve("tokenizer.json"), noConfig.resolve("tokenizer.json"));
    CliRun bad = CliRun.of("train", "--base", noConfig.toString(), "--scenes", "../examples/scenes",
        "--out", tmp.resolve("run-bad").toString(), "--steps", "1");
    assertThat(bad.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(bad.err()).contains(noConfig.resolve("config.json") + ": file not found")
        .doesNotContain("input_examples"); // failed before building the dataset

    CliRun bogus = CliRun.of("train", "--base", model.toString(), "--scenes", "../examples/scenes",
        "--out", tmp.resolve("run-bogus").toString(), "--steps", "1", "--max-len", "128", "--truncate", "--targets", "bogus_proj");
    assertThat(bogus.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(bogus.err()).contains("target_modules [bogus_proj] match no projection of the model; its projections are"
        + " [down_proj, gate_proj, k_proj, o_proj, q_proj, up_proj, v_proj]").doesNotContain("Names[");
  }

  @Test
  void killNineThenResumeEqualsAnUninterruptedRun() throws Exception {
    String[] common = {"--base", model.toString(), "--scenes", "../examples/scenes", "--steps", "8", "--max-len", "128", "--truncate",
        "--r", "4", "--alpha", "8", "--targets", "q_proj,v_proj", "--lr", "1e-2", "--save-every", "2", "--eval-every", "4",
        "--seed", "9"};
    Path full = tmp.resolve("full");
    Path killed = tmp.resolve("killed");
    CliRun r = CliRun.of(concat(new String[] {"train", "--out", full.toString()}, common));
    assertThat(r.code()).as(r.err()).isZero();
    // Another JVM trains into `killed` and gets SIGKILL once it has passed a checkpoint.
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g", "-Dai.djl.offline=true",
        "-cp", System.getProperty("java.class.path"), LtmCli.class.getName(), "train", "--out", killed.toString()));
    cmd.addAll(java.util.List.of(common));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile()).start();
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(10);
    Path metrics = killed.resolve("metrics.jsonl");
    while (p.isAlive() && System.nanoTime() < deadline) {
      if (Files.exists(metrics) && Files.readAllLines(metrics).stream().filter(l -> l.contains("\"loss\"")).count() >= 3) {
        break; // checkpoint-2 is written before step 3's line
      }
      Thread.sleep(5);
    }
    assertThat(p.isAlive()).as(Files.readString(tmp.resolve("killed.log"))).isTrue();
    p.destroyForcibly(); // SIGKILL on Linux
    // The kill landed before the run finished: SIGKILL's exit status (128 + 9), and no final adapter.
    assertThat(p.waitFor()).as("exit status of the killed run; log: %s", Files.readString(tmp.resolve("killed.log")))
        .isEqualTo(137);
    assertThat(killed.resolve("adapter")).as("the killed run did not finish").doesNotExist();
    assertThat(Files.readAllLines(metrics).stream().filter(l -> l.contains("\"loss\"")).count()).isLessThan(8);
    CliRun resumed = CliRun.of(concat(new String[] {"train", "--out", killed.toString(), "--resume"}, common));
    assertThat(resumed.code()).as(resumed.err()).isZero();
    ObjectMapper json = new ObjectMapper();
    List<String> a = Files.readAllLines(full.resolve("metrics.jsonl"));
    List<String> b = Files.readAllLines(metrics);
    assertThat(b).hasSameSizeAs(a);
    for (int i = 0; i < a.size(); i++) {
      JsonNode x = json.readTree(a.get(i));
      JsonNode y = json.readTree(b.get(i));
      for (String f : List.of("step", "loss", "lr", "grad_norm", "eval_loss")) {
        assertThat(String.valueOf(y.get(f))).as("line %d %s", i, f).isEqualTo(String.valueOf(x.get(f)));
      }
    }
    assertThat(Files.readAllBytes(killed.resolve("adapter/adapter_model.safetensors")))
        .isEqualTo(Files.readAllBytes(full.resolve("adapter/adapter_model.safetensors")));
  }

  @Test
  void devicesCpuCpuTrainsDataParallelAndEqualsGradientAccumulation() throws Exception {
    String[] common = {"--base", model.toString(), "--scenes", "../examples/scenes", "--steps", "3", "--max-len", "128",
        "--truncate", "--r", "4", "--alpha", "8", "--targets", "q_proj,v_proj", "--lr", "1e-2", "--dropout", "0",
        "--grad-accum", "2", "--save-every", "3", "--eval-every", "3", "--seed", "6"};
    Path single = tmp.resolve("dp-single");
    Path parallel = tmp.resolve("dp-two");
    CliRun one = CliRun.of(concat(new String[] {"train", "--out", single.toString(), "--device", "cpu"}, common));
    assertThat(one.code()).as(one.err()).isZero();
    CliRun two = CliRun.of(concat(new String[] {"train", "--out", parallel.toString(), "--devices", "cpu,cpu"}, common));
    assertThat(two.code()).as(two.err()).isZero();
    assertThat(two.err()).contains("data parallel over 2 devices").doesNotContain("stay idle");
    JsonNode run = new ObjectMapper().readTree(parallel.resolve("config.json").toFile()).get("run");
    assertThat(run.get("devices").toString()).isEqualTo("[\"cpu()\",\"cpu()\"]");
    // Two replicas with one micro-batch each sum the same gradients as --grad-accum 2 on one device.
    ObjectMapper json = new ObjectMapper();
    List<String> a = Files.readAllLines(single.resolve("metrics.jsonl"));
    List<String> b = Files.readAllLines(parallel.resolve("metrics.jsonl"));
    assertThat(b).hasSameSizeAs(a);
    assertThat(a.stream().filter(l -> l.contains("\"loss\"")).count()).isEqualTo(3);
    for (int i = 0; i < a.size(); i++) {
      for (String f : List.of("step", "loss", "grad_norm", "eval_loss")) {
        assertThat(String.valueOf(json.readTree(b.get(i)).get(f))).as("line %d %s", i, f)
            .isEqualTo(String.valueOf(json.readTree(a.get(i)).get(f)));
      }
    }
    assertThat(Files.readAllBytes(parallel.resolve("adapter/adapter_model.safetensors")))
        .isEqualTo(Files.readAllBytes(single.resolve("adapter/adapter_model.safetensors")));

    // Fewer micro-batches than devices: a warning that says how many stay idle and what to set.
    CliRun idle = CliRun.of("train", "--base", model.toString(), "--scenes", "../examples/scenes", "--out",
        tmp.resolve("dp-idle").toString(), "--steps", "1", "--max-len", "128", "--truncate", "--r", "2",
        "--targets", "q_proj", "--eval-every", "0", "--devices", "cpu,cpu,cpu", "--grad-accum", "2");
    assertThat(idle.code()).as(idle.err()).isZero();
    assertThat(idle.err()).contains("warning: --grad-accum 2 is below the 3 devices: 1 device(s) stay idle ([cpu()]); "
        + "set --grad-accum 3 (or a multiple of 3) to use them all");
  }

  @Test
  void deviceAndDevicesTogetherIsAUsageError() {
    CliRun both = CliRun.of("train", "--base", model.toString(), "--scenes", "../examples/scenes",
        "--out", tmp.resolve("both").toString(), "--steps", "1", "--device", "cpu", "--devices", "cpu,cpu");
    assertThat(both.code()).isEqualTo(LtmCli.USAGE_ERROR);
    assertThat(both.err()).contains("--device and --devices are mutually exclusive");
    CliRun bad = CliRun.of("train", "--base", model.toString(), "--scenes", "../examples/scenes",
        "--out", tmp.resolve("bad-devices").toString(), "--steps", "1", "--devices", "cuda:0,tpu");
    assertThat(bad.code()).isEqualTo(LtmCli.USAGE_ERROR);
    assertThat(bad.err()).contains("--devices cuda:0,tpu: unknown device \"tpu\"");
    assertThat(tmp.resolve("both")).doesNotExist();
  }

  static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void badInputIsAClearError() {
    CliRun r = CliRun.of("train", "--base", model.toString(), "--scenes", "../examples/scenes",
        "--out", tmp.resolve("bad").toString(), "--steps", "2", "--targets", "nope_proj", "--max-len", "128", "--truncate");
    assertThat(r.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(r.err()).contains("nope_proj").contains("q_proj");
    CliRun r2 = CliRun.of("score", "--base", model.toString(), "--ids", "1,2",
        "--adapter", tmp.resolve("missing").toString());
    assertThat(r2.code()).isEqualTo(LtmCli.INPUT_ERROR);
    assertThat(r2.err()).contains("adapter_config.json");
  }
}
