package io.ltm.core.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.ltm.core.problem.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultTest {
  @TempDir Path dir;

  private void write(String rel, String text) throws IOException {
    Path p = dir.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, StandardCharsets.UTF_8);
  }

  private static Map<String, String> targets(Note n) {
    Map<String, String> m = new LinkedHashMap<>();
    n.links().forEach(l -> m.put(l.raw(), l.target()));
    return m;
  }

  private static Vault inMemory(Map<String, String> notes, String... attachments) {
    return Vault.of(Path.of("mem"), notes, List.of(attachments));
  }

  @Test
  void resolvesByNameCaseInsensitiveWithOrWithoutMd() {
    Vault v = inMemory(Map.of(
        "a/LoRA basics.md", "x",
        "src.md", "[[LoRA basics]] [[lora BASICS]] [[LoRA basics.md]] [[LORA BASICS.MD]] [[Lora basics#Rank]]"));
    assertThat(targets(v.note("src.md").orElseThrow()).values()).containsOnly("a/LoRA basics.md");
    assertThat(v.problems()).isEmpty();
  }

  @Test
  void resolvesByPathWhenTheLinkHasAFolder() {
    Vault v = inMemory(Map.of(
        "concepts/Plan.md", "",
        "experiments/Plan.md", "",
        "deep/experiments/Run.md", "",
        "journal/day.md", String.join("\n",
            "[[experiments/Plan]] [[Concepts/plan.md]] [[experiments/Run]] [[/concepts/Plan]]",
            "[[./day]] [[../concepts/Plan]] [[nope/Plan]]")));
    Map<String, String> t = targets(v.note("journal/day.md").orElseThrow());
    assertThat(t).containsEntry("[[experiments/Plan]]", "experiments/Plan.md")
        .containsEntry("[[Concepts/plan.md]]", "concepts/Plan.md")
        .containsEntry("[[experiments/Run]]", "deep/experiments/Run.md") // path suffix
        .containsEntry("[[/concepts/Plan]]", "concepts/Plan.md")
        .containsEntry("[[./day]]", "journal/day.md")
        .containsEntry("[[../concepts/Plan]]", "concepts/Plan.md")
        .containsEntry("[[nope/Plan]]", null);
  }

  @Test
  void markdownLinksResolveRelativeToTheNoteFolderToo() {
    Vault v = inMemory(Map.of(
        "concepts/RAG vs fine-tuning.md", "",
        "concepts/sub/Deep note.md", "",
        "concepts/a.md", "[x](sub/Deep%20note.md) [y](RAG%20vs%20fine-tuning.md) ![i](../img/d.png)"),
        "img/d.png");
    assertThat(targets(v.note("concepts/a.md").orElseThrow()).values())
        .containsExactly("concepts/sub/Deep note.md", "concepts/RAG vs fine-tuning.md", "img/d.png");
  }

  @Test
  void shortestPathWinsAndTheLinkIsReportedAmbiguous() {
    Vault v = inMemory(Map.of(
        "experiments/deep/Notes.md", "",
        "journal/Notes.md", "",
        "src.md", "line one\nsee [[notes|the notes]] and [[journal/Notes]]"));
    NoteLink link = v.note("src.md").orElseThrow().links().get(0);
    assertThat(link.target()).isEqualTo("journal/Notes.md");
    assertThat(v.problems()).singleElement().satisfies(p -> {
      assertThat(p.file()).isEqualTo("src.md");
      assertThat(p.line()).isEqualTo(2);
      assertThat(p.column()).isEqualTo(5);
      assertThat(p.severity()).isEqualTo(Problem.Severity.WARNING);
      assertThat(p.message()).contains("ambiguous", "journal/Notes.md", "experiments/deep/Notes.md");
    });
    // the explicit folder link is not ambiguous and finds the longer path too
    assertThat(v.resolve("deep/Notes", "src.md")).contains("experiments/deep/Notes.md");
  }

  @Test
  void sameLengthTieBreaksAlphabetically() {
    Vault v = inMemory(Map.of("b/X.md", "", "a/X.md", "", "s.md", "[[X]]"));
    assertThat(v.note("s.md").orElseThrow().links().get(0).target()).isEqualTo("a/X.md");
  }

  @Test
  void attachmentsResolveByFileNameAndPath() {
    Vault v = inMemory(Map.of("n.md", "![[diagram.png]] ![[Attachments/Paper.PDF]] [[paper.pdf#page=2]] ![[diagram]]"),
        "attachments/diagram.png", "attachments/paper.pdf");
    assertThat(v.note("n.md").orElseThrow().links()).extracting(NoteLink::raw, NoteLink::target).containsExactly(
        tuple("![[diagram.png]]", "attachments/diagram.png"),
        tuple("![[Attachments/Paper.PDF]]", "attachments/paper.pdf"),
        tuple("[[paper.pdf#page=2]]", "attachments/paper.pdf"),
        tuple("![[diagram]]", null)); // without its extension an attachment is not found, as in Obsidian
    assertThat(v.backlinks("attachments/diagram.png")).containsExactly("n.md");
  }

  @Test
  void aFileExtensionInTheLinkPrefersTheFileAsWritten() {
    Vault v = inMemory(Map.of(
        "notes/diagram.png.md", "a note about the picture",
        "notes/v1.2 results.md", "",
        "notes/Version 1.2.md", "",
        "n.md", "![[diagram.png]] [[diagram.png.md]] [[v1.2 results]] [[version 1.2]] [[x/diagram.png]]"),
        "img/diagram.png");
    assertThat(v.note("n.md").orElseThrow().links()).extracting(NoteLink::target).containsExactly(
        "img/diagram.png", "notes/diagram.png.md", "notes/v1.2 results.md", "notes/Version 1.2.md", null);
  }

  @Test
  void unresolvedLinksAreWarningsWithFileLineColumn() {
    Vault v = inMemory(Map.of("dir/n.md", "---\ntitle: t\n---\nok\n  text [[Missing note#H|alias]]"));
    assertThat(v.problems()).extracting(Problem::file, Problem::line, Problem::column, Problem::severity,
            Problem::field)
        .containsExactly(tuple("dir/n.md", 5, 8, Problem.Severity.WARNING, "links"));
    assertThat(v.problems().get(0).format())
        .startsWith("dir/n.md:5:8: warning: unresolved link [[Missing note#H|alias]]");
    assertThat(v.stats()).isEqualTo(new Vault.Stats(1, 0, 1, 1));
  }

  @Test
  void backlinksAreDistinctSortedAndSkipSelfLinks() {
    Vault v = inMemory(Map.of(
        "Hub.md", "[[#Top]] [[Hub]]",
        "b.md", "[[Hub]] [[Hub#Top]] ![[hub]]",
        "a.md", "[Hub](Hub.md)",
        "c.md", "nothing"));
    assertThat(v.backlinks("Hub.md")).containsExactly("a.md", "b.md");
    assertThat(v.backlinks("c.md")).isEmpty();
    assertThat(v.backlinks("unknown.md")).isEmpty();
    assertThat(v.note("Hub.md").orElseThrow().links()).extracting(NoteLink::target)
        .containsOnly("Hub.md");
  }

  @Test
  void readsAFolderSkippingDotFoldersAndKnowingAttachments() throws IOException {
    write("Index.md", "# Index\n[[Note A]] ![[pic.png]] [[Skipped]]");
    write("sub/Note A.md", "---\ntags: [a]\n---\nback to [[Index]]");
    write("sub/pic.png", "png");
    write(".obsidian/app.json", "{}");
    write(".obsidian/Skipped.md", "# hidden");
    write(".trash/Skipped.md", "# trash");
    write("sub/.hidden/Skipped.md", "# hidden");
    write(".dotfile.md", "x");
    Vault v = Vault.read(dir);
    assertThat(v.root()).isEqualTo(dir);
    assertThat(v.notes()).extracting(Note::path).containsExactly("Index.md", "sub/Note A.md");
    assertThat(v.attachments()).containsExactly("sub/pic.png");
    assertThat(v.note("Index.md").orElseThrow().links()).extracting(NoteLink::raw, NoteLink::target)
        .containsExactly(tuple("[[Note A]]", "sub/Note A.md"), tuple("![[pic.png]]", "sub/pic.png"),
            tuple("[[Skipped]]", null));
    assertThat(v.backlinks("Index.md")).containsExactly("sub/Note A.md");
    assertThat(v.backlinks("sub/Note A.md")).containsExactly("Index.md");
    assertThat(v.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("[[Skipped]]"));
  }

  @Test
  void unicodeFileNamesAndTextAreReadAndResolved() throws IOException {
    write("заметки/Память и заметки.md", "---\nlang: ru\ntags: [память]\n---\n# Память\nСм. [[Рефлексия модели]] #рефлексия");
    // a file name stored decomposed (as macOS does): й = и + U+0306
    String decomposed = Normalizer.normalize("Мой дневник.md", Normalizer.Form.NFD);
    write("journal/" + decomposed, "[[память И ЗАМЕТКИ]] [Рефлексия](../%D0%A0%D0%B5%D1%84%D0%BB%D0%B5%D0%BA%D1%81%D0%B8%D1%8F%20%D0%BC%D0%BE%D0%B4%D0%B5%D0%BB%D0%B8.md)");
    write("Рефлексия модели.md", "[[мой дневник]]");
    Vault v = Vault.read(dir);
    assertThat(v.problems()).isEmpty();
    Note memory = v.note("заметки/Память и заметки.md").orElseThrow();
    assertThat(memory.title()).isEqualTo("Память и заметки");
    assertThat(memory.tags()).containsExactly("память", "рефлексия");
    assertThat(memory.links().get(0).target()).isEqualTo("Рефлексия модели.md");
    assertThat(v.backlinks("Рефлексия модели.md")).containsExactly("journal/" + decomposed, "заметки/Память и заметки.md");
    assertThat(v.note("Рефлексия модели.md").orElseThrow().links().get(0).target()).isEqualTo("journal/" + decomposed);
  }

  @Test
  void badFilesAreProblemsNotExceptions() throws IOException {
    write("ok.md", "[[bad]]");
    Files.write(dir.resolve("bad.md"), new byte[] {'#', ' ', 'H', (byte) 0xC3, (byte) 0x28, '\n', '[', '[', 'o', 'k', ']', ']'});
    write("broken.md", "---\ntitle: [\n---\nbody [[ok]]");
    Path unreadable = dir.resolve("locked.md");
    Files.writeString(unreadable, "secret");
    boolean locked = unreadable.toFile().setReadable(false) && !Files.isReadable(unreadable);
    Vault v = Vault.read(dir);
    assertThat(v.note("bad.md").orElseThrow().headings()).hasSize(1);
    assertThat(v.note("bad.md").orElseThrow().links().get(0).target()).isEqualTo("ok.md");
    assertThat(v.note("broken.md").orElseThrow().links().get(0).target()).isEqualTo("ok.md");
    assertThat(v.problems()).filteredOn(p -> p.file().equals("bad.md"))
        .singleElement().satisfies(p -> {
          assertThat(p.message()).contains("UTF-8");
          assertThat(p.line()).isEqualTo(1); // "# H" then 0xC3 0x28: the first bad byte is column 4
          assertThat(p.column()).isEqualTo(4);
        });
    assertThat(v.problems()).filteredOn(p -> p.file().equals("broken.md"))
        .singleElement().satisfies(p -> assertThat(p.line()).isEqualTo(2));
    if (locked) { // root ignores permissions; then there is nothing to check
      assertThat(v.problems()).filteredOn(p -> p.file().equals("locked.md"))
          .singleElement().satisfies(p -> assertThat(p.isError()).isTrue());
      assertThat(v.note("locked.md")).isEmpty();
    }
  }

  @Test
  void followsSymlinksAndReportsLoops() throws IOException {
    write("real/vault/Note.md", "[[Other]]");
    write("outside/Other.md", "text");
    Path vaultDir = dir.resolve("real/vault");
    Files.createSymbolicLink(vaultDir.resolve("linked"), dir.resolve("outside"));
    Files.createSymbolicLink(vaultDir.resolve("loop"), vaultDir);
    Path rootLink = Files.createSymbolicLink(dir.resolve("vault-link"), vaultDir);
    Vault v = Vault.read(rootLink);
    assertThat(v.root()).isEqualTo(rootLink);
    assertThat(v.notes()).extracting(Note::path).containsExactly("Note.md", "linked/Other.md");
    assertThat(v.note("Note.md").orElseThrow().links().get(0).target()).isEqualTo("linked/Other.md");
    assertThat(v.problems()).singleElement().satisfies(p -> {
      assertThat(p.file()).isEqualTo("loop");
      assertThat(p.message()).contains("loop");
      assertThat(p.isError()).isFalse();
    });
  }

  @Test
  void missingFolderIsAClearError() {
    assertThatThrownBy(() -> Vault.read(dir.resolve("nope")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vault folder not found");
  }

  @Test
  void resolveIgnoresBracketsSubpathAndAlias() {
    Vault v = inMemory(Map.of("x/Target.md", "", "y/from.md", ""));
    assertThat(v.resolve("[[target#Heading|alias]]", "y/from.md")).contains("x/Target.md");
    assertThat(v.resolve("Target", null)).contains("x/Target.md");
    assertThat(v.resolve("Nothing", "y/from.md")).isEmpty();
    assertThat(v.resolve("../../escape", "y/from.md")).isEmpty();
  }

  @Test
  void collectionsAreImmutable() {
    Vault v = inMemory(Map.of("a.md", "[[b]]", "b.md", ""));
    assertThat(v.notes()).extracting(Note::path).containsExactly("a.md", "b.md");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> v.notes().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> v.backlinks("b.md").clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(Set.copyOf(v.attachments())).isEmpty();
  }
}
