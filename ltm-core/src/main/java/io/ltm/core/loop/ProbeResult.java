package io.ltm.core.loop;

import java.util.List;
import java.util.Objects;

/**
 * What the loop did for one probe under one model variant.
 *
 * @param probe the probe
 * @param variant the model variant
 * @param records every iteration's record in order, those found in the trace file first
 * @param resumed how many of {@code records} were already in the trace file
 * @param stoppedEarly true when the loop stopped because the answer stopped changing
 * @param failure the failed iteration that stopped this probe (recorded in the trace, retried on
 *     resume), or null when none failed; not among {@code records}
 */
public record ProbeResult(Probe probe, ModelVariant variant, List<TraceRecord> records, int resumed, boolean stoppedEarly,
    TraceRecord failure) {
  public ProbeResult {
    if (failure != null && !failure.failed()) {
      throw new IllegalArgumentException("failure must be a record marked failed");
    }
    Objects.requireNonNull(probe, "probe");
    Objects.requireNonNull(variant, "variant");
    records = List.copyOf(records);
    if (resumed < 0 || resumed > records.size()) {
      throw new IllegalArgumentException("resumed must be in [0, " + records.size() + "] but got " + resumed);
    }
  }

  /** A result without a failure. */
  public ProbeResult(Probe probe, ModelVariant variant, List<TraceRecord> records, int resumed, boolean stoppedEarly) {
    this(probe, variant, records, resumed, stoppedEarly, null);
  }

  /** True when an iteration failed and this probe stopped there. */
  public boolean failed() {
    return failure != null;
  }

  /** Iterations generated in this run (not taken from the trace file). */
  public int generated() {
    return records.size() - resumed;
  }

  /** The last iteration's record, or null when there is none. */
  public TraceRecord last() {
    return records.isEmpty() ? null : records.get(records.size() - 1);
  }
}
