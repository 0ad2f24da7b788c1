package io.ltm.cli;

import io.ltm.core.scene.SceneValidationException;
import io.ltm.dataset.control.Control;
import io.ltm.examples.SeedModel;
import io.ltm.examples.SeedSettings;
import io.ltm.metrics.experiment.Preregistration;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ltm seed}: the seed experiment in one command (validate scenes, dataset, LoRA training,
 * thinking loop with base and adapter on held-out probes, thought metrics, report.html), resumable.
 * Without {@code --base} it runs as a pipeline demo on a tiny random model.
 */
@Command(
    name = "seed",
    mixinStandardHelpOptions = true,
    description = {
        "The seed experiment: validate scenes -> dataset (+ control data without the thinking) -> pre-registration in "
            + "RUN/seed.json -> LoRA adapter and control adapter per training seed -> thinking loop (base, adapters, controls on "
            + "held-out scenes) -> thought metrics and a verdict -> RUN/report.html.",
        "Without --base it is a pipeline demo on a tiny random Qwen3 written to RUN/base-random (minutes on a laptop).",
        "Re-running with the same --out skips finished stages and resumes training and the loop."})
public final class SeedCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--scenes", required = true, paramLabel = "DIR", description = "scene folder (or file)")
  Path scenes;

  @Option(names = "--out", required = true, paramLabel = "RUN", description = "run folder")
  Path out;

  @Option(names = "--base", paramLabel = "DIR", description = "base model folder (Hugging Face layout), e.g. ~/models/Qwen3-0.6B; "
      + "absent: random demo model")
  Path base;

  @Option(names = "--vault", paramLabel = "DIR", description = "Obsidian vault: indexed into RUN/index and retrieved into each probe's context")
  Path vault;

  @Option(names = "--context-budget", defaultValue = "768", description = "tokens of retrieved vault context per probe (default: ${DEFAULT-VALUE})")
  int contextBudget;

  @Option(names = "--steps", description = "training steps (default: " + SeedSettings.STEPS + "; demo " + SeedSettings.DEMO_STEPS + ")")
  Long steps;

  @Option(names = "--r", defaultValue = "16", description = "LoRA rank (default: ${DEFAULT-VALUE})")
  int r;

  @Option(names = "--alpha", defaultValue = "32", description = "LoRA alpha (default: ${DEFAULT-VALUE})")
  double alpha;

  @Option(names = "--targets", defaultValue = "all-linear", description = "LoRA target modules (default: ${DEFAULT-VALUE})")
  String targets;

  @Option(names = "--lr", description = "peak learning rate (default: 2e-4; demo 1e-3)")
  Double lr;

  @Option(names = "--max-len", description = "tokens per packed training sequence (default: 2048; demo " + SeedSettings.DEMO_MAX_LEN + ")")
  Integer maxLen;

  @Option(names = "--validation", defaultValue = "0.1", description = "share of scenes held out as probes (default: ${DEFAULT-VALUE})")
  double validation;

  @Option(names = "--iterations", description = "loop iterations per probe (default: 3; demo 2)")
  Integer iterations;

  @Option(names = "--max-new-tokens", description = "tokens per loop iteration (default: " + SeedSettings.MAX_NEW_TOKENS
      + "; demo " + SeedSettings.DEMO_MAX_NEW_TOKENS + ")")
  Integer maxNewTokens;

  @Option(names = "--probes", description = "at most this many held-out probes (default: 4; demo 3)")
  Integer probes;

  @Option(names = "--checkpoint-loop", negatable = true, description = "also run the loop on a mid-run checkpoint (default: off; on for the demo)")
  Boolean checkpointLoop;

  @Option(names = "--seed", defaultValue = "42", description = "seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--no-think", description = "switch thinking off in the loop (enable_thinking=false)")
  boolean noThink;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE})")
  String device;

  @Option(names = "--control", defaultValue = "no-reasoning", paramLabel = "KIND", description = "control adapter trained "
      + "like the adapter on data without the scenes' thinking: none, no-reasoning (empty <think>), shuffled-steps, vault-text "
      + "(needs --vault) (default: ${DEFAULT-VALUE})")
  String control;

  @Option(names = "--seeds", defaultValue = "1", paramLabel = "N", description = "training seeds per condition (seed, seed+1, ...); "
      + "3 recommended for a real run (default: ${DEFAULT-VALUE})")
  int seeds;

  @Option(names = "--primary", paramLabel = "METRICS", description = "pre-registered primary metrics, a comma list of metric keys "
      + "(default: tensionPer1k,rewritePer1k,reflectPer1k,verifyPer1k,backtrackPer1k)")
  String primary;

  @Option(names = "--stream", description = "print the loop's generated text as it comes")
  boolean stream;

  @Option(names = "--verbose", description = "print stack traces")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SeedSettings settings;
    try {
      SeedSettings.Builder b = SeedSettings.builder().scenes(scenes).out(out).base(base).vault(vault).r(r).alpha(alpha)
          .targets(targets).validationFraction(validation).seed(seed).think(!noThink).device(device).contextBudget(contextBudget)
          .control(Control.parse(control)).seeds(seeds);
      if (primary != null) {
        b.primary(Preregistration.parseMetrics(primary));
      }
      if (steps != null) {
        b.steps(steps);
      }
      if (lr != null) {
        b.lr(lr);
      }
      if (maxLen != null) {
        b.maxLen(maxLen);
      }
      if (iterations != null) {
        b.iterations(iterations);
      }
      if (maxNewTokens != null) {
        b.maxNewTokens(maxNewTokens);
      }
      if (probes != null) {
        b.probes(probes);
      }
      if (checkpointLoop != null) {
        b.probeCheckpoint(checkpointLoop);
      }
      settings = b.build();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    TrainProgress bar = TrainProgress.interactive() ? new TrainProgress(System.err) : null;
    try {
      new SeedModel(settings, o, bar, new LoopProgress(err, 0, stream)).run();
    } catch (SceneValidationException e) {
      err.println(e.getMessage());
      return LtmCli.INPUT_ERROR;
    } finally {
      if (bar != null) {
        bar.close();
      }
    }
    return LtmCli.OK;
  }
}
