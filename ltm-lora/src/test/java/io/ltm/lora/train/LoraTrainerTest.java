package io.ltm.lora.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.ltm.dataset.Dataset;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.model.Decoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End-to-end training on the example scenes with a tiny random Qwen3 base. */
class LoraTrainerTest {

  @TempDir Path tmp;

  static final int MAX_LEN = 128;
  static final int STEPS = 200;

  static Path base() {
    return TrainingFixtures.base();
  }

  /** A run on a freshly loaded base: everything closed at the end. */
  interface RunBody<T> {
    T run(LoraModel model, LoraAdapter adapter, LoraTrainer trainer) throws IOException;
  }

  static <T> T withTrainer(Path runDir, TrainingConfig cfg, LoraConfig lora, boolean resume, List<TrainingListener> extra,
      java.util.function.UnaryOperator<CausalLanguageModel> wrap, RunBody<T> body) throws IOException {
    Dataset ds = TrainingFixtures.exampleScenes(MAX_LEN);
    try (Decoder decoder = DecoderLoader.load(base()); LoraModel model = new LoraModel(decoder)) {
      LoraAdapter adapter = model.create("train", lora, cfg.seed());
      LoraTrainer.Builder b = LoraTrainer.builder().setConfig(cfg).setModel(wrap.apply(new DecoderLanguageModel(model)))
          .setAdapter(adapter, model.selection()).setTrain(ds.train()).optValidation(ds.validation()).setPadId(ds.padId())
          .setRunDirectory(new RunDirectory(runDir)).optResume(resume);
      extra.forEach(b::addListener);
      return body.run(model, adapter, b.build());
    }
  }

  static List<Double> column(List<JsonNode> lines, String field) {
    List<Double> out = new ArrayList<>();
    for (JsonNode n : lines) {
      if (n.has(field)) {
        out.add(n.get(field).asDouble());
      }
    }
    return out;
  }

  /**
   * The whole cycle on the example scenes: metrics, evaluation, checkpoints, and the saved adapter reproducing
   * the eval loss in a new JVM. Its base (final norm 8, see {@link TrainingFixtures#base()}) starts over-confident,
   * so the falling losses here could partly be that confidence going; that learning happens at all is shown by
   * {@link LoraLearnsAPatternTest}, from a base at the uniform loss.
   */
  @Test
  void lossFallsAndTheSavedAdapterReproducesTheEvalLoss() throws IOException, InterruptedException {
    TrainingConfig cfg = TrainingConfig.builder().optMaxSteps(STEPS).optBatchSize(1).optLearningRate(1e-2)
        .optWarmupSteps(10).optMaxGradNorm(1.0).optEvalEvery(STEPS / 2).optSaveEvery(STEPS / 2).optSeed(3).build();
    LoraConfig lora = LoraConfig.builder().optR(16).optLoraAlpha(32).optTargetModules(new TargetModules.AllLinear()).build();
    Path run = tmp.resolve("run");
    double[] before = new double[1];
    TrainingResult result = withTrainer(run, cfg, lora, false, List.of(), m -> m, (model, adapter, trainer) -> {
      assertThat(model.trainableParameters("train").format()).startsWith("trainable params: " + String.format("%,d", adapter.parameterCount()));
      before[0] = trainer.evaluate().evalLoss(); // B = 0: the base model's validation loss
      return trainer.train();
    });
    List<JsonNode> metrics = new RunDirectory(run).readMetrics();
    List<Double> losses = column(metrics, "loss");
    assertThat(losses).hasSize(STEPS);
    double first = losses.subList(0, 5).stream().mapToDouble(d -> d).average().orElseThrow();
    double last = losses.subList(STEPS - 5, STEPS).stream().mapToDouble(d -> d).average().orElseThrow();
    assertThat(last / first).as("loss ratio %s -> %s", first, last).isLessThan(0.6);
    List<Double> evals = column(metrics, "eval_loss");
    assertThat(evals).hasSize(2);
    assertThat(evals.get(0) / before[0]).as("eval at step %d: %s -> %s", STEPS / 2, before[0], evals.get(0)).isLessThan(0.9);
    assertThat(result.finalEvalLoss()).isEqualTo(evals.get(1));
    // It generalizes: the held-out scenes' loss falls too, from the base model's.
    assertThat(result.finalEvalLoss() / before[0]).as("eval %s -> %s", before[0], result.finalEvalLoss()).isLessThan(0.9);
    JsonNode firstLine = metrics.get(0);
    for (String f : List.of("step", "loss", "lr", "grad_norm", "tokens_per_s", "elapsed_s")) {
      assertThat(firstLine.has(f)).as(f).isTrue();
    }
    assertThat(new RunDirectory(run).checkpointSteps()).containsExactly((long) STEPS / 2, (long) STEPS);
    assertThat(run.resolve("config.json")).exists();

    // In a new JVM, the base and the saved adapter (PEFT layout) read from disk give the same evaluation loss.
    Path log = tmp.resolve("eval.log");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
        "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), EvalSavedAdapter.class.getName(),
        base().toString(), run.resolve("adapter").toString(), String.valueOf(MAX_LEN), tmp.resolve("eval").toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
    List<String> out = Files.readAllLines(log);
    assertThat(p.exitValue()).as(String.join("\n", out)).isZero();
    double reloaded = Double.parseDouble(out.get(out.size() - 1).trim());
    assertThat(reloaded).isCloseTo(result.finalEvalLoss(), org.assertj.core.data.Offset.offset(1e-6));
  }

  /** Stops the run by throwing after a given step, as a crash would (after metrics were written). */
  static final class CrashAt implements TrainingListener {
    final long step;

    CrashAt(long step) {
      this.step = step;
    }

    @Override
    public void onStep(TrainingContext ctx, StepMetrics m) {
      if (m.step() == step) {
        throw new IllegalStateException("simulated crash at step " + step);
      }
    }
  }

  @Test
  void resumedRunEqualsUninterruptedRunStepByStep() throws IOException {
    TrainingConfig cfg = TrainingConfig.builder().optMaxSteps(12).optBatchSize(1).optGradAccum(2).optLearningRate(5e-3)
        .optWarmupSteps(2).optEvalEvery(4).optSaveEvery(4).optSeed(11).build();
    LoraConfig lora = LoraConfig.builder().optR(4).optLoraAlpha(8).optLoraDropout(0.1)
        .optTargetModules("q_proj", "v_proj", "down_proj").build();
    Path full = tmp.resolve("full");
    Path interrupted = tmp.resolve("interrupted");
    withTrainer(full, cfg, lora, false, List.of(), m -> m, (m, a, t) -> t.train());
    assertThatThrownBy(() -> withTrainer(interrupted, cfg, lora, false, List.of(new CrashAt(7)), m -> m, (m, a, t) -> t.train()))
        .hasMessageContaining("simulated crash");
    assertThat(new RunDirectory(interrupted).checkpointSteps()).containsExactly(4L);
    assertThat(column(new RunDirectory(interrupted).readMetrics(), "loss")).hasSize(7); // lines past the checkpoint
    // Without --resume the folder is refused; with it, the run continues from checkpoint-4.
    assertThatThrownBy(() -> withTrainer(interrupted, cfg, lora, false, List.of(), m -> m, (m, a, t) -> t.train()))
        .isInstanceOf(TrainingException.class).hasMessageContaining("--resume");
    TrainingConfig otherLr = TrainingConfig.builder().optMaxSteps(12).optBatchSize(1).optGradAccum(2).optLearningRate(1e-3)
        .optWarmupSteps(2).optEvalEvery(4).optSaveEvery(4).optSeed(11).build();
    assertThatThrownBy(() -> withTrainer(interrupted, otherLr, lora, true, List.of(), m -> m, (m, a, t) -> t.train()))
        .isInstanceOf(TrainingException.class).hasMessageContaining("training settings");
    withTrainer(interrupted, cfg, lora, true, List.of(), m -> m, (m, a, t) -> t.train());

    List<JsonNode> a = new RunDirectory(full).readMetrics();
    List<JsonNode> b = new RunDirectory(interrupted).readMetrics();
    for (String f : List.of("loss", "lr", "grad_norm", "eval_loss")) {
      assertThat(column(b, f)).as(f).isEqualTo(column(a, f));
    }
    assertThat(column(a, "loss")).hasSize(12);
    assertThat(column(a, "eval_loss")).hasSize(3);
    assertThat(Files.readAllBytes(interrupted.resolve("adapter/adapter_model.safetensors")))
        .isEqualTo(Files.readAllBytes(full.resolve("adapter/adapter_model.safetensors")));
  }

  @Test
  void nanLossStopsTheRunAndKeepsTheLastCheckpoint() throws IOException {
    TrainingConfig cfg = TrainingConfig.builder().optMaxSteps(6).optBatchSize(1).optSaveEvery(2).optEvalEvery(0).build();
    LoraConfig lora = LoraConfig.builder().optR(2).optTargetModules("q_proj").build();
    Path run = tmp.resolve("nan");
    AtomicInteger calls = new AtomicInteger();
    assertThatThrownBy(() -> withTrainer(run, cfg, lora, false, List.of(), inner -> (mgr, batch) -> {
      var logits = inner.logits(mgr, batch);
      return calls.incrementAndGet() == 3 ? logits.mul(Float.NaN) : logits;
    }, (m, a, t) -> t.train()))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("step 3").hasMessageContaining("NaN").hasMessageContaining("checkpoint-2");
    RunDirectory rd = new RunDirectory(run);
    assertThat(rd.checkpointSteps()).containsExactly(2L);
    assertThat(column(rd.readMetrics(), "loss")).hasSize(2).allMatch(Double::isFinite);
    // The checkpoint is intact: the run resumes from it.
    withTrainer(run, cfg, lora, true, List.of(), m -> m, (m, a, t) -> t.train());
    assertThat(column(rd.readMetrics(), "loss")).hasSize(6);
  }

  @Test
  void memoryExhaustionNamesTheSettingsToLower() {
    TrainingConfig cfg = TrainingConfig.builder().optMaxSteps(2).optBatchSize(2).optSaveEvery(1).optEvalEvery(0).build();
    LoraConfig lora = LoraConfig.builder().optR(2).optTargetModules("q_proj").build();
    assertThatThrownBy(() -> withTrainer(tmp.resolve("oom"), cfg, lora, false, List.of(), inner -> (mgr, batch) -> {
      throw new ai.djl.engine.EngineException("[enforce fail at alloc_cpu.cpp:117] DefaultCPUAllocator: can't allocate "
          + "memory: you tried to allocate 98304000000 bytes");
    }, (m, a, t) -> t.train()))
        .isInstanceOf(TrainingException.class)
        .hasMessageContaining("step 1").hasMessageContaining("out of memory").hasMessageContaining("--batch (now 2)")
        .hasMessageContaining("--max-len").hasMessageContaining("gradient checkpointing");
  }

  @Test
  void earlyStoppingKeepsTheBestAdapterRecordsTheStopAndRefusesToResume() throws IOException {
    // A learning rate far too high: eval loss soon stops improving, and patience 1 ends the run.
    TrainingConfig cfg = TrainingConfig.builder().optMaxSteps(30).optBatchSize(1).optLearningRate(1.0)
        .optSchedule(LrSchedule.Kind.CONSTANT).optEvalEvery(1).optSaveEvery(1).optKeepCheckpoints(100)
        .optEarlyStoppingPatience(1).optSeed(5).build();
    LoraConfig lora = LoraConfig.builder().optR(4).optLoraAlpha(8).optTargetModules("q_proj", "v_proj", "down_proj").build();
    Path runPath = tmp.resolve("early");
    TrainingResult result = withTrainer(runPath, cfg, lora, false, List.of(), m -> m, (m, a, t) -> t.train());
    RunDirectory run = new RunDirectory(runPath);
    assertThat(result.stoppedEarly()).as("the run stops early").isTrue();
    assertThat(result.steps()).isLessThan(30);
    JsonNode stopped = run.readStopped().orElseThrow();
    long bestStep = stopped.get("best_step").asLong();
    assertThat(stopped.get("step").asLong()).isEqualTo(result.steps());
    assertThat(bestStep).isLessThan(result.steps());
    List<Double> evals = column(run.readMetrics(), "eval_loss");
    assertThat(stopped.get("best_eval_loss").asDouble()).isEqualTo(evals.stream().min(Double::compare).orElseThrow());
    // RUN/adapter is the best step's adapter (its checkpoint holds the same weights), not the last one.
    byte[] kept = Files.readAllBytes(run.adapterDir().resolve("adapter_model.safetensors"));
    assertThat(kept).isEqualTo(Files.readAllBytes(run.checkpointDir(bestStep).resolve("adapter/adapter_model.safetensors")));
    assertThat(kept).isNotEqualTo(Files.readAllBytes(run.checkpointDir(result.steps()).resolve("adapter/adapter_model.safetensors")));
    assertThat(run.bestAdapterDir()).doesNotExist();
    // Resuming a stopped run says so instead of training on.
    assertThatThrownBy(() -> withTrainer(runPath, cfg, lora, true, List.of(), m -> m, (m, a, t) -> t.train()))
        .isInstanceOf(TrainingException.class).hasMessageContaining("stopped early at step " + result.steps())
        .hasMessageContaining("from step " + bestStep).hasMessageContaining("Nothing to resume");
  }

  @Test
  void resumeKeepsEveryLineUpToTheCheckpointAndDropsOnlyLaterOnesAndATornLastLine() throws IOException {
    RunDirectory run = new RunDirectory(tmp.resolve("metrics"));
    Files.createDirectories(run.root());
    Files.writeString(run.metricsFile(), String.join("\n",
        "{\"step\":1,\"loss\":2.0}",
        "{not json, written by hand",
        "{\"step\":2,\"loss\":1.5}",
        "{\"step\":3,\"loss\":1.2}",
        "{\"step\":4,\"lo") + "\n");
    run.truncateMetricsAfter(2);
    assertThat(Files.readAllLines(run.metricsFile())).containsExactly(
        "{\"step\":1,\"loss\":2.0}", "{not json, written by hand", "{\"step\":2,\"loss\":1.5}");
    assertThat(column(run.readMetrics(), "loss")).containsExactly(2.0, 1.5);
  }
}
