package io.ltm.metrics.trace;

import io.ltm.core.loop.TraceRecord;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The metrics of one trace record, with the record's identity.
 *
 * @param record the measured record
 * @param values every {@link Metric}, NaN where not measurable
 * @param notes what a reader must know about the values, e.g. which tokens made a perplexity infinite
 */
public record TraceMetrics(TraceRecord record, Map<Metric, Double> values, List<String> notes) {
  /** Metrics without notes. */
  public TraceMetrics(TraceRecord record, Map<Metric, Double> values) {
    this(record, values, List.of());
  }

  public TraceMetrics {
    notes = List.copyOf(notes);
    Objects.requireNonNull(record, "record");
    EnumMap<Metric, Double> m = new EnumMap<>(Metric.class);
    for (Metric k : Metric.values()) {
      Double v = values.get(k);
      m.put(k, v == null ? Double.NaN : v);
    }
    values = Collections.unmodifiableMap(m);
  }

  /** The value of {@code m}, NaN when not measurable. */
  public double get(Metric m) {
    return values.get(m);
  }
}
