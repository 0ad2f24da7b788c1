package io.ltm.metrics.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

/** Copies the fixture run directory from test resources into a fresh folder. */
final class FixtureRun {
  private FixtureRun() {}

  static Path copyTo(Path target) throws IOException {
    Path src = Paths.get("src/test/resources/fixture-run");
    try (Stream<Path> s = Files.walk(src)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = target.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
    return target;
  }
}
