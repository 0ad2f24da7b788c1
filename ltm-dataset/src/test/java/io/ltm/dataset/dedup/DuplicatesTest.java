package io.ltm.dataset.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.scene.Step;
import io.ltm.core.scene.StepKind;
import io.ltm.dataset.TestScenes;
import java.util.List;
import org.junit.jupiter.api.Test;

class DuplicatesTest {
  @Test
  void findsSameContentAndSamePromptAndThought() {
    List<Step> t = List.of(Step.of(StepKind.OBSERVE, "The reasons change."), Step.of(StepKind.TENSION, "Perfect vs run."));
    var a = TestScenes.scene("a", "ctx", "Why?", t, "Run it.");
    var b = TestScenes.scene("b", "ctx ", "Why?\n", List.of(Step.of(StepKind.OBSERVE, "The  reasons\nchange."),
        Step.of(StepKind.TENSION, "Perfect vs run.")), "Run it.\n"); // same after white space normalisation
    var c = TestScenes.scene("c", "other context", "Why?", t, "Another answer.");
    var d = TestScenes.scene("d", "ctx", "Why?", List.of(Step.of(StepKind.PLAN, "The reasons change."),
        Step.of(StepKind.TENSION, "Perfect vs run.")), "Run it."); // other kind: same prompt+thought text only
    var e = TestScenes.scene("e", "", "Something else?", t, "Run it.");
    List<DuplicateGroup> groups = Duplicates.find(List.of(a, b, c, d, e));
    assertThat(groups).containsExactly(
        new DuplicateGroup(DuplicateGroup.Kind.SAME_CONTENT, List.of("a", "b")),
        new DuplicateGroup(DuplicateGroup.Kind.SAME_PROMPT_AND_THOUGHT, List.of("a", "b", "c", "d")));
  }

  @Test
  void noGroupsForDistinctScenes() {
    assertThat(Duplicates.find(TestScenes.random(200, 5))).isEmpty();
  }

  @Test
  void normalisationCollapsesWhiteSpaceRuns() {
    assertThat(Duplicates.norm("  a \t\n b\u00a0\u00a0c  ")).isEqualTo("a b c");
    assertThat(Duplicates.norm("")).isEmpty();
    assertThat(Duplicates.norm("Привет,\n\nмир")).isEqualTo("Привет, мир");
  }
}
