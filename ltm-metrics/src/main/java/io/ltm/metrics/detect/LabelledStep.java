package io.ltm.metrics.detect;

import java.util.Objects;

/**
 * One thinking step with a gold label, for evaluating detectors.
 *
 * @param source where it comes from, e.g. {@code scenes/a.yaml:12} or {@code heldout.tsv:7}
 * @param lang language tag such as {@code en}
 * @param label a scene step kind's YAML name ({@code verify}, {@code observe}, ...) or {@code backward}
 * @param text the step's text
 */
public record LabelledStep(String source, String lang, String label, String text) {
  public LabelledStep {
    Objects.requireNonNull(source, "source");
    lang = lang == null || lang.isBlank() ? "en" : lang;
    Objects.requireNonNull(label, "label");
    label = label.trim().toLowerCase(java.util.Locale.ROOT);
    Objects.requireNonNull(text, "text");
  }
}
