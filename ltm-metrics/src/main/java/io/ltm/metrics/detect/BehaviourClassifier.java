package io.ltm.metrics.detect;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What every behaviour detector offers the metrics, the report and the evaluation: a step-level
 * classification (which behaviours a thinking step shows, optionally seeing the steps before it) and
 * spans in free reasoning text. Implemented by the rules ({@link BehaviourDetectors}) and by the
 * learned detectors ({@code io.ltm.metrics.detect.learned.LearnedDetector}); chosen by name with
 * {@code io.ltm.metrics.detect.learned.Detectors#resolve}. Implementations are immutable and
 * thread-safe.
 */
public interface BehaviourClassifier {

  /** A short name for reports: {@code rules}, {@code learned}, {@code combined} or a directory. */
  String name();

  /** The behaviours this classifier can find; the others are never reported (metrics show NaN). */
  Set<Behaviour> behaviours();

  /** The behaviours one thinking step shows, seen on its own. */
  Set<Behaviour> classify(String text);

  /**
   * The behaviours of each step of one ordered sequence (a scene's thought), where step {@code i} may
   * use steps {@code 0..i-1} as context. The default classifies each step on its own.
   */
  default List<Set<Behaviour>> classifySteps(List<String> steps) {
    List<Set<Behaviour>> out = new ArrayList<>(steps.size());
    for (String s : steps) {
      out.add(classify(s));
    }
    return out;
  }

  /**
   * Where behaviours show in a free reasoning text: spans sorted by start; spans of different
   * behaviours may overlap. Rules mark the matched cue; learned detectors mark whole sentences.
   */
  List<Span> detect(String text);

  /**
   * Number of detections per behaviour in {@code text} that the metrics count; every behaviour of {@link
   * #behaviours()} has an entry. The default counts the spans of {@link #detect}; a learned detector counts
   * those at its counting thresholds.
   */
  default Map<Behaviour, Integer> counts(String text) {
    return spanCounts(behaviours(), detect(text));
  }

  /** How many of {@code spans} show each behaviour, with an entry (0 when none) for every one of {@code behaviours}. */
  static Map<Behaviour, Integer> spanCounts(Set<Behaviour> behaviours, List<Span> spans) {
    Map<Behaviour, Integer> m = new EnumMap<>(Behaviour.class);
    for (Behaviour b : behaviours) {
      m.put(b, 0);
    }
    for (Span s : spans) {
      m.merge(s.behaviour(), 1, Integer::sum);
    }
    return m;
  }
}
