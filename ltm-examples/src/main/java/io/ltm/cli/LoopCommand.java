package io.ltm.cli;

import io.ltm.cli.options.AdapterOption;
import io.ltm.cli.options.RemoteBackendOptions;
import io.ltm.cli.options.BaseModelOption;
import io.ltm.cli.options.ContextBudgetOption;
import io.ltm.cli.options.DeviceOption;
import io.ltm.cli.options.WeightsOption;
import io.ltm.cli.options.SamplingOptions;
import io.ltm.cli.options.SystemPromptOption;
import io.ltm.cli.options.VerboseOption;
import io.ltm.cli.options.DetectorOption;
import io.ltm.core.loop.ContextProvider;
import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.Probe;
import io.ltm.core.loop.ProbeReader;
import io.ltm.core.loop.ProbeResult;
import io.ltm.core.loop.ThinkingLoop;
import io.ltm.core.scene.SceneReader;
import io.ltm.core.scene.SceneValidationException;
import io.ltm.examples.AdapterSpec;
import io.ltm.examples.ModelComparison;
import io.ltm.examples.RemoteBackend;
import io.ltm.examples.RemoteComparison;
import io.ltm.examples.VaultContext;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ltm loop}: the thinking loop (generate, log, reflect, rewrite) over the same probes with a
 * base model and with each adapter, appended to one trace file that {@code ltm metrics} and {@code
 * ltm report} read. Re-running with the same {@code --out} resumes. With {@code --backend openai} the
 * model runs on an OpenAI-compatible server ({@link RemoteComparison}) instead of the local engine.
 */
@Command(
    name = "loop",
    mixinStandardHelpOptions = true,
    description = {
        "Run the thinking loop (generate -> log -> reflect -> rewrite) on probes with the base model and with each "
            + "--adapter, appending one trace record per iteration to --out.",
        "Re-running with the same --out skips what is done, continues an interrupted probe and retries failed iterations.",
        "--backend openai runs on an OpenAI-compatible server (vLLM, llama.cpp, Ollama, ltm serve): --url, --model and "
            + "each --adapter-model are the server's URL and served model names."})
public final class LoopCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin RemoteBackendOptions remoteOptions;

  @Mixin BaseModelOption model;

  @Mixin AdapterOption adapter;

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

  @Mixin ContextBudgetOption contextBudget;

  @Mixin SamplingOptions sampling;

  @Mixin SystemPromptOption system;

  @Option(names = "--run-id", description = "run id recorded in the traces (default: the trace file's name without .jsonl)")
  String runId;

  @Option(names = "--no-base", description = "run only the adapters")
  boolean noBase;

  @Option(names = "--all-iterations", description = "do not stop early when an answer stops changing")
  boolean allIterations;

  @Option(names = "--stream", description = "print the generated text as it comes")
  boolean stream;

  @Mixin DeviceOption device;

  @Mixin WeightsOption weights;

  @Mixin DetectorOption detector;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (iterations < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--iterations must be at least 1 but got " + iterations);
    }
    GenerationSettings settings = sampling.settings(spec.commandLine());
    List<Path> adapters = adapter.adapters();
    DetectCommand.resolve(spec, detector.name()); // fail before generating, not at 'ltm metrics'
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
    RemoteBackend remote = remoteOptions.backend(spec.commandLine(), model.base(), true, adapters);
    if (remote != null && device.given()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--device is the local engine's; with --backend openai "
          + "the server decides where the model runs");
    }
    ModelComparison.Builder cmp = null;
    if (remote == null) {
      cmp = ModelComparison.builder().base(model.base()).includeBase(!noBase).load(weights.loadOptions(device));
      for (Path a : adapters) {
        cmp.adapter(AdapterSpec.of(a));
      }
    }
    int variants = (remote == null ? adapters.size() : remote.adapterModels().size()) + (noBase ? 0 : 1);
    LoopProgress progress = new LoopProgress(err, probes.size(), stream);
    err.printf("loop: %d probe%s x %d variant%s x up to %d iteration%s -> %s (run %s)%n", probes.size(),
        probes.size() == 1 ? "" : "s", variants, variants == 1 ? "" : "s", iterations, iterations == 1 ? "" : "s", out, run);
    err.flush();
    List<ProbeResult> results;
    try (VaultContext context = index == null ? null : (model.base() == null
        ? VaultContext.open(index, contextBudget.budget()) : VaultContext.open(index, contextBudget.budget(), model.base()))) {
      ContextProvider provider = context == null ? null : context.provider();
      java.util.function.UnaryOperator<ThinkingLoop.Builder> loop = b -> b.runId(run).iterations(iterations)
          .settings(settings).systemPrompt(system.system()).contextProvider(provider).stopWhenUnchanged(!allIterations).listener(progress);
      if (remote != null) {
        err.printf("backend: %s (model %s%s)%n", remote.generator(remote.model()).url(), remote.model(),
            remote.adapterModels().isEmpty() ? "" : ", adapters " + remote.adapterModels());
        results = new RemoteComparison(remote, !noBase, loop).run(probes, out);
      } else {
        results = cmp.loop(loop).build().run(probes, out);
      }
    }
    int generated = results.stream().mapToInt(ProbeResult::generated).sum();
    int resumed = results.stream().mapToInt(ProbeResult::resumed).sum();
    long early = results.stream().filter(ProbeResult::stoppedEarly).count();
    o.printf("wrote %d trace record%s to %s (%d already there%s)%n", generated, generated == 1 ? "" : "s", out, resumed,
        early > 0 ? "; " + early + " probe run" + (early == 1 ? "" : "s") + " stopped early, the answer no longer changing" : "");
    List<ProbeResult> failed = results.stream().filter(ProbeResult::failed).toList();
    for (ProbeResult f : failed) {
      o.printf("FAILED: probe %s (%s) at iteration %d: %s%n", f.probe().id(), f.variant().label(), f.failure().iteration(),
          f.failure().failure());
    }
    if (!failed.isEmpty()) {
      o.printf("%d probe run%s failed part-way (recorded in %s, left out of metrics); run the same command again to retry %s%n",
          failed.size(), failed.size() == 1 ? "" : "s", out, failed.size() == 1 ? "it" : "them");
      o.flush();
      return LtmCli.PARTIAL;
    }
    o.printf("next: ltm metrics %s%s%n", out, detector.isDefault() ? "" : " --detector " + detector.name());
    o.flush();
    return LtmCli.OK;
  }

  /**
   * The remote backend of {@code --backend openai}, or null for {@code local}; checks that each
   * backend gets the options it uses and no option of the other.
   */
  static String defaultRunId(Path traces) {
    Path f = traces.getFileName();
    String n = f == null ? "loop" : f.toString();
    if (n.endsWith(".jsonl")) {
      n = n.substring(0, n.length() - ".jsonl".length());
    }
    return n.isBlank() ? ThinkingLoop.DEFAULT_RUN_ID : n;
  }
}
