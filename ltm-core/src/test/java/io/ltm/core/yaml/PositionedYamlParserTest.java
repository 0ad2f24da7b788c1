package io.ltm.core.yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PositionedYamlParserTest {

  @Test
  void keepsPositionsOfKeysValuesAndItems() throws Exception {
    List<YamlNode> docs = PositionedYamlParser.parseDocuments("""
        id: x
        tags: [a, "b"]
        thought:
          - kind: observe
            text: |
              два
              lines
        n: 012
        f: 1.5
        b: no
        z: ~
        """);
    assertThat(docs).hasSize(1);
    YamlNode.Mapping m = (YamlNode.Mapping) docs.get(0);
    assertThat(m.position()).isEqualTo(new YamlPosition(1, 1));
    assertThat(m.entries()).extracting(YamlNode.Entry::key).containsExactly("id", "tags", "thought", "n", "f", "b", "z");
    YamlNode.Sequence tags = (YamlNode.Sequence) m.entry("tags").orElseThrow().value();
    assertThat(tags.position()).isEqualTo(new YamlPosition(2, 7));
    assertThat(tags.items()).extracting(YamlNode::position)
        .containsExactly(new YamlPosition(2, 8), new YamlPosition(2, 11));
    YamlNode.Sequence thought = (YamlNode.Sequence) m.entry("thought").orElseThrow().value();
    YamlNode.Mapping step = (YamlNode.Mapping) thought.items().get(0);
    assertThat(step.position()).isEqualTo(new YamlPosition(4, 5));
    YamlNode.Entry text = step.entry("text").orElseThrow();
    assertThat(text.keyPosition()).isEqualTo(new YamlPosition(5, 5));
    assertThat(text.value().position()).isEqualTo(new YamlPosition(5, 11));
    assertThat(((YamlNode.Scalar) text.value()).text()).isEqualTo("два\nlines\n");
    YamlNode.Scalar n = (YamlNode.Scalar) m.entry("n").orElseThrow().value();
    assertThat(n.type()).isEqualTo(YamlNode.ScalarType.INTEGER);
    assertThat(n.text()).isEqualTo("012");
    assertThat(((YamlNode.Scalar) m.entry("f").orElseThrow().value()).type()).isEqualTo(YamlNode.ScalarType.FLOAT);
    YamlNode.Scalar b = (YamlNode.Scalar) m.entry("b").orElseThrow().value();
    assertThat(b.type()).isEqualTo(YamlNode.ScalarType.BOOLEAN);
    assertThat(b.text()).isEqualTo("no");
    assertThat(((YamlNode.Scalar) m.entry("z").orElseThrow().value()).isNull()).isTrue();
  }

  @Test
  void readsEveryDocument() throws Exception {
    List<YamlNode> docs = PositionedYamlParser.parseDocuments("a: 1\n---\n- b\n---\n");
    assertThat(docs).hasSize(3);
    assertThat(docs.get(1)).isInstanceOf(YamlNode.Sequence.class);
    assertThat(docs.get(1).position()).isEqualTo(new YamlPosition(3, 1));
    assertThat(docs.get(2)).isInstanceOfSatisfying(YamlNode.Scalar.class, s -> assertThat(s.isNull()).isTrue());
    assertThat(PositionedYamlParser.parseDocuments("")).isEmpty();
    assertThat(PositionedYamlParser.parseDocuments("# only a comment\n")).isEmpty();
  }

  @Test
  void keepsDuplicateKeysAndMarksAliases() throws Exception {
    YamlNode.Mapping m = (YamlNode.Mapping) PositionedYamlParser.parseDocuments("a: &x 1\na: *x\n").get(0);
    assertThat(m.entries()).hasSize(2);
    YamlNode.Scalar alias = (YamlNode.Scalar) m.entries().get(1).value();
    assertThat(alias.alias()).isTrue();
    assertThat(alias.position()).isEqualTo(new YamlPosition(2, 4));
  }

  @Test
  void syntaxErrorsCarryTheParsersPosition() {
    assertThatThrownBy(() -> PositionedYamlParser.parseDocuments("a: 1\n  b: 2\n"))
        .isInstanceOfSatisfying(YamlSyntaxException.class, e -> {
          assertThat(e.position()).isEqualTo(new YamlPosition(2, 4));
          assertThat(e.problem()).isEqualTo("mapping values are not allowed here");
        });
    assertThatThrownBy(() -> PositionedYamlParser.parseDocuments("a: \"unterminated\n"))
        .isInstanceOfSatisfying(YamlSyntaxException.class, e -> {
          assertThat(e.position().line()).isEqualTo(2);
          assertThat(e.problem()).contains("quoted scalar");
        });
  }
}
