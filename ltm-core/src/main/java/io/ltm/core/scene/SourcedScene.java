package io.ltm.core.scene;

import java.util.Objects;

/**
 * A scene with where it came from.
 *
 * @param scene the scene
 * @param file the file as the user named it (the given path joined with the relative path below it)
 * @param line 1-based line where the scene's mapping starts
 */
public record SourcedScene(Scene scene, String file, int line) {
  public SourcedScene {
    Objects.requireNonNull(scene, "scene");
    Objects.requireNonNull(file, "file");
    if (line < 0) {
      throw new IllegalArgumentException("line must be >= 0 but got " + line);
    }
  }

  /** {@code file:line}, for messages. */
  public String location() {
    return file + ":" + line;
  }
}
