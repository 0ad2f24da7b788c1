package io.ltm.cli;

import io.ltm.cli.options.AdapterOption;
import io.ltm.cli.options.BaseModelOption;
import io.ltm.cli.options.DetectorOption;
import io.ltm.cli.options.DeviceOption;
import io.ltm.cli.options.VerboseOption;
import io.ltm.examples.AdapterSpec;
import io.ltm.examples.VaultContext;
import io.ltm.rag.index.FileStatus;
import io.ltm.rag.index.IndexReport;
import io.ltm.studio.Studio;
import io.ltm.studio.StudioAdapter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ltm studio}: the local web studio (Ask, Compare, Loop, Runs, Scenes, Notes). Prints its URL
 * and serves until interrupted (Ctrl-C). Without {@code --base} it runs the built-in random model.
 */
@Command(
    name = "studio",
    mixinStandardHelpOptions = true,
    description = {
        "A local web studio where the model reasons aloud: Ask, Compare (base vs adapters), Loop, Runs (charts and "
            + "thought metrics per checkpoint), Scenes (edit with live validation) and Notes (vault search).",
        "Listens on 127.0.0.1 only unless --host is given, which then needs --token. Without --base it runs a tiny random "
            + "model (every page works; its text is noise)."})
public final class StudioCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--runs", paramLabel = "DIR", description = "folder of run directories (Runs page; loops write their traces here)")
  Path runs;

  @Mixin BaseModelOption model;

  @Mixin AdapterOption adapter;

  @Option(names = "--scenes", paramLabel = "DIR", description = "scene folder to list and edit")
  Path scenes;

  @Option(names = "--vault", paramLabel = "DIR", description = "Obsidian vault; indexed (incrementally) into --index at start")
  Path vault;

  @Option(names = "--index", paramLabel = "DIR", description = "vault index (ltm index) for the Notes page and grounded answers")
  Path index;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE}); "
      + "anything else needs --token")
  String host;

  @Option(names = "--port", defaultValue = "8080", description = "port (default: ${DEFAULT-VALUE}; 0 = any free port)")
  int port;

  @Option(names = "--token", paramLabel = "T", description = "access token (16+ characters); required with a non-loopback --host")
  String token;

  @Option(names = "--think-budget", paramLabel = "N", description = "default reasoning tokens before </think> is forced "
      + "(default: 0 = none with --base, " + Studio.RANDOM_MODEL_THINK_BUDGET + " with the random model)")
  Integer thinkBudget;

  @Mixin DeviceOption device;

  @Mixin DetectorOption detector;

  @Option(names = "--exit-after-start", hidden = true, description = "start, print the URL, stop (for scripted checks)")
  boolean exitAfterStart;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (vault != null && index == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--vault needs --index DIR (where its index is kept)");
    }
    Studio.Builder b = Studio.builder().runs(runs).base(model.base()).scenes(scenes).index(null).host(host).port(port).token(token)
        .load(device.loadOptions()).detectors(DetectCommand.resolve(spec, detector.name()));
    if (thinkBudget != null) {
      b.thinkBudget(thinkBudget);
    }
    for (Path a : adapter.adapters()) {
      AdapterSpec s = AdapterSpec.of(a);
      b.adapter(new StudioAdapter(s.dir(), s.label(), s.checkpoint()));
    }
    Studio configured;
    try {
      if (vault != null) {
        IndexReport r = VaultContext.index(vault, index);
        err.printf("indexed %s into %s: %s notes (re)indexed%n", vault, index, r.counts().get(FileStatus.Status.INDEXED));
        err.flush();
      }
      b.index(index);
      configured = b.build();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    if (!configured.loopback()) {
      err.println("WARNING: listening on " + host + ", beyond this machine: anyone who can reach it and has the token can "
          + "run the model and edit your scenes. Share the URL only over a trusted network.");
    }
    if (model.base() == null) {
      err.println("no --base: running the built-in RANDOM model (every page works, its text is noise); "
          + "pass --base ~/models/Qwen3-0.6B for your model");
    }
    err.flush();
    CountDownLatch stopped = new CountDownLatch(1);
    try (Studio studio = configured.start()) {
      o.println("ltm studio: " + studio.url());
      o.flush();
      if (exitAfterStart) {
        return LtmCli.OK;
      }
      Thread hook = new Thread(() -> {
        studio.close();
        stopped.countDown();
      }, "ltm-studio-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      err.println("serving; Ctrl-C stops it");
      err.flush();
      stopped.await();
    }
    return LtmCli.OK;
  }
}
