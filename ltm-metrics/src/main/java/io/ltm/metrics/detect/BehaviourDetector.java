package io.ltm.metrics.detect;

import java.util.List;

/** Finds where one {@link Behaviour} shows in a text. Implementations are immutable and thread-safe. */
public interface BehaviourDetector {

  /** The behaviour this detector looks for. */
  Behaviour behaviour();

  /** Spans of {@code text} showing the behaviour, sorted by start, not overlapping; empty when none. */
  List<Span> detect(String text);

  /** True when {@link #detect} finds at least one span. */
  default boolean fires(String text) {
    return !detect(text).isEmpty();
  }
}
