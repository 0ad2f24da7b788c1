package io.ltm.cli.options;

import io.ltm.metrics.detect.learned.Detectors;
import picocli.CommandLine.Option;

/**
 * {@code --detector rules|learned|combined|DIR}: which behaviour detector counts verification,
 * backtracking, tension and the rest ({@link Detectors#DEFAULT} when not given).
 */
public final class DetectorOption {
  @Option(names = "--detector", paramLabel = "NAME|DIR", defaultValue = Detectors.DEFAULT,
      description = Detectors.OPTION_DESCRIPTION)
  String detector;

  /** The name or folder given. */
  public String name() {
    return detector;
  }

  /** True when it is the default detector. */
  public boolean isDefault() {
    return Detectors.DEFAULT.equals(detector);
  }
}
