package io.ltm.metrics.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.scene.SceneReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PatternDetectorTest {

  @Test
  void literalPrefixesReadOffTheSyntax() {
    assertThat(LiteralPrefixes.of("\\b(?:double[- ]?check\\w*|re-?check\\w*)")).containsExactly("double", "re", "re-");
    assertThat(LiteralPrefixes.of("(?<!\\p{L})(?:пере|)провер(?:ю|им)(?!\\p{L})"))
        .containsExactly("перепроверю", "перепроверим", "проверю", "проверим");
    assertThat(LiteralPrefixes.of("\\bI (?:was|am) wrong\\b|\\bmy (?:mistake|error)\\b"))
        .containsExactly("i was wrong", "i am wrong", "my mistake", "my error");
    assertThat(LiteralPrefixes.of("\\d\\s*=")).hasSize(10);
    assertThat(LiteralPrefixes.of("(?:the )?key")).isNull(); // may start with "key" or "the key": an empty prefix, no index
    assertThat(LiteralPrefixes.of("(?:^|x)y")).isNull();
    assertThat(LiteralPrefixes.of("[abc]d")).isNull();
    assertThat(LiteralPrefixes.of("\\p{L}+")).isNull();
  }

  /** The reference: every pattern scanned with find() over the original text. */
  static boolean referenceFires(PatternDetector d, String text) {
    for (Pattern p : d.patterns()) {
      Matcher m = p.matcher(text);
      if (m.find()) {
        return true;
      }
    }
    return false;
  }

  @Test
  void indexedMatchingFiresExactlyWhereAPlainScanDoes() throws Exception {
    List<String> texts = new ArrayList<>();
    HeldOutEvaluationTest.heldOut().forEach(s -> texts.add(s.text()));
    SceneReader.readLenient(List.of(Path.of("../examples/scenes"))).sceneList()
        .forEach(sc -> sc.thought().forEach(st -> texts.add(st.text())));
    // random mixtures of those texts' words, upper- and lower-cased, with punctuation
    SplittableRandom rnd = new SplittableRandom(5);
    List<String> words = new ArrayList<>();
    texts.forEach(t -> words.addAll(List.of(t.split("\\s+"))));
    for (int i = 0; i < 400; i++) {
      StringBuilder sb = new StringBuilder();
      int n = 3 + rnd.nextInt(25);
      for (int k = 0; k < n; k++) {
        String w = words.get(rnd.nextInt(words.size()));
        sb.append(rnd.nextInt(5) == 0 ? w.toUpperCase() : w).append(rnd.nextInt(8) == 0 ? ". " : " ");
      }
      texts.add(sb.toString());
    }
    BehaviourDetectors all = BehaviourDetectors.defaults();
    int fired = 0;
    for (Behaviour b : all.behaviours()) {
      PatternDetector d = (PatternDetector) all.detector(b);
      for (String t : texts) {
        boolean ref = referenceFires(d, t);
        assertThat(d.fires(t)).as(b + " on: " + t).isEqualTo(ref);
        fired += ref ? 1 : 0;
        for (Span s : d.detect(t)) {
          assertThat(s.end()).isLessThanOrEqualTo(t.length());
        }
      }
    }
    assertThat(fired).isGreaterThan(250);
  }
}
