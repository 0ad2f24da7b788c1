package io.ltm.metrics.detect.learned;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a learned detector was trained on and how, saved beside it ({@code provenance.json}).
 *
 * @param createdAt ISO-8601 instant of training
 * @param settings the trainer's settings
 * @param data the labelled sets, in training order
 * @param labels number of training steps per gold label
 * @param rulesSha256 SHA-256 of the rules file whose cues are features (a detector loaded with other
 *     rules warns)
 * @param note free text, e.g. how the shipped default was made
 */
public record Provenance(String createdAt, LearnedDetectorTrainer.Settings settings, List<DataSet> data,
    Map<String, Integer> labels, String rulesSha256, String note) {
  public Provenance {
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(settings, "settings");
    data = List.copyOf(data);
    labels = java.util.Collections.unmodifiableMap(new TreeMap<>(labels));
    Objects.requireNonNull(rulesSha256, "rulesSha256");
    note = note == null ? "" : note;
  }

  /**
   * One labelled set.
   *
   * @param path where it was read from, as given
   * @param kind {@code scenes}, {@code tsv} (steps) or {@code sentences} (sentence-labelled texts)
   * @param groups scenes (for TSV: lines, each its own group)
   * @param steps labelled steps
   * @param russian steps whose language is {@code ru}
   * @param sha256 SHA-256 over the set's files (relative path and bytes, in path order)
   */
  public record DataSet(String path, String kind, int groups, int steps, int russian, String sha256) {
    public DataSet {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(sha256, "sha256");
    }
  }
}
