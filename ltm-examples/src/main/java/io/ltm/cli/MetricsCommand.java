package io.ltm.cli;

import io.ltm.cli.options.VerboseOption;
import io.ltm.cli.options.DetectorOption;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ltm.core.loop.TraceReader;
import io.ltm.core.loop.TraceRecord;
import io.ltm.core.problem.Problem;
import io.ltm.metrics.report.MetricsJson;
import io.ltm.metrics.stats.Bootstrap;
import io.ltm.metrics.trace.Metric;
import io.ltm.metrics.trace.MetricsSummary;
import io.ltm.metrics.trace.ThoughtMetrics;
import io.ltm.metrics.trace.TraceMetrics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ltm metrics TRACES.jsonl... [--json]}: thought metrics per trace record and aggregated per
 * model/adapter and per checkpoint, with bootstrap 95% intervals and paired deltas against the base.
 * See {@link MetricsJson} for the JSON shape. Exit code 1 for a missing or malformed trace file (the
 * message names file and line).
 */
@Command(
    name = "metrics",
    mixinStandardHelpOptions = true,
    description = {
      "Thought metrics of trace files: per record, and per model/adapter and checkpoint with bootstrap 95%% CIs",
      "and paired deltas against the base model over the same probes."
    })
public final class MetricsCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "TRACES.jsonl", description = "Trace files (one JSON record per line).")
  List<Path> files;

  @Option(names = "--json", description = "Print {\"traces\":[...],\"groups\":[...]} as JSON.")
  boolean json;

  @Option(names = "--spike-threshold", paramLabel = "NATS", defaultValue = "2.0",
      description = "Entropy above which tokens form a tension spike (default: ${DEFAULT-VALUE}).")
  double spikeThreshold;

  @Option(names = "--resamples", defaultValue = "2000", description = "Bootstrap resamples (default: ${DEFAULT-VALUE}).")
  int resamples;

  @Option(names = "--seed", defaultValue = "20250101", description = "Bootstrap seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Mixin DetectorOption detector;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (resamples < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--resamples must be >= 1 but got " + resamples);
    }
    List<TraceRecord> records = new ArrayList<>();
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        err.println("error: " + f + ": no such trace file");
        err.flush();
        return LtmCli.INPUT_ERROR;
      }
      TraceReader.TraceLog log = TraceReader.read(f);
      for (Problem w : log.warnings()) {
        err.println(w.format());
      }
      records.addAll(log.records());
    }
    ThoughtMetrics tm = ThoughtMetrics.builder().spikeThreshold(spikeThreshold)
        .detectors(DetectCommand.resolve(spec, detector.name())).build();
    List<TraceMetrics> per = tm.measureAll(records);
    MetricsSummary summary = MetricsSummary.of(per, resamples, seed);
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      out.println(mapper.writeValueAsString(MetricsJson.toJson(mapper, per, summary)));
    } else {
      out.println(String.format(Locale.ROOT, "%-28s %-20s %4s %7s %9s %9s %9s %9s", "variant", "probe", "iter", "tokens",
          "refl/1k", "wait/1k", "H mean", "ans edit"));
      for (TraceMetrics t : per) {
        TraceRecord r = t.record();
        out.println(String.format(Locale.ROOT, "%-28s %-20s %4d %7.0f %9.2f %9.2f %9.3f %9.3f", r.variant(), r.probeId(),
            r.iteration(), t.get(Metric.TOKENS), t.get(Metric.REFLECTIVE_PER_1K), t.get(Metric.WAIT_PER_1K),
            t.get(Metric.ENTROPY_MEAN), t.get(Metric.ANSWER_EDIT)));
      }
      out.println();
      out.print(MetricsJson.toText(summary));
    }
    out.flush();
    err.println("measured " + records.size() + " trace records in " + summary.groups().size() + " groups (bootstrap "
        + resamples + " resamples, seed " + seed + ")");
    err.flush();
    return LtmCli.OK;
  }
}
