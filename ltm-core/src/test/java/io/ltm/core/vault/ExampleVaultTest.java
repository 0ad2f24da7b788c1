package io.ltm.core.vault;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.problem.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bundled example vault holds what the README and the other modules rely on. */
class ExampleVaultTest {
  private static final Path VAULT = Path.of("../examples/vault");
  private static Vault vault;

  @BeforeAll
  static void read() {
    vault = Vault.read(VAULT);
  }

  private static List<NoteLink> allLinks() {
    return vault.notes().stream().flatMap(n -> n.links().stream()).toList();
  }

  @Test
  void holdsTheNotesOthersReferenceByTitle() {
    Set<String> titles = vault.notes().stream().map(Note::title).collect(Collectors.toSet());
    assertThat(titles).contains("LoRA basics", "LTM_2", "RAG vs fine-tuning", "Thinking traces",
        "Evaluation of reasoning", "Zettelkasten", "Obsidian workflow", "Qwen3 models",
        "First experiment plan", "Память и заметки", "Рефлексия модели");
    for (String name : List.of("LoRA basics", "LTM_2", "Qwen3 models", "Память и заметки", "Рефлексия модели")) {
      assertThat(vault.resolve(name, null)).as(name).isPresent();
    }
    assertThat(vault.notes().size()).isBetween(28, 40);
    long russian = vault.notes().stream().filter(n -> "ru".equals(n.frontmatter().get("lang"))).count();
    assertThat(russian).isGreaterThanOrEqualTo(8);
  }

  @Test
  void skipsObsidianFolderAndKnowsAttachments() {
    assertThat(Files.isRegularFile(VAULT.resolve(".obsidian/app.json"))).isTrue();
    assertThat(vault.notes()).noneMatch(n -> n.path().startsWith("."));
    assertThat(vault.attachments()).containsExactly("attachments/lora-paper-notes.pdf", "attachments/loss-curve.png");
    assertThat(vault.backlinks("attachments/loss-curve.png")).hasSizeGreaterThanOrEqualTo(3);
  }

  @Test
  void usesEveryLinkForm() {
    List<NoteLink> links = allLinks();
    assertThat(links).anyMatch(l -> l.raw().startsWith("[[") && l.alias().isEmpty() && l.subpath().isEmpty()
        && !l.linkpath().contains("/"));
    assertThat(links).anyMatch(l -> l.raw().startsWith("[[") && !l.alias().isEmpty());
    assertThat(links).anyMatch(l -> l.raw().startsWith("[[") && !l.subpath().isEmpty() && !l.subpath().startsWith("^"));
    assertThat(links).anyMatch(l -> l.subpath().startsWith("^") && l.target() != null);
    assertThat(links).anyMatch(l -> l.raw().startsWith("[[") && l.linkpath().contains("/"));
    assertThat(links).anyMatch(l -> l.raw().startsWith("[[") && l.linkpath().endsWith(".md"));
    assertThat(links).anyMatch(l -> l.raw().startsWith("![[") && l.target() != null && l.target().endsWith(".md"));
    assertThat(links).anyMatch(l -> l.raw().startsWith("![[") && l.target() != null && l.target().endsWith(".png"));
    assertThat(links).anyMatch(l -> l.raw().startsWith("[") && !l.raw().startsWith("[[") && l.raw().contains("%20")
        && l.target() != null);
    assertThat(links).anyMatch(l -> l.raw().contains("%D0") && "память/Память и заметки.md".equals(l.target()));
    assertThat(links).anyMatch(l -> l.raw().startsWith("![") && !l.raw().startsWith("![[") && l.embed()
        && "attachments/loss-curve.png".equals(l.target()));
    assertThat(links).anyMatch(l -> "attachments/lora-paper-notes.pdf".equals(l.target()));
    // code blocks and inline code hold no links
    assertThat(links).noneMatch(l -> l.linkpath().contains("fake link") || l.linkpath().contains("Not a link")
        || l.linkpath().contains("Also not a link"));
  }

  @Test
  void hasExactlyTheDeliberateProblems() {
    List<Problem> ps = vault.problems();
    assertThat(ps).allMatch(p -> p.severity() == Problem.Severity.WARNING);
    assertThat(ps).filteredOn(p -> p.message().startsWith("unresolved"))
        .singleElement().satisfies(p -> assertThat(p.message()).contains("[[Curriculum learning]]"));
    assertThat(ps).filteredOn(p -> p.message().startsWith("ambiguous"))
        .isNotEmpty().allSatisfy(p -> assertThat(p.message()).contains("journal/Open questions.md",
            "experiments/Open questions.md"));
    assertThat(ps).filteredOn(p -> p.field().equals("frontmatter"))
        .singleElement().satisfies(p -> {
          assertThat(p.file()).isEqualTo("journal/2025-01-10 Draft.md");
          assertThat(p.line()).isEqualTo(4);
        });
    Note draft = vault.note("journal/2025-01-10 Draft.md").orElseThrow();
    assertThat(draft.title()).isEqualTo("2025-01-10 Draft");
    assertThat(draft.headings()).isNotEmpty();
    assertThat(draft.tags()).contains("draft", "reading");
  }

  @Test
  void tagsOfEveryKind() {
    Note ltm = vault.note("LTM_2.md").orElseThrow();
    assertThat(ltm.tags()).contains("project/ltm", "status/active").doesNotContain("2025");
    assertThat(vault.note("concepts/Rank and alpha.md").orElseThrow().tags()).startsWith("ml/lora", "decisions");
    assertThat(vault.note("methods/Obsidian workflow.md").orElseThrow().tags())
        .startsWith("notes/method", "tools/obsidian");
    assertThat(vault.note("память/Рефлексия модели.md").orElseThrow().tags()).contains("рефлексия");
  }

  @Test
  void aFactLivesOnlyInALinkedNote() {
    // "61 GB" is only in Hardware budget, which the plan links to
    List<Note> withFact = vault.notes().stream().filter(n -> n.body().contains("61 GB")).toList();
    assertThat(withFact).extracting(Note::path).containsExactly("experiments/Hardware budget.md");
    assertThat(vault.backlinks("experiments/Hardware budget.md")).contains("experiments/First experiment plan.md");
  }
}
