package io.ltm.rag.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LinkGraphTest {
  private final LinkGraph g = LinkGraph.of(Map.of(
      "a/Hub.md", List.of("Leaf", "b/Deep", "missing", "image.png", "Hub"),
      "a/Leaf.md", List.of("../Root.md"),
      "z/Leaf.md", List.of(),
      "x/b/Deep.md", List.of("./Other"),
      "x/b/Other.md", List.of(),
      "Root.md", List.of("LEAF.md")));

  @Test
  void resolvesLikeObsidian() {
    assertThat(g.resolve("Leaf", "a/Hub.md")).contains("a/Leaf.md"); // same folder first
    assertThat(g.resolve("Leaf", "Root.md")).contains("a/Leaf.md"); // then shortest path
    assertThat(g.resolve("b/Deep", "Root.md")).contains("x/b/Deep.md"); // end of a longer path
    assertThat(g.resolve("z/leaf.md", "Root.md")).contains("z/Leaf.md");
    assertThat(g.resolve("../Root.md", "a/Leaf.md")).contains("Root.md");
    assertThat(g.resolve("./Other", "x/b/Deep.md")).contains("x/b/Other.md");
    assertThat(g.resolve("missing", "Root.md")).isEmpty();
    assertThat(g.resolve("image.png", "Root.md")).isEmpty();
  }

  @Test
  void linksBacklinksAndNeighbours() {
    assertThat(g.outgoing("a/Hub.md")).containsExactlyInAnyOrder("a/Leaf.md", "x/b/Deep.md"); // no self link
    assertThat(g.backlinks("a/Leaf.md")).containsExactlyInAnyOrder("a/Hub.md", "Root.md");
    assertThat(g.neighbours("a/Hub.md", 1)).containsOnly(Map.entry("a/Leaf.md", 1), Map.entry("x/b/Deep.md", 1));
    assertThat(g.neighbours("a/Hub.md", 2)).containsOnly(
        Map.entry("a/Leaf.md", 1), Map.entry("x/b/Deep.md", 1), Map.entry("Root.md", 2), Map.entry("x/b/Other.md", 2));
  }

  @Test
  void expansionDecaysPerHopAndKeepsTheBest() {
    GraphExpander x = new GraphExpander(g);
    List<GraphExpander.Expansion> out = x.expand(List.of(new GraphExpander.Seed("a/Hub.md", 1.0), new GraphExpander.Seed("Root.md", 0.9)), 2, 0.5);
    assertThat(out).extracting(GraphExpander.Expansion::path)
        .containsExactly("a/Leaf.md", "x/b/Deep.md", "x/b/Other.md");
    assertThat(out.get(0).score()).isEqualTo(0.5);
    assertThat(out.get(0).from()).isEqualTo("a/Hub.md");
    assertThat(out.get(2).score()).isEqualTo(0.25);
    assertThat(out.get(2).hops()).isEqualTo(2);
    assertThatThrownBy(() -> x.expand(List.of(), 1, 0)).hasMessageContaining("decay");
  }
}
