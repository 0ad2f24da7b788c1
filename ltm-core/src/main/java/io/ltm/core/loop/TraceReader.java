package io.ltm.core.loop;

import io.ltm.core.problem.Problem;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads trace files written by {@link TraceWriter}. Blank lines are skipped. A malformed line throws
 * {@link TraceFormatException} naming {@code file:line} and the field, except a torn last line (the
 * file does not end with a line break and its last line does not parse), which a crash mid-write
 * leaves: it is skipped, logged, and reported as a warning. Stateless and thread-safe.
 */
public final class TraceReader {
  private static final Logger LOG = LoggerFactory.getLogger(TraceReader.class);

  private TraceReader() {}

  /**
   * The records of one trace file and the warnings met reading it.
   *
   * @param file the trace file
   * @param records the finished iterations, in file order (records marked {@link TraceRecord#failed()}
   *     are not among them)
   * @param warnings a torn last line; each failed iteration no later record of the same run, variant,
   *     probe and iteration replaced
   * @param failures the failed iterations no later record replaced, in file order
   */
  public record TraceLog(Path file, List<TraceRecord> records, List<Problem> warnings, List<TraceRecord> failures) {
    public TraceLog {
      Objects.requireNonNull(file, "file");
      records = List.copyOf(records);
      warnings = List.copyOf(warnings);
      failures = List.copyOf(failures);
    }

    /** A log without failed iterations. */
    public TraceLog(Path file, List<TraceRecord> records, List<Problem> warnings) {
      this(file, records, warnings, List.of());
    }
  }

  /**
   * Reads every finished record of {@code file}; failed iterations (a stream that dropped, a server
   * that kept refusing) are left out of {@link TraceLog#records()}, and those not retried since are
   * listed in {@link TraceLog#failures()} with a warning each.
   *
   * @throws TraceFormatException for a malformed line (other than a torn last line)
   * @throws IOException when the file cannot be read
   */
  public static TraceLog read(Path file) throws IOException {
    List<TraceRecord> records = new ArrayList<>();
    List<TraceRecord> failed = new ArrayList<>();
    List<Problem> warnings = new ArrayList<>(forEach(file, r -> (r.failed() ? failed : records).add(r)));
    List<TraceRecord> open = new ArrayList<>();
    if (!failed.isEmpty()) {
      java.util.Set<String> done = new java.util.HashSet<>();
      for (TraceRecord r : records) {
        done.add(iterationKey(r));
      }
      for (TraceRecord f : failed) {
        if (!done.contains(iterationKey(f))) {
          open.add(f);
          warnings.add(Problem.warning(file.toString(), 0, 0, "failure", "probe '" + f.probeId() + "' (" + f.variant()
              + ", run " + f.runId() + ") iteration " + f.iteration() + " failed and is left out: " + f.failure()
              + "; run the loop again with the same trace file to retry it"));
        }
      }
    }
    java.util.Map<String, Integer> kinds = new java.util.TreeMap<>();
    for (TraceRecord r : records) {
      kinds.putIfAbsent(r.variant(), r.entropyTopK() == null ? 0 : r.entropyTopK());
    }
    if (new java.util.HashSet<>(kinds.values()).size() > 1) {
      StringBuilder sb = new StringBuilder();
      kinds.forEach((v, k) -> sb.append(sb.length() == 0 ? "" : ", ").append(v).append(": ")
          .append(k == 0 ? "exact" : "top-" + k + " estimate"));
      warnings.add(Problem.warning(file.toString(), 0, 0, "entropyTopK", "token entropies are not measured alike across "
          + "variants (" + sb + "); a top-k estimate is a lower bound of the exact entropy, so compare entropy-based "
          + "metrics only between variants measured alike"));
    }
    return new TraceLog(file, records, warnings, open);
  }

  private static String iterationKey(TraceRecord r) {
    return r.runId() + '\u0000' + r.variant() + '\u0000' + r.probeId() + '\u0000' + r.iteration();
  }

  /**
   * Streams the records of {@code file} to {@code sink} in order, without holding them all; failed
   * iterations ({@link TraceRecord#failed()}) included.
   *
   * @return warnings (a torn last line), empty when none
   */
  public static List<Problem> forEach(Path file, Consumer<TraceRecord> sink) throws IOException {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(sink, "sink");
    boolean endsWithNewline = endsWithNewline(file);
    List<Problem> warnings = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
      String line = r.readLine();
      int lineNo = 0;
      while (line != null) {
        lineNo++;
        String next = r.readLine();
        if (!line.isBlank()) {
          TraceRecord rec;
          try {
            rec = TraceJson.fromJson(line);
          } catch (TraceJson.FieldException e) {
            boolean last = next == null;
            if (last && !endsWithNewline) {
              Problem w = Problem.warning(file.toString(), lineNo, 0, e.field(),
                  "torn last line ignored (no line break at the end of the file; an interrupted write?): " + e.getMessage());
              LOG.warn(w.format());
              warnings.add(w);
              break;
            }
            throw new TraceFormatException(Problem.error(file.toString(), lineNo, e.column(), e.field(),
                e.getMessage() + "; fix or delete this line (each line must be one trace record)"), e);
          }
          sink.accept(rec);
        }
        line = next;
      }
    }
    return warnings;
  }

  private static boolean endsWithNewline(Path file) throws IOException {
    try (var ch = java.nio.channels.FileChannel.open(file)) {
      long size = ch.size();
      if (size == 0) {
        return true;
      }
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      ch.read(b, size - 1);
      return b.get(0) == '\n';
    }
  }
}
