package io.ltm.metrics.experiment;

import io.ltm.metrics.trace.Metric;

/**
 * The experiment's comparisons for one metric. Immutable.
 *
 * @param metric the metric
 * @param primary true when pre-registered as primary; false: exploratory (looked at after the fact)
 * @param vsBase adapter minus base
 * @param vsControl adapter minus control, null without a control
 * @param controlVsBase control minus base (descriptive, untested), null without a control
 */
public record MetricResult(Metric metric, boolean primary, Effect vsBase, Effect vsControl, Effect controlVsBase) {}
