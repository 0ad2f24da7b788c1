package io.ltm.cli;

import io.ltm.cli.options.VerboseOption;
import io.ltm.cli.options.DetectorOption;
import io.ltm.core.problem.Problem;
import io.ltm.metrics.report.RunReport;
import io.ltm.metrics.trace.ThoughtMetrics;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ltm report RUN_DIR}: writes {@code RUN_DIR/report.html} (self-contained, opens offline),
 * {@code RUN_DIR/charts/*.png} and a TensorBoard event file from {@code metrics.jsonl} and
 * {@code traces/*.jsonl}. Exit code 1 when the directory is missing, holds neither file, or a line is
 * malformed (the message names file and line).
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Write RUN_DIR/report.html (loss curves, thought metrics per checkpoint vs base with 95%% CIs, traces side by",
      "side with detected behaviours highlighted), RUN_DIR/charts/*.png and a TensorBoard event file."
    })
public final class ReportCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RUN_DIR", description = "The run directory (metrics.jsonl, traces/).")
  Path runDir;

  @Option(names = "--spike-threshold", paramLabel = "NATS", defaultValue = "2.0",
      description = "Entropy above which tokens form a tension spike (default: ${DEFAULT-VALUE}).")
  double spikeThreshold;

  @Mixin DetectorOption detector;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    RunReport.Result r = RunReport.build(runDir, ThoughtMetrics.builder().spikeThreshold(spikeThreshold)
        .detectors(DetectCommand.resolve(spec, detector.name())).build(), Instant.now());
    for (Problem w : r.warnings()) {
      err.println(w.format());
    }
    out.println(r.html());
    out.println(runDir.resolve("charts") + " (" + r.charts().size() + " PNG charts)");
    out.println(r.events());
    if (r.experiment() != null) {
      out.println("verdict (" + r.experiment().verdict().kind() + "): " + r.experiment().verdict().headline());
    }
    out.flush();
    return LtmCli.OK;
  }
}
