package io.ltm.metrics.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which behaviours an evaluation reports: false alarms of an unlabelled kind must not be hidden. */
class EvaluationCoverageTest {

  @Test
  void aBehaviourThatFiresWithoutGoldStepsIsReportedWithZeroPrecision() {
    BehaviourDetectors rules = BehaviourDetectors.defaults();
    String alarm = "Let me verify this: 12 * 3 = 36, so the total checks out.";
    assertThat(rules.classify(alarm)).contains(Behaviour.VERIFICATION);
    List<LabelledStep> steps = List.of(
        new LabelledStep("a#0", "en", "observe", alarm),
        new LabelledStep("a#1", "en", "backtrack", "That was a dead end; I go back to the first idea and drop this one."));

    EvaluationReport rep = DetectorEvaluation.evaluate(steps, rules);

    EvaluationReport.Score verify = rep.scores().get(Behaviour.VERIFICATION);
    assertThat(verify).as("verification fired on an observe step").isNotNull();
    assertThat(verify.support()).isZero();
    assertThat(verify.precision()).isZero();
    assertThat(verify.f1()).isZero();
    // The false alarm pulls the macro average down. Worked out by hand: the backtrack step is found (and nothing
    // else fires on it), so backtracking scores F1 1 and verification F1 0; macro F1 = (1 + 0) / 2 = 0.5.
    assertThat(rules.classify(steps.get(1).text())).containsExactly(Behaviour.BACKTRACKING);
    assertThat(rep.scores()).containsOnlyKeys(Behaviour.VERIFICATION, Behaviour.BACKTRACKING);
    assertThat(rep.scores().get(Behaviour.BACKTRACKING).f1()).isEqualTo(1.0);
    assertThat(rep.macroF1()).isEqualTo(0.5);
    // Behaviours that neither have gold steps nor fired stay out of the report.
    assertThat(rep.scores()).doesNotContainKey(Behaviour.SUBGOAL_SETTING);
    // Backward chaining has no step kind: never reported on scene-kind labels.
    assertThat(rep.scores()).doesNotContainKey(Behaviour.BACKWARD_CHAINING);
  }
}
