package io.ltm.metrics.report;

import io.ltm.core.loop.TraceReader;
import io.ltm.core.loop.TraceRecord;
import io.ltm.core.problem.Problem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * What a report reads from a run directory: {@code metrics.jsonl} (optional) and the records of
 * {@code traces/*.jsonl} (optional; files read in name order).
 *
 * @param runDir the run directory
 * @param training the training log, null when there is no {@code metrics.jsonl}
 * @param traces every trace record
 * @param traceFiles the trace files read
 * @param warnings problems that did not stop reading (torn last lines)
 */
public record RunData(Path runDir, TrainingLog training, List<TraceRecord> traces, List<Path> traceFiles,
    List<Problem> warnings) {
  public RunData {
    Objects.requireNonNull(runDir, "runDir");
    traces = List.copyOf(traces);
    traceFiles = List.copyOf(traceFiles);
    warnings = List.copyOf(warnings);
  }

  /**
   * Reads a run directory.
   *
   * @throws IllegalArgumentException when it is not a directory, holds neither file, or a line is
   *     malformed (the message names file and line)
   */
  public static RunData read(Path runDir) throws IOException {
    if (!Files.isDirectory(runDir)) {
      throw new IllegalArgumentException(runDir + ": not a directory; give the run directory (the folder with metrics.jsonl and traces/)");
    }
    List<Problem> warnings = new ArrayList<>();
    TrainingLog log = null;
    Path metrics = runDir.resolve("metrics.jsonl");
    if (Files.isRegularFile(metrics)) {
      log = TrainingLog.read(metrics);
      warnings.addAll(log.warnings());
    }
    List<Path> files = new ArrayList<>();
    List<TraceRecord> traces = new ArrayList<>();
    Path tdir = runDir.resolve("traces");
    if (Files.isDirectory(tdir)) {
      try (Stream<Path> s = Files.list(tdir)) {
        s.filter(p -> p.getFileName().toString().endsWith(".jsonl") && Files.isRegularFile(p)).sorted().forEach(files::add);
      }
      for (Path f : files) {
        TraceReader.TraceLog t = TraceReader.read(f);
        traces.addAll(t.records());
        warnings.addAll(t.warnings());
      }
    }
    if (log == null && files.isEmpty()) {
      throw new IllegalArgumentException(runDir + ": neither metrics.jsonl nor traces/*.jsonl found; is this a run directory?");
    }
    return new RunData(runDir, log, traces, files, warnings);
  }
}
