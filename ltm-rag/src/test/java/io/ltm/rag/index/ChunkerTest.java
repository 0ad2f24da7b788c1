package io.ltm.rag.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.core.vault.Note;
import io.ltm.rag.TestNotes;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChunkerTest {

  private static final String PLAN = String.join("\n",
      "---",
      "tags: [plan, lora]",
      "status: draft",
      "---",
      "Intro line about the plan, see [[LoRA basics|the LoRA note]].",
      "",
      "# Plan",
      "Overall goal text.",
      "## Data",
      "Collect scenes from ![[diagram.png]] the vault [[ideas/Scenes#Format]].",
      "",
      "## Training",
      "Train a [rank 8](https://example.org) adapter.",
      "# Empty",
      "## Child",
      "child text");

  @Test
  void chunksFollowHeadingsWithFileLinesAndMetadata() {
    Note note = TestNotes.parse("work/Plan.md", PLAN);
    List<Chunk> chunks = Chunker.defaults().chunk(note);
    assertThat(chunks).extracting(Chunk::heading)
        .containsExactly("", "Plan", "Plan > Data", "Plan > Training", "Empty > Child");
    Chunk intro = chunks.get(0);
    assertThat(intro.lineFrom()).isEqualTo(5);
    assertThat(intro.lineTo()).isEqualTo(5);
    assertThat(intro.text()).isEqualTo("Intro line about the plan, see the LoRA note.");
    Chunk data = chunks.get(2);
    assertThat(data.lineFrom()).isEqualTo(9);
    assertThat(data.lineTo()).isEqualTo(10);
    assertThat(data.text()).isEqualTo("Collect scenes from  the vault Scenes Format.");
    assertThat(data.text()).doesNotContain("[[", "![[", "diagram", "status", "draft");
    assertThat(chunks.get(3).text()).isEqualTo("Train a rank 8 adapter.");
    assertThat(chunks.get(4).lineFrom()).isEqualTo(15);
    assertThat(chunks.get(4).lineTo()).isEqualTo(16);
    assertThat(data.tags()).containsExactly("plan", "lora");
    assertThat(data.fields()).containsEntry("status", List.of("draft")).containsEntry("tags", List.of("plan", "lora"));
    assertThat(data.folders()).containsExactly("work");
    assertThat(data.lang()).isEqualTo(Language.EN);
    assertThat(data.embeddingText()).startsWith("Plan > Plan > Data\n").doesNotContain("status");
    assertThat(chunks).extracting(Chunk::ordinal).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void longSectionsSplitWithinBudgetWithOverlapAndNeverCrossHeadings() {
    Random r = new Random(7);
    StringBuilder sb = new StringBuilder("# A\n");
    for (int line = 0; line < 60; line++) {
      for (int w = 0; w < 3; w++) {
        sb.append("w").append(line).append('_').append(r.nextInt(100)).append(' ');
      }
      sb.append('\n');
    }
    sb.append("# B\nshort\n");
    sb.append("# C\n");
    for (int w = 0; w < 500; w++) {
      sb.append("long").append(w).append(' ');
    }
    Note note = TestNotes.parse("n.md", sb.toString());
    Chunker chunker = Chunker.builder().maxTokens(50).overlapTokens(10).build();
    List<Chunk> chunks = chunker.chunk(note);
    TokenCounter tc = TokenCounter.approximate();
    for (Chunk c : chunks) {
      assertThat(tc.count(c.text())).isLessThanOrEqualTo(50);
    }
    List<Chunk> a = chunks.stream().filter(c -> c.heading().equals("A")).toList();
    assertThat(a.size()).isGreaterThan(5);
    for (int i = 1; i < a.size(); i++) {
      // consecutive windows overlap by at least one line and move forward
      assertThat(a.get(i).lineFrom()).isLessThanOrEqualTo(a.get(i - 1).lineTo());
      assertThat(a.get(i).lineTo()).isGreaterThan(a.get(i - 1).lineTo());
    }
    assertThat(a.get(0).lineFrom()).isEqualTo(1);
    assertThat(a.get(a.size() - 1).lineTo()).isEqualTo(61);
    assertThat(chunks.stream().filter(c -> c.heading().equals("B")).toList()).singleElement()
        .satisfies(c -> assertThat(c.text()).isEqualTo("short"));
    // a single 500-word line is split by words; every piece keeps that line
    List<Chunk> c = chunks.stream().filter(x -> x.heading().equals("C")).toList();
    assertThat(c.size()).isGreaterThanOrEqualTo(10);
    assertThat(c).allSatisfy(x -> assertThat(x.lineFrom()).isGreaterThanOrEqualTo(63));
    assertThat(c.get(1).text()).startsWith("long").contains(" long");
    // every word of C appears in some chunk
    String all = String.join(" ", c.stream().map(Chunk::text).toList());
    for (int w = 0; w < 500; w += 37) {
      assertThat(all).contains("long" + w + " ");
    }
  }

  @Test
  void languageFromFrontmatterOrScript() {
    Note ru = TestNotes.parse("ru.md", "# Память\nЗаметки о памяти модели и рефлексии.\n");
    assertThat(Chunker.defaults().chunk(ru).get(0).lang()).isEqualTo(Language.RU);
    Note forced = TestNotes.parse("x.md", "---\nlang: en\n---\nЗаметки о памяти\n");
    assertThat(Chunker.defaults().chunk(forced).get(0).lang()).isEqualTo(Language.EN);
  }

  @Test
  void chunkIsCheckedAtBirth() {
    assertThatThrownBy(() -> new Chunk("a.md", 0, "a", List.of(), 5, 4, "x", List.of(), Map.of(), Language.EN))
        .hasMessageContaining("a.md").hasMessageContaining("5..4");
    assertThatThrownBy(() -> new Chunk("a.md", 0, "a", List.of(), 1, 1, "  ", List.of(), Map.of(), Language.EN))
        .hasMessageContaining("a.md:1").hasMessageContaining("blank");
    assertThatThrownBy(() -> Chunker.builder().maxTokens(20).overlapTokens(20).build())
        .hasMessageContaining("overlapTokens");
  }
}
