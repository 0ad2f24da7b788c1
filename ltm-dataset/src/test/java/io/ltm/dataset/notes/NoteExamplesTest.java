package io.ltm.dataset.notes;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.vault.Heading;
import io.ltm.core.vault.Note;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NoteExamplesTest {
  // File: lines 1-3 frontmatter, body starts at line 4.
  static final Note NOTE = new Note("ideas/LTM_2.md", "LTM 2", Map.of("title", "LTM 2"), List.of("lora"),
      List.of(new Heading(1, "Plan", 6), new Heading(2, "Пустой", 9), new Heading(2, "Risks", 10)), List.of(),
      "Intro line about the plan.\n\n# Plan\nRun on 20 scenes.\n\n## Пустой\n## Risks\nThe data is thin.\n", 4);

  @Test
  void oneExamplePerSectionSkippingEmptyOnes() {
    List<TextExample> ex = NoteExamples.from(NOTE, NoteExamples.Granularity.SECTION);
    assertThat(ex).containsExactly(
        new TextExample("ideas/LTM_2.md", "Intro line about the plan."),
        new TextExample("ideas/LTM_2.md#Plan", "# Plan\nRun on 20 scenes."),
        new TextExample("ideas/LTM_2.md#Risks", "## Risks\nThe data is thin."));
  }

  @Test
  void oneExamplePerNoteWithoutFrontmatter() {
    List<TextExample> ex = NoteExamples.from(List.of(NOTE), NoteExamples.Granularity.NOTE);
    assertThat(ex).hasSize(1);
    assertThat(ex.get(0).text()).startsWith("Intro line").endsWith("The data is thin.").doesNotContain("---");
  }

  @Test
  void blankNoteGivesNothing() {
    Note blank = new Note("empty.md", "empty", Map.of(), List.of(), List.of(), List.of(), "\n  \n", 1);
    assertThat(NoteExamples.from(blank, NoteExamples.Granularity.SECTION)).isEmpty();
    assertThat(NoteExamples.from(blank, NoteExamples.Granularity.NOTE)).isEmpty();
  }

  @Test
  void headingOnFirstBodyLine() {
    Note n = new Note("a.md", "a", Map.of(), List.of(), List.of(new Heading(1, "Top", 1), new Heading(2, "Sub", 3)),
        List.of(), "# Top\ntext\n## Sub\n", 1);
    assertThat(NoteExamples.from(n, NoteExamples.Granularity.SECTION))
        .containsExactly(new TextExample("a.md#Top", "# Top\ntext"));
  }
}
