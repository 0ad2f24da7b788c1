package io.ltm.core.scene;

import io.ltm.core.problem.Problem;
import java.util.List;

/**
 * The result of a lenient load ({@link SceneReader#readLenient}): every scene without errors, in file
 * order, and every problem found, sorted by file (in reading order), line and column.
 *
 * @param scenes the valid scenes (a scene with only warnings is valid)
 * @param problems all errors and warnings
 */
public record SceneLoad(List<SourcedScene> scenes, List<Problem> problems) {
  public SceneLoad {
    scenes = List.copyOf(scenes);
    problems = List.copyOf(problems);
  }

  /** True when at least one problem is an error. */
  public boolean hasErrors() {
    return problems.stream().anyMatch(Problem::isError);
  }

  /** The errors, in order. */
  public List<Problem> errors() {
    return problems.stream().filter(Problem::isError).toList();
  }

  /** The warnings, in order. */
  public List<Problem> warnings() {
    return problems.stream().filter(p -> !p.isError()).toList();
  }

  /** The scenes without their sources. */
  public List<Scene> sceneList() {
    return scenes.stream().map(SourcedScene::scene).toList();
  }
}
