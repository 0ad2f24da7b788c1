package io.ltm.metrics.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import org.junit.jupiter.api.Test;

/** Strong and weak cues, step-level conflict resolution, quoted mentions, Russian verb forms. */
class ConflictResolutionTest {
  final BehaviourDetectors d = BehaviourDetectors.defaults();

  @Test
  void strengthColumnIsParsedAndAWeakCueYieldsToAStrongOne() throws Exception {
    BehaviourDetectors rules = BehaviourDetectors.parse(new StringReader(
        "tension\ten\tweak\t,\\s+but\\b\n"
            + "tension\ten\t\\bon the other hand\\b\n"
            + "verification\ten\tstrong\t\\blet me check\\b\n"), "p.txt");
    PatternDetector t = (PatternDetector) rules.detector(Behaviour.TENSION);
    assertThat(t.isWeak(0)).isTrue();
    assertThat(t.isWeak(1)).isFalse();
    assertThat(rules.detector(Behaviour.VERIFICATION).strength("Let me check it.")).isEqualTo(BehaviourDetector.STRONG);
    assertThat(t.strength("Cheap, but slow.")).isEqualTo(BehaviourDetector.WEAK);
    assertThat(t.strength("Cheap. On the other hand, slow.")).isEqualTo(BehaviourDetector.STRONG);
    assertThat(t.strength("Cheap and fast.")).isZero();
    // weak alone: kept; weak next to another behaviour's strong cue: dropped; strong + strong: both kept
    assertThat(rules.classify("Cheap, but slow.")).containsExactly(Behaviour.TENSION);
    assertThat(rules.classify("Let me check the sum, but quickly.")).containsExactly(Behaviour.VERIFICATION);
    assertThat(rules.classify("Let me check: on the other hand the sum is odd."))
        .containsExactlyInAnyOrder(Behaviour.VERIFICATION, Behaviour.TENSION);
    assertThat(rules.classify("Nothing here.")).isEmpty();
    // spans are still marked for every match, weak or strong
    assertThat(rules.detect("Let me check the sum, but quickly.")).hasSize(2);
    assertThatThrownBy(() -> BehaviourDetectors.parse(new StringReader("tension\ten\tweak\t \n"), "p.txt"))
        .hasMessageContaining("p.txt:1").hasMessageContaining("regex after the strength column");
  }

  @Test
  void precedenceLinesKeepTheOutrankingBehaviourOnEqualStrength() throws Exception {
    String rules = "rewrite\ten\t\\bcorrection\\b\n"
        + "reflection\ten\t\\bI was wrong\\b\n"
        + "reflection\ten\tweak\t\\bI notice\\b\n"
        + "verification\ten\t\\blet me check\\b\n";
    BehaviourDetectors flat = BehaviourDetectors.parse(new StringReader(rules), "p.txt");
    BehaviourDetectors ranked = BehaviourDetectors.parse(new StringReader("@outranks\trewrite\treflection\n" + rules), "p.txt");
    String both = "Correction: I was wrong about the total.";
    assertThat(flat.classify(both)).containsExactlyInAnyOrder(Behaviour.REWRITE, Behaviour.REFLECTION);
    assertThat(ranked.classify(both)).containsExactly(Behaviour.REWRITE);
    // precedence only between the behaviours named; alone, the outranked one is still found
    assertThat(ranked.classify("I was wrong. Let me check the sum.")).containsExactlyInAnyOrder(
        Behaviour.REFLECTION, Behaviour.VERIFICATION);
    assertThat(ranked.classify("I was wrong.")).containsExactly(Behaviour.REFLECTION);
    assertThatThrownBy(() -> BehaviourDetectors.parse(new StringReader("@outranks\trewrite\n"), "p.txt"))
        .hasMessageContaining("p.txt:1").hasMessageContaining("@outranks");
    assertThatThrownBy(() -> BehaviourDetectors.parse(new StringReader("@outranks\trewrite\tmusing\n"), "p.txt"))
        .hasMessageContaining("p.txt:1").hasMessageContaining("unknown behaviour 'musing'");
    assertThatThrownBy(() -> BehaviourDetectors.parse(new StringReader("@outranks\trewrite\trewrite\n"), "p.txt"))
        .hasMessageContaining("cannot outrank itself");
    assertThatThrownBy(() -> BehaviourDetectors.parse(new StringReader(
        "@outranks\trewrite\treflection\n@outranks\treflection\trewrite\n" + rules), "p.txt"))
        .hasMessageContaining("outrank each other");
  }

  @Test
  void quotedCuesAreMentionsNotUse() {
    String t = "The adapter wrote \"let me check\" in 14 outputs and «проверю» in 3.";
    assertThat(QuotedText.mask(t)).hasSameSizeAs(t).doesNotContain("check").doesNotContain("проверю")
        .startsWith("The adapter wrote \"").contains("\" in 14 outputs and «").endsWith("» in 3.");
    assertThat(d.classify(t)).doesNotContain(Behaviour.VERIFICATION);
    assertThat(d.classify("Let me check the sum: 3 × 4 = 12.")).contains(Behaviour.VERIFICATION);
    assertThat(QuotedText.mask("no quotes here")).isEqualTo("no quotes here");
    // an unclosed quote masks nothing
    assertThat(QuotedText.mask("he said \"let me check")).isEqualTo("he said \"let me check");
  }

  @Test
  void russianVerificationCuesAreFirstPersonOrPastNotTheInfinitiveOfAPlan() {
    for (String s : new String[] {"Проверю ещё раз сумму.", "Проверим на втором примере.", "Я проверил логи — всё так.",
        "Сверил с выпиской.", "Пересчитал с запасом.", "Подставим обратно в уравнение."}) {
      assertThat(d.classify(s)).as(s).contains(Behaviour.VERIFICATION);
    }
    assertThat(d.classify("Завтра проверить логи и написать отчёт.")).doesNotContain(Behaviour.VERIFICATION);
    // modal + infinitive + embedded question is an intermediate goal, not a check
    assertThat(d.classify("Надо проверить, исчезает ли ошибка при другом seed."))
        .contains(Behaviour.SUBGOAL_SETTING).doesNotContain(Behaviour.VERIFICATION);
    assertThat(d.classify("I need to find out whether the pool still points at the old host."))
        .containsExactly(Behaviour.SUBGOAL_SETTING);
  }

  @Test
  void discourseContrastOpeningASentenceIsTensionAMidSentenceButIsOnlyWeak() {
    assertThat(d.classify("The model fits the data. But the answers contradict the reasoning."))
        .contains(Behaviour.TENSION);
    assertThat(d.classify("Однако тогда придётся отказаться от скорости.")).contains(Behaviour.TENSION);
    // a plan with a mid-sentence "but" and a stronger cue of another behaviour is not a tension
    assertThat(d.classify("Let me verify the totals again, but only for March.")).containsExactly(Behaviour.VERIFICATION);
  }
}
