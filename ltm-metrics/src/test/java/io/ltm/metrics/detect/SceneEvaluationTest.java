package io.ltm.metrics.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.scene.SceneLoad;
import io.ltm.core.scene.SceneReader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Detector evaluation on the labelled steps of the example scenes ({@code examples/scenes}). Two rule
 * sets are measured: revision 1 ({@code behaviour-patterns-v1.txt} in test resources), written before
 * any scene was read, so its score is the honest generalisation figure (macro F1 0.551 on the first 26
 * scenes); and the shipped revision 2, revised once after reading revision 1's error categories on
 * those 26 scenes (0.852 there). Two scenes added later, unseen by both revisions, give revision 2 0.437
 * and revision 1 0.233 macro F1 on their 16 steps (small, but unseen). Over all 28 scenes: revision 2
 * 0.823, revision 1 0.529. Floors are these figures rounded down; when scenes are added, re-measure
 * and record the new-scene figure before touching the rules.
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
    assertThat(rep.macroF1()).isGreaterThanOrEqualTo(0.82);
    rep.scores().forEach((b, s) -> assertThat(s.f1()).as(b.label()).isGreaterThanOrEqualTo(0.63));
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
