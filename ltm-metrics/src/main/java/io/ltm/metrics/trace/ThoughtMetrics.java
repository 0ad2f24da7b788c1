package io.ltm.metrics.trace;

import io.ltm.core.loop.TraceRecord;
import io.ltm.metrics.detect.Behaviour;
import io.ltm.metrics.detect.BehaviourClassifier;
import io.ltm.metrics.detect.BehaviourDetectors;
import io.ltm.metrics.detect.ReflectiveLexicon;
import io.ltm.metrics.detect.ReflectiveRate;
import io.ltm.metrics.stats.Embedder;
import io.ltm.metrics.stats.Perplexity;
import io.ltm.metrics.stats.RewriteMagnitude;
import io.ltm.metrics.stats.Uncertainty;
import io.ltm.metrics.stats.Words;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Measures every {@link Metric} of trace records. Immutable and thread-safe when the embedder is;
 * build with {@link #builder()}.
 *
 * <p>Rewrite metrics compare a record with the previous iteration of the same run, probe and model
 * variant ({@link TraceRecord#variant()}) among the records given together; iteration 0 (or a record
 * whose previous iteration is missing) has NaN there.
 */
public final class ThoughtMetrics {
  private final ReflectiveLexicon lexicon;
  private final BehaviourClassifier detectors;
  private final double spikeThreshold;
  private final int spikeMinLength;
  private final Embedder embedder;

  private ThoughtMetrics(Builder b) {
    this.lexicon = b.lexicon;
    this.detectors = b.detectors;
    this.spikeThreshold = b.spikeThreshold;
    this.spikeMinLength = b.spikeMinLength;
    this.embedder = b.embedder;
  }

  /**
   * A builder. Defaults: the shipped lexicons and detectors, spike threshold {@link
   * Uncertainty#DEFAULT_THRESHOLD} nats, spikes of at least 1 token, no embedder.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** The detectors used (for highlighting spans the same way). */
  public BehaviourClassifier detectors() {
    return detectors;
  }

  /** The text metrics are measured on: reasoning and answer joined by a blank line. */
  public static String text(TraceRecord r) {
    if (r.reasoning().isEmpty()) {
      return r.answer();
    }
    return r.reasoning() + "\n\n" + r.answer();
  }

  /** Metrics of one record without a previous iteration (rewrite metrics NaN). */
  public TraceMetrics measure(TraceRecord r) {
    return measure(r, null);
  }

  /** Metrics of one record; {@code previous} (may be null) is the iteration before it. */
  public TraceMetrics measure(TraceRecord r, TraceRecord previous) {
    Objects.requireNonNull(r, "r");
    Map<Metric, Double> v = new EnumMap<>(Metric.class);
    List<String> notes = new java.util.ArrayList<>();
    String text = text(r);
    int tokens = r.tokens().isEmpty() ? Words.count(text) : r.tokens().size();
    v.put(Metric.TOKENS, (double) tokens);
    ReflectiveRate rate = ReflectiveRate.of(lexicon.count(text), tokens);
    v.put(Metric.REFLECTIVE_PER_1K, rate.per1k());
    v.put(Metric.WAIT_PER_1K, rate.waitPer1k());
    Map<Behaviour, Integer> counts = tokens > 0 ? detectors.counts(text) : Map.of();
    for (Behaviour b : Behaviour.values()) {
      Integer c = counts.get(b);
      v.put(Metric.of(b), c == null ? Double.NaN : 1000.0 * c / tokens);
    }
    if (!r.tokens().isEmpty()) {
      Uncertainty u = Uncertainty.of(r.tokens(), spikeThreshold, spikeMinLength);
      v.put(Metric.ENTROPY_MEAN, u.mean());
      v.put(Metric.ENTROPY_P90, u.p90());
      v.put(Metric.TENSION_SPIKES, u.known() == 0 ? Double.NaN : u.spikes().size());
      Perplexity.Result pr = Perplexity.ofGenerated(r.tokens(), true);
      Perplexity.Result pa = Perplexity.ofGenerated(r.tokens(), false);
      v.put(Metric.PPL_REASONING, pr.ppl());
      v.put(Metric.PPL_ANSWER, pa.ppl());
      if (!pr.nonFinite().isEmpty()) {
        notes.add("reasoning perplexity is infinite: " + pr.describeNonFinite());
      }
      if (!pa.nonFinite().isEmpty()) {
        notes.add("answer perplexity is infinite: " + pa.describeNonFinite());
      }
    }
    if (previous != null) {
      RewriteMagnitude m = RewriteMagnitude.between(previous, r, embedder);
      v.put(Metric.ANSWER_EDIT, m.answerEdit());
      v.put(Metric.REASONING_EDIT, m.reasoningEdit());
      v.put(Metric.ANSWER_EMBEDDING_DISTANCE, m.answerEmbedding());
    }
    return new TraceMetrics(r, v, notes);
  }

  /** Metrics of every record, in the given order, each compared with its previous iteration. */
  public List<TraceMetrics> measureAll(List<TraceRecord> records) {
    Map<String, TraceRecord> byKey = new HashMap<>();
    for (TraceRecord r : records) {
      byKey.put(key(r, r.iteration()), r);
    }
    List<TraceMetrics> out = new ArrayList<>(records.size());
    for (TraceRecord r : records) {
      TraceRecord prev = r.iteration() == 0 ? null : byKey.get(key(r, r.iteration() - 1));
      out.add(measure(r, prev));
    }
    return out;
  }

  private static String key(TraceRecord r, int iteration) {
    return r.runId() + '\u0000' + r.probeId() + '\u0000' + r.variant() + '\u0000' + iteration;
  }

  /** Sorts records by run, probe, variant and iteration (a stable, readable order). */
  public static Comparator<TraceRecord> order() {
    return Comparator.comparing(TraceRecord::runId).thenComparing(TraceRecord::probeId)
        .thenComparing(TraceRecord::variant).thenComparingInt(TraceRecord::iteration);
  }

  /** Builds {@link ThoughtMetrics}; {@link #build()} checks the values. */
  public static final class Builder {
    private ReflectiveLexicon lexicon;
    private BehaviourClassifier detectors;
    private double spikeThreshold = Uncertainty.DEFAULT_THRESHOLD;
    private int spikeMinLength = 1;
    private Embedder embedder;

    private Builder() {}

    /** The reflective lexicon; default {@link ReflectiveLexicon#defaults()}. */
    public Builder lexicon(ReflectiveLexicon lexicon) {
      this.lexicon = lexicon;
      return this;
    }

    /**
     * The behaviour detectors; default {@link io.ltm.metrics.detect.learned.Detectors#byDefault()}, the
     * same detector as the CLI's {@code --detector} default (the shipped learned detector; see
     * docs/detectors.md). A learned detector counts sentences showing a behaviour where the rules ({@link
     * BehaviourDetectors#defaults()}) count cue matches.
     */
    public Builder detectors(BehaviourClassifier detectors) {
      this.detectors = detectors;
      return this;
    }

    /** Entropy above which a token is part of a tension spike, nats; default 2.0. */
    public Builder spikeThreshold(double spikeThreshold) {
      this.spikeThreshold = spikeThreshold;
      return this;
    }

    /** Minimum tokens in a spike; default 1. */
    public Builder spikeMinLength(int spikeMinLength) {
      this.spikeMinLength = spikeMinLength;
      return this;
    }

    /** An embedder for the answer embedding distance; default none (metric NaN). */
    public Builder embedder(Embedder embedder) {
      this.embedder = embedder;
      return this;
    }

    public ThoughtMetrics build() {
      if (!(spikeThreshold >= 0) || Double.isInfinite(spikeThreshold)) {
        throw new IllegalArgumentException("spikeThreshold must be finite and >= 0 but got " + spikeThreshold);
      }
      if (spikeMinLength < 1) {
        throw new IllegalArgumentException("spikeMinLength must be >= 1 but got " + spikeMinLength);
      }
      if (lexicon == null) {
        lexicon = ReflectiveLexicon.defaults();
      }
      if (detectors == null) {
        detectors = io.ltm.metrics.detect.learned.Detectors.byDefault();
      }
      return new ThoughtMetrics(this);
    }
  }
}
