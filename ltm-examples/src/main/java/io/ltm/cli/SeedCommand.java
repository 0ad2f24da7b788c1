package io.ltm.cli;

import io.ltm.cli.options.BaseModelOption;
import io.ltm.cli.options.ContextBudgetOption;
import io.ltm.cli.options.DeviceOption;
import io.ltm.cli.options.RemoteBackendOptions;
import io.ltm.cli.options.LoraOptions;
import io.ltm.cli.options.VerboseOption;
import io.ltm.cli.options.DetectorOption;
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
import picocli.CommandLine.Mixin;
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
        "Re-running with the same --out skips finished stages and resumes training and the loop.",
        "--backend openai --url URL --model NAME [--adapter-model NAME]...: the loop runs on an OpenAI-compatible server "
            + "(vLLM, llama.cpp, Ollama, ltm serve); nothing is trained here: an adapter trained elsewhere (ltm export) "
            + "is compared by its served name."})
public final class SeedCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--scenes", required = true, paramLabel = "DIR", description = "scene folder (or file)")
  Path scenes;

  @Option(names = "--out", required = true, paramLabel = "RUN", description = "run folder")
  Path out;

  @Mixin BaseModelOption model;

  @Mixin RemoteBackendOptions remoteOptions;

  @Option(names = "--vault", paramLabel = "DIR", description = "Obsidian vault: indexed into RUN/index and retrieved into each probe's context")
  Path vault;

  @Mixin ContextBudgetOption contextBudget;

  @Option(names = "--steps", description = "training steps (default: " + SeedSettings.STEPS + "; demo " + SeedSettings.DEMO_STEPS + ")")
  Long steps;

  @Mixin LoraOptions lora;

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

  @Mixin DeviceOption device;

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

  @Mixin DetectorOption detector;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    io.ltm.examples.RemoteBackend remote = remote();
    SeedSettings settings;
    try {
      SeedSettings.Builder b = SeedSettings.builder().scenes(scenes).out(out).base(model.base()).vault(vault).r(lora.r())
          .alpha(lora.alpha()).targets(lora.targets()).dropout(lora.dropout()).rslora(lora.rslora())
          .validationFraction(validation).seed(seed).think(!noThink).device(device.name())
          .contextBudget(contextBudget.budget()).control(remote != null ? Control.NONE : Control.parse(control)).seeds(seeds);
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
      b.remote(remote);
      settings = b.build();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    TrainProgress bar = remote == null && TrainProgress.interactive() ? new TrainProgress(System.err) : null;
    try {
      SeedModel.Result result = new SeedModel(settings, o, bar, new LoopProgress(err, 0, stream),
          DetectCommand.resolve(spec, detector.name())).run();
      long failed = result.loops().stream().filter(io.ltm.core.loop.ProbeResult::failed).count();
      if (failed > 0) {
        o.printf("%d probe run%s failed part-way (recorded, left out of the metrics); run the same command again to retry%n",
            failed, failed == 1 ? "" : "s");
        o.flush();
        return LtmCli.PARTIAL;
      }
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

  /** The server of {@code --backend openai}, or null; the options of the other backend are refused, not ignored. */
  private io.ltm.examples.RemoteBackend remote() {
    CommandLine cl = spec.commandLine();
    io.ltm.examples.RemoteBackend remote = remoteOptions.backend(cl, model.base(), false, java.util.List.of());
    if (remote != null) {
      for (String trainingOnly : new String[] {"--steps", "--r", "--alpha", "--targets", "--dropout", "--rslora", "--lr",
          "--max-len", "--checkpoint-loop", "--no-checkpoint-loop", "--device", "--control", "--seeds"}) {
        if (cl.getParseResult().hasMatchedOption(trainingOnly)) {
          throw new CommandLine.ParameterException(cl, trainingOnly + " is for training here; with --backend openai nothing "
              + "is trained (train elsewhere with ltm export, serve the adapter, pass --adapter-model NAME)");
        }
      }
    }
    return remote;
  }
}
