package io.ltm.cli;

import io.ltm.metrics.detect.learned.Detectors;
import io.ltm.core.loop.ContextProvider;
import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.Probe;
import io.ltm.core.loop.ProbeReader;
import io.ltm.core.loop.ProbeResult;
import io.ltm.core.loop.ThinkingLoop;
import io.ltm.core.scene.Scene;
import io.ltm.core.scene.SceneReader;
import io.ltm.core.scene.SceneValidationException;
import io.ltm.examples.AdapterSpec;
import io.ltm.examples.ModelComparison;
import io.ltm.examples.VaultContext;
import io.ltm.lora.io.LoadOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ltm loop}: the thinking loop (generate, log, reflect, rewrite) over the same probes with a
 * base model and with each adapter, appended to one trace file that {@code ltm metrics} and {@code
 * ltm report} read. Re-running with the same {@code --out} resumes.
 */
@Command(
    name = "loop",
    mixinStandardHelpOptions = true,
    description = {
        "Run the thinking loop (generate -> log -> reflect -> rewrite) on probes with the base model and with each "
            + "--adapter, appending one trace record per iteration to --out.",
        "Re-running with the same --out skips what is done and continues an interrupted probe."})
public final class LoopCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--base", required = true, description = "base model folder (Hugging Face layout)")
  Path base;

  @Option(names = "--adapter", paramLabel = "DIR",
      description = "adapter folder (PEFT layout), training run folder or its checkpoint-N folder; repeatable")
  List<Path> adapters = new ArrayList<>();

  static final class Source {
    @Option(names = "--probes", paramLabel = "FILE", description = "YAML list or JSONL of prompts ({id, prompt, context, lang})")
    Path probes;

    @Option(names = "--scenes", paramLabel = "DIR", description = "scene folder or file: each scene's prompt and context")
    Path scenes;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(names = "--out", required = true, paramLabel = "TRACES.jsonl", description = "trace file to append to")
  Path out;

  @Option(names = "--iterations", defaultValue = "3", description = "iterations per probe: the answer and N-1 rewrites (default: ${DEFAULT-VALUE})")
  int iterations;

  @Option(names = "--index", paramLabel = "DIR", description = "vault index (ltm index) to ground each probe with cited notes")
  Path index;

  @Option(names = "--context-budget", defaultValue = "768", description = "tokens of retrieved context per probe (default: ${DEFAULT-VALUE})")
  int contextBudget;

  @Option(names = "--max-new-tokens", defaultValue = "512", description = "token budget per iteration (default: ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default: ${DEFAULT-VALUE})")
  double temperature;

  @Option(names = "--top-p", defaultValue = "1", description = "nucleus sampling mass (default: ${DEFAULT-VALUE})")
  double topP;

  @Option(names = "--seed", defaultValue = "0", description = "sampling seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--no-think", description = "switch thinking off (enable_thinking=false)")
  boolean noThink;

  @Option(names = "--system", description = "a system message for every iteration")
  String system;

  @Option(names = "--run-id", description = "run id recorded in the traces (default: the trace file's name without .jsonl)")
  String runId;

  @Option(names = "--no-base", description = "run only the adapters")
  boolean noBase;

  @Option(names = "--all-iterations", description = "do not stop early when an answer stops changing")
  boolean allIterations;

  @Option(names = "--stream", description = "print the generated text as it comes")
  boolean stream;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE})")
  String device;

  @Option(names = "--detector", paramLabel = "NAME|DIR", defaultValue = Detectors.DEFAULT, description = Detectors.OPTION_DESCRIPTION)
  String detector;

  @Option(names = "--verbose", description = "print stack traces")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (iterations < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--iterations must be at least 1 but got " + iterations);
    }
    GenerationSettings settings;
    try {
      settings = new GenerationSettings(maxNewTokens, temperature, topP, 0, 1.0, seed, !noThink);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    DetectCommand.resolve(spec, detector); // fail before generating, not at 'ltm metrics'
    List<Probe> probes;
    if (source.probes != null) {
      probes = ProbeReader.read(source.probes);
    } else {
      try {
        probes = SceneReader.readStrict(List.of(source.scenes)).stream().map(Probe::fromScene).toList();
      } catch (SceneValidationException e) {
        err.println(e.getMessage());
        err.println("fix the scene (see `ltm validate " + source.scenes + "`) and run again");
        return LtmCli.INPUT_ERROR;
      }
      if (probes.isEmpty()) {
        throw new IllegalArgumentException("no scenes under " + source.scenes);
      }
    }
    String run = runId != null ? runId : defaultRunId(out);
    ModelComparison.Builder cmp = ModelComparison.builder().base(base).includeBase(!noBase)
        .load(LoadOptions.on(LoadOptions.parseDevice(device)));
    for (Path a : adapters) {
      cmp.adapter(AdapterSpec.of(a));
    }
    int variants = adapters.size() + (noBase ? 0 : 1);
    LoopProgress progress = new LoopProgress(err, probes.size(), stream);
    err.printf("loop: %d probe%s x %d variant%s x up to %d iteration%s -> %s (run %s)%n", probes.size(),
        probes.size() == 1 ? "" : "s", variants, variants == 1 ? "" : "s", iterations, iterations == 1 ? "" : "s", out, run);
    err.flush();
    List<ProbeResult> results;
    try (VaultContext context = index == null ? null : VaultContext.open(index, contextBudget)) {
      ContextProvider provider = context == null ? null : context.provider();
      ModelComparison comparison = cmp.loop(b -> b.runId(run).iterations(iterations).settings(settings)
          .systemPrompt(system).contextProvider(provider).stopWhenUnchanged(!allIterations).listener(progress)).build();
      results = comparison.run(probes, out);
    }
    int generated = results.stream().mapToInt(ProbeResult::generated).sum();
    int resumed = results.stream().mapToInt(ProbeResult::resumed).sum();
    long early = results.stream().filter(ProbeResult::stoppedEarly).count();
    o.printf("wrote %d trace record%s to %s (%d already there%s)%n", generated, generated == 1 ? "" : "s", out, resumed,
        early > 0 ? "; " + early + " probe run" + (early == 1 ? "" : "s") + " stopped early, the answer no longer changing" : "");
    o.printf("next: ltm metrics %s%s%n", out, Detectors.DEFAULT.equals(detector) ? "" : " --detector " + detector);
    o.flush();
    return LtmCli.OK;
  }

  static String defaultRunId(Path traces) {
    Path f = traces.getFileName();
    String n = f == null ? "loop" : f.toString();
    if (n.endsWith(".jsonl")) {
      n = n.substring(0, n.length() - ".jsonl".length());
    }
    return n.isBlank() ? ThinkingLoop.DEFAULT_RUN_ID : n;
  }
}
