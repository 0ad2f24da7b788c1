package io.ltm.metrics.experiment;

import java.util.List;
import java.util.Objects;

/**
 * The analysis of an experiment: its pre-registration, one result per metric (primary first, then
 * exploratory) and the verdict. Immutable.
 *
 * @param preregistration what was decided before training
 * @param metrics per metric, primary ones first in registered order
 * @param verdict the answer
 * @param probes the probes every condition and seed had traces for
 */
public record ExperimentResult(Preregistration preregistration, List<MetricResult> metrics, Verdict verdict,
    List<String> probes) {
  public ExperimentResult {
    Objects.requireNonNull(preregistration, "preregistration");
    Objects.requireNonNull(verdict, "verdict");
    metrics = List.copyOf(metrics);
    probes = List.copyOf(probes);
  }
}
