package io.ltm.metrics.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.core.scene.Scene;
import io.ltm.core.scene.Step;
import io.ltm.core.scene.StepKind;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DetectorsTest {
  final BehaviourDetectors d = BehaviourDetectors.defaults();

  @Test
  void spansHaveExactCharOffsetsInEnglishAndRussian() {
    String en = "So the total is 12. Let me double-check that.";
    List<Span> s = d.detector(Behaviour.VERIFICATION).detect(en);
    assertThat(s).hasSize(1);
    assertThat(s.get(0).start()).isEqualTo(en.indexOf("double-check"));
    assertThat(s.get(0).end()).isEqualTo(en.indexOf("double-check") + "double-check".length());
    assertThat(s.get(0).in(en)).isEqualTo("double-check");

    String ru = "Итого двенадцать. Перепроверю сумму.";
    List<Span> r = d.detector(Behaviour.VERIFICATION).detect(ru);
    assertThat(r).extracting(x -> x.in(ru)).containsExactly("Перепроверю");
    assertThat(r.get(0).start()).isEqualTo(18);
  }

  @Test
  void eachBehaviourFiresOnItsCueAndNotOnPlainStatements() {
    Map<Behaviour, String> cues = Map.of(
        Behaviour.BACKTRACKING, "This is a dead end; I go back to the definition.",
        Behaviour.SUBGOAL_SETTING, "Первым делом нужно понять, кто написал письмо.",
        Behaviour.BACKWARD_CHAINING, "Working backwards from the result, the last move must be a swap.",
        Behaviour.TENSION, "С одной стороны это дешевле, с другой — медленнее.",
        Behaviour.REWRITE, "Correction: it was Tuesday.",
        Behaviour.REFLECTION, "Ловлю себя на том, что спешу.");
    cues.forEach((b, text) -> assertThat(d.fires(b, text)).as(b + " on " + text).isTrue());
    for (Behaviour b : Behaviour.values()) {
      assertThat(d.fires(b, "The cat sat on the mat.")).as(b.label()).isFalse();
      assertThat(d.fires(b, "Кошка сидела на коврике.")).as(b.label()).isFalse();
    }
  }

  @Test
  void overlappingMatchesMergeIntoOneSpan() {
    String t = "Actually, no, I was wrong.";
    List<Span> s = d.detector(Behaviour.REWRITE).detect(t);
    assertThat(s).extracting(x -> x.in(t)).containsExactly("Actually, no", "I was wrong");
  }

  @Test
  void evaluationCountsByHand() {
    // Two verify steps (one detected), one observe step that the verification detector fires on.
    Scene scene = new Scene("s", "", "en", null, null, null, "q?",
        List.of(Step.of(StepKind.VERIFY, "Let me verify the sum."),
            Step.of(StepKind.VERIFY, "The sum is fine."),
            Step.of(StepKind.OBSERVE, "She phoned the hotel to make sure of the booking.")),
        "a", null);
    EvaluationReport rep = DetectorEvaluation.evaluate(DetectorEvaluation.steps(List.of(scene)), d);
    EvaluationReport.Score v = rep.scores().get(Behaviour.VERIFICATION);
    assertThat(v.tp()).isEqualTo(1);
    assertThat(v.fp()).isEqualTo(1);
    assertThat(v.fn()).isEqualTo(1);
    assertThat(v.precision()).isEqualTo(0.5);
    assertThat(v.recall()).isEqualTo(0.5);
    assertThat(v.f1()).isEqualTo(0.5);
    // only behaviours with gold support are evaluated
    assertThat(rep.scores()).containsOnlyKeys(Behaviour.VERIFICATION);
    assertThat(rep.macroF1()).isEqualTo(0.5);
    assertThat(rep.toJson(new com.fasterxml.jackson.databind.ObjectMapper()).toString())
        .isEqualTo("{\"behaviours\":{\"verify\":{\"precision\":0.5,\"recall\":0.5,\"f1\":0.5,\"support\":2}},\"macroF1\":0.5}");
  }

  @Test
  void reflectiveLexiconCountsLongestFirstWholeWords() {
    ReflectiveLexicon lex = ReflectiveLexicon.defaults();
    // "Wait" (wait), "let me check" (one hit, not also "check"), "actually"; "awaited" is not "wait".
    ReflectiveLexicon.Count c = lex.count("Wait, let me check. Actually the awaited result holds.");
    assertThat(c.hits()).isEqualTo(3);
    assertThat(c.waitHits()).isEqualTo(1);
    // "Подожди" (wait), "на самом деле", "Подожди" again, "перепроверю"; "проверка" is not in the lexicon.
    ReflectiveLexicon.Count r = lex.count("Подожди. На самом деле — подожди, перепроверю: проверка прошла.");
    assertThat(r.hits()).isEqualTo(4);
    assertThat(r.waitHits()).isEqualTo(2);
    ReflectiveRate rate = ReflectiveRate.of(r, 8);
    assertThat(rate.per1k()).isEqualTo(500.0);
    assertThat(rate.waitPer1k()).isEqualTo(250.0);
    assertThat(ReflectiveRate.of(r, 0).per1k()).isNaN();
  }

  @Test
  void customLexiconAndPatternFilesAreConfigurableAndCheckedWithLines() throws Exception {
    ReflectiveLexicon lex = new ReflectiveLexicon(Map.of("hang  on", true, "nope", false));
    assertThat(lex.count("Hang on... nope. Hang\non.").hits()).isEqualTo(3);
    assertThat(lex.count("Hang on... nope. Hang\non.").waitHits()).isEqualTo(2);
    assertThatThrownBy(() -> ReflectiveLexicon.parse(new StringReader("ok\nwait\tpause\n"), "lex.txt"))
        .hasMessageContaining("lex.txt:2").hasMessageContaining("unknown class");
    assertThatThrownBy(() -> BehaviourDetectors.parse(new StringReader("# c\nverification\ten\t(unclosed\n"), "p.txt"))
        .hasMessageContaining("p.txt:2").hasMessageContaining("does not compile");
    assertThatThrownBy(() -> BehaviourDetectors.parse(new StringReader("pondering\ten\tx\n"), "p.txt"))
        .hasMessageContaining("p.txt:1").hasMessageContaining("unknown behaviour 'pondering'");
    BehaviourDetectors custom = BehaviourDetectors.parse(new StringReader("tension\ten\t\\bhowever\\b\n"), "p.txt");
    assertThat(custom.behaviours()).containsExactly(Behaviour.TENSION);
    assertThat(custom.fires(Behaviour.VERIFICATION, "verify")).isFalse();
  }

  @Test
  void lexiconIndexCountEqualsTheRegexCount() throws Exception {
    ReflectiveLexicon lex = ReflectiveLexicon.defaults();
    List<String> words = new java.util.ArrayList<>(lex.phrases().keySet());
    words.addAll(List.of("the", "and", "waited", "awaited", "проверка", "и", "не", ",", ".", "Wait", "ПОДОЖДИ", "let", "me", "on"));
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(9);
    for (int i = 0; i < 500; i++) {
      StringBuilder sb = new StringBuilder();
      int n = 1 + rnd.nextInt(30);
      for (int k = 0; k < n; k++) {
        String w = words.get(rnd.nextInt(words.size()));
        sb.append(rnd.nextBoolean() ? w : w.toUpperCase()).append(rnd.nextInt(6) == 0 ? "\n  " : rnd.nextInt(5) == 0 ? ", " : " ");
      }
      String t = sb.toString();
      assertThat(lex.count(t)).as(t).isEqualTo(lex.countByRegex(t));
    }
  }
}
