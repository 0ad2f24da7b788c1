package io.ltm.metrics.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.scene.SceneLoad;
import io.ltm.core.scene.SceneReader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Detector evaluation on labelled scene steps: the development split ({@code examples/scenes}, 28
 * scenes, 215 steps) and the test split ({@code src/test/resources/heldout-scenes}, 13 scenes, 114
 * steps, written before revision 3 of the rules was made and committed first).
 *
 * <p>History: revision 1 ({@code behaviour-patterns-v1.txt}) was written before any scene was read
 * (0.551 macro F1 on the first 26 example scenes); revision 2 ({@code behaviour-patterns-v2.txt}) was
 * tuned once on those 26 scenes (0.852 there, 0.437 on two later scenes, 0.823 on all 28) and scored
 * 0.585 on the test split. Revision 3 (shipped) added strong/weak cues with step-level conflict
 * resolution, treats quoted cues as mentions, and rewrote cues from the grammar of each behaviour,
 * tuned on the development split only: 0.892 on the 28 example scenes and 0.810 on the test split
 * (55 of its 114 steps Russian; its one look at the test split; see {@code heldout-scenes/README.md}). Floors are these figures
 * rounded down to two places; when rules change, write fresh unseen scenes first and measure there.
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
    // measured: 0.892; per behaviour 0.702 (tension) to 1.000 (rewrite)
    assertThat(rep.macroF1()).isGreaterThanOrEqualTo(0.89);
    rep.scores().forEach((b, s) -> assertThat(s.f1()).as(b.label()).isGreaterThanOrEqualTo(0.70));
  }

  static EvaluationReport heldOutScenes(BehaviourDetectors detectors) {
    SceneLoad load = SceneReader.readLenient(List.of(Path.of("src/test/resources/heldout-scenes")));
    assertThat(load.errors()).isEmpty();
    assertThat(load.scenes()).hasSize(13);
    List<LabelledStep> steps = DetectorEvaluation.steps(load.sceneList());
    assertThat(steps).hasSize(114);
    assertThat(steps.stream().filter(s -> s.lang().equals("ru")).count()).isEqualTo(55);
    return DetectorEvaluation.evaluate(steps, detectors);
  }

  @Test
  void unseenTestScenesScoresStayAboveMeasuredFloors() {
    EvaluationReport rep = heldOutScenes(BehaviourDetectors.defaults());
    System.out.println("test split (held-out scenes):\n" + rep.toMarkdown());
    assertThat(rep.scores()).hasSize(6);
    // measured: 0.810; per behaviour 0.667 (backtrack, 7 steps) to 0.952 (rewrite)
    assertThat(rep.macroF1()).isGreaterThanOrEqualTo(0.80);
    rep.scores().forEach((b, s) -> assertThat(s.f1()).as(b.label()).isGreaterThanOrEqualTo(0.66));
  }

  @Test
  void shippedRulesGeneraliseBetterThanRevisionTwoOnTheTestSplit() throws Exception {
    BehaviourDetectors v2;
    try (var r = new java.io.InputStreamReader(getClass().getResourceAsStream("/behaviour-patterns-v2.txt"),
        java.nio.charset.StandardCharsets.UTF_8)) {
      v2 = BehaviourDetectors.parse(r, "behaviour-patterns-v2.txt");
    }
    EvaluationReport before = heldOutScenes(v2);
    EvaluationReport after = heldOutScenes(BehaviourDetectors.defaults());
    System.out.println("revision 2 on the test split:\n" + before.toMarkdown());
    // measured: revision 2 0.585, revision 3 0.810
    assertThat(before.macroF1()).isBetween(0.58, 0.59);
    assertThat(after.macroF1()).isGreaterThan(before.macroF1() + 0.2);
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
