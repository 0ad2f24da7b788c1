package io.ltm.metrics.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.scene.SceneLoad;
import io.ltm.core.scene.SceneReader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Detector evaluation on labelled scene steps. Splits: development ({@code examples/scenes}, 28 scenes,
 * 215 steps, plus {@code heldout-steps.tsv} in {@link HeldOutEvaluationTest}); the held-out scenes
 * ({@code src/test/resources/heldout-scenes}, 13 scenes, 114 steps, 55 Russian), written and committed
 * before revision 3 and the test split of revision 3; and the fresh scenes ({@code
 * src/test/resources/fresh-scenes}, 6 scenes, 54 steps, 27 Russian), written and committed before
 * revision 4 and its test split.
 *
 * <p>History (macro F1): revision 1 ({@code behaviour-patterns-v1.txt}) was written before any scene
 * was read; revision 2 ({@code behaviour-patterns-v2.txt}) was tuned on 26 example scenes: 0.823 on
 * all 28, 0.585 on the held-out scenes, 0.370 on the fresh ones. Revision 3 (strong/weak cues with
 * step-level conflict resolution, quoted cues as mentions, cues from the grammar of each behaviour),
 * tuned on the development split only: 0.892 on the examples, 0.810 on the held-out scenes (its one
 * look), 0.433 on the fresh scenes. Revision 4 (shipped; precedence lines, reports of checks, undecided
 * alternatives, habitual self-description), tuned on the development split and the held-out scenes:
 * 0.899 on the examples, 0.905 on the held-out scenes (now seen), 0.476 on the fresh scenes (its one
 * look). The fresh-scene figure is the honest one for text unlike the rules' cue words. Floors are
 * these figures rounded down; before changing rules again, write fresh unseen scenes and measure there.
 */
class SceneEvaluationTest {

  @Test
  void exampleScenesScoresStayAboveMeasuredFloors() {
    SceneLoad load = SceneReader.readLenient(List.of(Path.of("../examples/scenes")));
    assertThat(load.errors()).isEmpty();
    assertThat(load.scenes()).hasSizeGreaterThanOrEqualTo(20);
    List<LabelledStep> steps = DetectorEvaluation.steps(load.sceneList());
    EvaluationReport rep = DetectorEvaluation.evaluate(steps, BehaviourDetectors.defaults());
    System.out.println(rep.toMarkdown());
    rep.errors().forEach(e -> System.out.println((e.missed() ? "MISS " : "FA   ") + e.behaviour().key() + " <- ["
        + e.step().label() + "] " + e.step().text().replace('\n', ' ')));
    assertThat(rep.scores()).doesNotContainKey(Behaviour.BACKWARD_CHAINING);
    assertThat(rep.scores()).hasSize(6);
    // measured: 0.899; per behaviour 0.702 (tension) to 1.000 (rewrite)
    assertThat(rep.macroF1()).isGreaterThanOrEqualTo(0.89);
    rep.scores().forEach((b, s) -> assertThat(s.f1()).as(b.label()).isGreaterThanOrEqualTo(0.70));
  }

  static EvaluationReport scenes(String dir, int scenes, int steps, int russian, BehaviourDetectors detectors) {
    SceneLoad load = SceneReader.readLenient(List.of(Path.of(dir)));
    assertThat(load.errors()).isEmpty();
    assertThat(load.scenes()).hasSize(scenes);
    List<LabelledStep> labelled = DetectorEvaluation.steps(load.sceneList());
    assertThat(labelled).hasSize(steps);
    assertThat(labelled.stream().filter(s -> s.lang().equals("ru")).count()).isEqualTo(russian);
    return DetectorEvaluation.evaluate(labelled, detectors);
  }

  static EvaluationReport heldOutScenes(BehaviourDetectors detectors) {
    return scenes("src/test/resources/heldout-scenes", 13, 114, 55, detectors);
  }

  static EvaluationReport freshScenes(BehaviourDetectors detectors) {
    return scenes("src/test/resources/fresh-scenes", 6, 54, 27, detectors);
  }

  @Test
  void heldOutScenesScoresStayAboveMeasuredFloors() {
    EvaluationReport rep = heldOutScenes(BehaviourDetectors.defaults());
    System.out.println("held-out scenes:\n" + rep.toMarkdown());
    assertThat(rep.scores()).hasSize(6);
    // measured: revision 3 0.810 (unseen), revision 4 0.905 (tuned on them); per behaviour 0.824 to 1.000
    assertThat(rep.macroF1()).isGreaterThanOrEqualTo(0.90);
    rep.scores().forEach((b, s) -> assertThat(s.f1()).as(b.label()).isGreaterThanOrEqualTo(0.82));
  }

  @Test
  void freshUnseenScenesScoreStaysAboveMeasuredFloor() {
    EvaluationReport rep = freshScenes(BehaviourDetectors.defaults());
    System.out.println("fresh scenes (test split of revision 4):\n" + rep.toMarkdown());
    assertThat(rep.scores()).hasSize(6);
    // measured: 0.476 (revision 3: 0.433). Per behaviour from 0.000 (tension: none of the 6 tension
    // steps has a contrast cue the rules know) to 0.857, so only the average has a floor, and a check
    // that precision holds where the detectors do fire.
    assertThat(rep.macroF1()).isGreaterThanOrEqualTo(0.47);
    rep.scores().forEach((b, s) -> {
      if (b != Behaviour.TENSION) {
        assertThat(s.precision()).as(b.label()).isGreaterThanOrEqualTo(1.0);
      }
    });
  }

  @Test
  void shippedRulesGeneraliseBetterThanRevisionTwoOnUnseenScenes() throws Exception {
    BehaviourDetectors v2;
    try (var r = new java.io.InputStreamReader(getClass().getResourceAsStream("/behaviour-patterns-v2.txt"),
        java.nio.charset.StandardCharsets.UTF_8)) {
      v2 = BehaviourDetectors.parse(r, "behaviour-patterns-v2.txt");
    }
    EvaluationReport before = heldOutScenes(v2);
    EvaluationReport after = heldOutScenes(BehaviourDetectors.defaults());
    System.out.println("revision 2 on the held-out scenes:\n" + before.toMarkdown());
    // measured: revision 2 0.585, revision 4 0.905
    assertThat(before.macroF1()).isBetween(0.58, 0.59);
    assertThat(after.macroF1()).isGreaterThan(before.macroF1() + 0.3);
    EvaluationReport freshBefore = freshScenes(v2);
    EvaluationReport freshAfter = freshScenes(BehaviourDetectors.defaults());
    // measured: revision 2 0.370, revision 4 0.476 on scenes neither was tuned on
    assertThat(freshBefore.macroF1()).isBetween(0.36, 0.38);
    assertThat(freshAfter.macroF1()).isGreaterThan(freshBefore.macroF1() + 0.1);
  }

  @Test
  void firstContactRulesGeneraliseAboveTheirMeasuredFloor() throws Exception {
    SceneLoad load = SceneReader.readLenient(List.of(Path.of("../examples/scenes")));
    BehaviourDetectors v1;
    try (var r = new java.io.InputStreamReader(getClass().getResourceAsStream("/behaviour-patterns-v1.txt"),
        java.nio.charset.StandardCharsets.UTF_8)) {
      v1 = BehaviourDetectors.parse(r, "behaviour-patterns-v1.txt");
    }
    EvaluationReport rep = DetectorEvaluation.evaluate(DetectorEvaluation.steps(load.sceneList()), v1);
    System.out.println("revision 1 (first contact):\n" + rep.toMarkdown());
    assertThat(rep.macroF1()).isGreaterThanOrEqualTo(0.52);
  }
}
