package io.ltm.metrics.detect.learned;

import io.ltm.metrics.detect.BehaviourClassifier;
import io.ltm.metrics.detect.BehaviourDetectors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;

/**
 * Chooses a behaviour detector by the name the CLI's {@code --detector} takes: {@code rules} (the
 * shipped rules), {@code learned} or {@code combined} (the shipped learned detector, deciding by its
 * calibrated probability or by the stacker over it and the rules), or a directory written by {@code ltm
 * detect --train} (deciding as its {@code detector.json} says). Thread-safe; the shipped learned model
 * is loaded once.
 */
public final class Detectors {
  /** The class-path folder of the shipped learned detector. */
  public static final String SHIPPED_RESOURCE = "/io/ltm/metrics/detect/learned/default/";

  /** What {@code --detector} defaults to: the candidate with the best macro F1 on the fresh scenes (docs/detectors.md). */
  public static final String DEFAULT = "learned";

  private static volatile LearnedDetector shipped;

  private Detectors() {}

  /** The help text of {@code --detector}, the same in every command. */
  public static final String OPTION_DESCRIPTION = "Behaviour detector: rules, learned, combined, or a directory "
      + "written by 'ltm detect --train' (default: " + DEFAULT + ").";

  /**
   * The detector {@code spec} names.
   *
   * @throws IllegalArgumentException when {@code spec} is no known name and no detector directory
   */
  public static BehaviourClassifier resolve(String spec) throws IOException {
    Objects.requireNonNull(spec, "spec");
    switch (spec.trim().toLowerCase(Locale.ROOT)) {
      case "rules":
        return BehaviourDetectors.defaults();
      case "learned":
        return shipped().with(LearnedDetector.Mode.LEARNED, "learned");
      case "combined":
        return shipped().with(LearnedDetector.Mode.COMBINED, "combined");
      default:
        Path p = Path.of(spec);
        if (!p.toFile().isDirectory()) {
          throw new IllegalArgumentException("--detector " + spec + ": expected rules, learned, combined or a detector "
              + "directory written by 'ltm detect --train', but no such directory exists");
        }
        return DetectorFiles.load(p);
    }
  }

  /** The detector {@link #DEFAULT} names. */
  public static BehaviourClassifier byDefault() {
    try {
      return resolve(DEFAULT);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The shipped learned detector (in the mode its files name), trained on every labelled set of the project. */
  public static LearnedDetector shipped() {
    LearnedDetector d = shipped;
    if (d == null) {
      synchronized (Detectors.class) {
        d = shipped;
        if (d == null) {
          try {
            d = DetectorFiles.loadResource(SHIPPED_RESOURCE, "shipped");
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          shipped = d;
        }
      }
    }
    return d;
  }
}
