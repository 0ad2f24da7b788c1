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

  /**
   * How strongly the behaviour shows in {@code text}: {@link #STRONG} when a decisive cue matches,
   * {@link #WEAK} when only cues that also occur in other behaviours' text match (such as a mid-sentence
   * "but"), 0 when nothing matches. The default treats every match as strong.
   */
  default int strength(String text) {
    return fires(text) ? STRONG : 0;
  }

  /** {@link #strength} of a decisive cue. */
  int STRONG = 2;

  /** {@link #strength} of a cue that is only suggestive. */
  int WEAK = 1;
}
