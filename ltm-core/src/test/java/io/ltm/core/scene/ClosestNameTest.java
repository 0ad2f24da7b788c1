package io.ltm.core.scene;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClosestNameTest {
  @Test
  void levenshteinDistance() {
    assertThat(ClosestName.distance("kitten", "sitting")).isEqualTo(3);
    assertThat(ClosestName.distance("", "abc")).isEqualTo(3);
    assertThat(ClosestName.distance("promt", "prompt")).isEqualTo(1);
    assertThat(ClosestName.distance("same", "same")).isZero();
  }

  @Test
  void suggestsOnlyLikelyTypos() {
    List<String> keys = SceneBinder.SCENE_KEYS;
    assertThat(ClosestName.suggest("promt", keys)).contains("prompt");
    assertThat(ClosestName.suggest("Tags", keys)).contains("tags");
    assertThat(ClosestName.suggest("answers", keys)).contains("answer");
    assertThat(ClosestName.suggest("thoughts", keys)).contains("thought");
    assertThat(ClosestName.suggest("colour", keys)).isEmpty();
    assertThat(ClosestName.suggest("x", keys)).isEmpty();
  }
}
