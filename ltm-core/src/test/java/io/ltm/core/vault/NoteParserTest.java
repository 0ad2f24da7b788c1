package io.ltm.core.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.ltm.core.problem.Problem;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NoteParserTest {

  private static ParsedNote parse(String text) {
    return NoteParser.parse("folder/My note.md", text);
  }

  private static NoteLink onlyLink(String text) {
    List<NoteLink> links = parse(text).note().links();
    assertThat(links).hasSize(1);
    return links.get(0);
  }

  @Test
  void everyWikilinkForm() {
    String text = String.join("\n",
        "Plain [[Note]] and alias [[Note|shown text]].",
        "Heading [[Note#Some heading]] block [[Note#^abc123]] both [[Note#Part|alias]].",
        "Folder [[folder/Note]] suffix [[Note.md]] embed ![[diagram.png]] embed note ![[Other#Sec]].",
        "Table | [[Note\\|escaped]] |",
        "Self [[#Local heading]] and empty [[]] and [[ | ]].");
    List<NoteLink> links = parse(text).note().links();
    assertThat(links).extracting(NoteLink::raw, NoteLink::linkpath, NoteLink::subpath, NoteLink::alias,
            NoteLink::line, NoteLink::embed)
        .containsExactly(
            tuple("[[Note]]", "Note", "", "", 1, false),
            tuple("[[Note|shown text]]", "Note", "", "shown text", 1, false),
            tuple("[[Note#Some heading]]", "Note", "Some heading", "", 2, false),
            tuple("[[Note#^abc123]]", "Note", "^abc123", "", 2, false),
            tuple("[[Note#Part|alias]]", "Note", "Part", "alias", 2, false),
            tuple("[[folder/Note]]", "folder/Note", "", "", 3, false),
            tuple("[[Note.md]]", "Note.md", "", "", 3, false),
            tuple("![[diagram.png]]", "diagram.png", "", "", 3, true),
            tuple("![[Other#Sec]]", "Other", "Sec", "", 3, true),
            tuple("[[Note\\|escaped]]", "Note", "", "escaped", 4, false),
            tuple("[[#Local heading]]", "", "Local heading", "", 5, false));
    assertThat(links).allSatisfy(l -> assertThat(l.target()).isNull());
  }

  @Test
  void columnsCountCodePointsFromOne() {
    List<NoteLink> links = parse("Память: [[Заметка]] 😀 ![[b]]").note().links();
    assertThat(links).extracting(NoteLink::column).containsExactly(9, 23);
  }

  @Test
  void markdownLinksAreDecodedAndOnlyLocal() {
    String text = String.join("\n",
        "See [the note](Some%20Note.md) and [rel](../concepts/LoRA%20basics.md#Rank%20choice).",
        "Image ![a diagram](img/diagram.png \"title\") and [angle](<Other Note.md>).",
        "Web [site](https://example.com/x.md) mail [me](mailto:a@b.c) app [o](obsidian://open?x=1).",
        "Russian [заметка](%D0%9F%D0%B0%D0%BC%D1%8F%D1%82%D1%8C.md) parens [p](Note%20(draft).md).",
        "Anchor [here](#Local) and bad escape [x](100%zz.md).");
    List<NoteLink> links = parse(text).note().links();
    assertThat(links).extracting(NoteLink::linkpath, NoteLink::subpath, NoteLink::alias, NoteLink::embed)
        .containsExactly(
            tuple("Some Note.md", "", "the note", false),
            tuple("../concepts/LoRA basics.md", "Rank choice", "rel", false),
            tuple("img/diagram.png", "", "a diagram", true),
            tuple("Other Note.md", "", "angle", false),
            tuple("Память.md", "", "заметка", false),
            tuple("Note (draft).md", "", "p", false),
            tuple("", "Local", "here", false),
            tuple("100%zz.md", "", "x", false));
    assertThat(links.get(0).raw()).isEqualTo("[the note](Some%20Note.md)");
  }

  @Test
  void nothingInsideCodeCounts() {
    String text = String.join("\n",
        "Real [[A]] #real",
        "```python",
        "# not a heading",
        "x = '[[B]]' #notatag [c](C.md)",
        "```",
        "~~~~",
        "[[D]]",
        "```",
        "still code [[E]]",
        "~~~~",
        "Inline `[[F]] #nottag` and ``code with ` [[G]]`` then [[H]] and `unclosed [[I]]",
        "## Heading `#code` #intitle");
    ParsedNote p = parse(text);
    assertThat(p.note().links()).extracting(NoteLink::linkpath).containsExactly("A", "H", "I");
    assertThat(p.note().tags()).containsExactly("real", "intitle");
    assertThat(p.note().headings()).extracting(Heading::level, Heading::text, Heading::line)
        .containsExactly(tuple(2, "Heading `#code` #intitle", 12));
  }

  @Test
  void unclosedFenceRunsToTheEnd() {
    ParsedNote p = parse("[[A]]\n```\n[[B]]\n# no\n");
    assertThat(p.note().links()).extracting(NoteLink::linkpath).containsExactly("A");
    assertThat(p.note().headings()).isEmpty();
  }

  @Test
  void tagsFollowObsidianRules() {
    String text = String.join("\n",
        "#start of line, #nested/tag and #with-dash_under, #Русский/тег.",
        "Years #2025 and #1984 are not tags, but #y2025 and #2025-review are.",
        "Not a tag: a#b, https://example.com/#frag, [#linked](https://x.y), [[Note#Heading]].",
        "# Heading #inheading ###",
        "##nospace is not a heading and #START repeats #start.",
        "Trailing #slash/ is trimmed.");
    ParsedNote p = parse(text);
    assertThat(p.note().tags()).containsExactly("start", "nested/tag", "with-dash_under", "Русский/тег",
        "y2025", "2025-review", "inheading", "slash");
    assertThat(p.note().headings()).extracting(Heading::text).containsExactly("Heading #inheading");
  }

  @Test
  void headingsWithLevelsAndFileLines() {
    String text = String.join("\n",
        "---",
        "title: T",
        "---",
        "# One",
        "text",
        "   ### Three ###",
        "###### Six",
        "####### seven is text",
        "#",
        "## Заголовок по-русски");
    ParsedNote p = parse(text);
    assertThat(p.note().headings()).extracting(Heading::level, Heading::text, Heading::line)
        .containsExactly(tuple(1, "One", 4), tuple(3, "Three", 6), tuple(6, "Six", 7), tuple(1, "", 9),
            tuple(2, "Заголовок по-русски", 10));
    assertThat(p.note().bodyStartLine()).isEqualTo(4);
    assertThat(p.note().body()).startsWith("# One\ntext");
  }

  @Test
  void frontmatterTitleTagsListAliases() {
    String text = String.join("\n",
        "---",
        "title: LoRA basics",
        "aliases: [Low-rank adaptation, LoRA]",
        "lang: en",
        "date: 2025-01-03",
        "tags:",
        "  - ml/lora",
        "  - '#practice'",
        "  - Practice",
        "---",
        "Body #practice #fresh [[Link]]");
    ParsedNote p = parse(text);
    Note n = p.note();
    assertThat(p.problems()).isEmpty();
    assertThat(n.title()).isEqualTo("LoRA basics");
    assertThat(n.tags()).containsExactly("ml/lora", "practice", "fresh");
    assertThat(n.frontmatter()).containsEntry("lang", "en").containsEntry("date", "2025-01-03")
        .containsEntry("aliases", List.of("Low-rank adaptation", "LoRA"));
    assertThat(n.links()).extracting(NoteLink::line).containsExactly(11);
    assertThat(n.bodyStartLine()).isEqualTo(11);
    assertThat(n.body()).isEqualTo("Body #practice #fresh [[Link]]");
  }

  @Test
  void frontmatterTagsAsStringAndTagKey() {
    ParsedNote p = parse("---\ntags: one, two three,#four\ntag: five\n---\ntext");
    assertThat(p.note().tags()).containsExactly("one", "two", "three", "four", "five");
    assertThat(p.note().title()).isEqualTo("My note");
  }

  @Test
  void numericAndInvalidFrontmatterTagsAreWarnings() {
    ParsedNote p = parse("---\nlang: ru\ntags: [2025, ok, bad.tag]\n---\n");
    assertThat(p.note().tags()).containsExactly("ok");
    assertThat(p.problems()).extracting(Problem::line, Problem::field, Problem::severity)
        .containsExactly(tuple(3, "tags", Problem.Severity.WARNING), tuple(3, "tags", Problem.Severity.WARNING));
    assertThat(p.problems().get(0).message()).contains("'2025'", "purely numeric");
    assertThat(p.problems().get(1).message()).contains("'bad.tag'");
  }

  @Test
  void malformedFrontmatterIsAWarningWithItsLineAndTheBodyIsKept() {
    String text = String.join("\n",
        "---",
        "title: Broken",
        "tags: [unclosed, list",
        "lang: en",
        "---",
        "# Still here",
        "with [[Link]] and #tag");
    ParsedNote p = parse(text);
    assertThat(p.problems()).hasSize(1);
    Problem pr = p.problems().get(0);
    assertThat(pr.severity()).isEqualTo(Problem.Severity.WARNING);
    assertThat(pr.field()).isEqualTo("frontmatter");
    assertThat(pr.file()).isEqualTo("folder/My note.md");
    // SnakeYAML notices the unclosed list when it reaches the next key, on file line 4
    assertThat(pr.line()).isEqualTo(4);
    assertThat(pr.message()).contains("malformed frontmatter", "flow sequence", "starts on line 3");
    Note n = p.note();
    assertThat(n.frontmatter()).isEmpty();
    assertThat(n.title()).isEqualTo("My note");
    assertThat(n.headings()).extracting(Heading::text, Heading::line).containsExactly(tuple("Still here", 6));
    assertThat(n.links()).extracting(NoteLink::line).containsExactly(7);
    assertThat(n.tags()).containsExactly("tag");
    assertThat(n.body()).isEqualTo("# Still here\nwith [[Link]] and #tag");
  }

  @Test
  void malformedYamlLineIsTheFileLine() {
    // the bad indentation is on file line 4
    ParsedNote p = parse("---\ntitle: ok\nlang: en\n  bad: : indent\n---\nbody");
    assertThat(p.problems()).singleElement().satisfies(pr -> assertThat(pr.line()).isEqualTo(4));
  }

  @Test
  void unclosedAndNonMappingFrontmatter() {
    ParsedNote unclosed = parse("---\ntitle: x\n# Heading\n[[A]]");
    assertThat(unclosed.problems()).singleElement().satisfies(pr -> {
      assertThat(pr.line()).isEqualTo(1);
      assertThat(pr.message()).contains("never closed");
    });
    assertThat(unclosed.note().headings()).extracting(Heading::line).containsExactly(3);
    assertThat(unclosed.note().bodyStartLine()).isEqualTo(1);

    ParsedNote list = parse("---\n- a\n- b\n---\ntext");
    assertThat(list.problems()).singleElement().satisfies(pr -> assertThat(pr.message()).contains("mapping"));
    assertThat(list.note().body()).isEqualTo("text");

    ParsedNote empty = parse("---\n---\n[[A]]");
    assertThat(empty.problems()).isEmpty();
    assertThat(empty.note().links()).extracting(NoteLink::line).containsExactly(3);

    ParsedNote nested = parse("---\ntitle:\n  a: b\n---\n");
    assertThat(nested.note().title()).isEqualTo("My note");
    assertThat(nested.problems()).singleElement().satisfies(pr -> assertThat(pr.field()).isEqualTo("title"));
  }

  @Test
  void lineEndingsAndBom() {
    ParsedNote p = parse("\uFEFF---\r\ntitle: Win\r\n---\r\n# H\r\n[[A]]\r[[B]]");
    assertThat(p.problems()).isEmpty();
    assertThat(p.note().title()).isEqualTo("Win");
    assertThat(p.note().headings()).extracting(Heading::line).containsExactly(4);
    assertThat(p.note().links()).extracting(NoteLink::line).containsExactly(5, 6);
  }

  @Test
  void unicodeFileNameGivesTheTitleAndBackslashesBecomeSlashes() {
    Note n = NoteParser.parse("journal\\Память и заметки.md", "текст").note();
    assertThat(n.path()).isEqualTo("journal/Память и заметки.md");
    assertThat(n.title()).isEqualTo("Память и заметки");
  }

  @Test
  void neverThrowsOnOddInput() {
    List<String> odd = List.of("", "---", "---\n", "[[", "]]", "![[", "[](", "`", "```", "#", "# ", "\u0000\uFFFF",
        "---\n&anchor *alias\n---", "---\n: :\n---", "[x](%)", "[x](%E2%82)", "---\na: !!binary zz\n---",
        "[[a|]]", "[[#]]", "[[|]]", "![]()", "---\n" + "[".repeat(5000) + "\n---");
    for (String s : odd) {
      ParsedNote p = NoteParser.parse("x.md", s);
      assertThat(p.note().path()).isEqualTo("x.md");
    }
    assertThat(NoteParser.parse("x.md", null).note().body()).isEmpty();
  }

  @Test
  void frontmatterValuesArePlainJava() {
    Map<String, Object> fm = parse("---\nn: 3\nb: true\nm: {k: v}\n---\n").note().frontmatter();
    assertThat(fm).containsEntry("n", 3).containsEntry("b", true).containsEntry("m", Map.of("k", "v"));
  }
}
