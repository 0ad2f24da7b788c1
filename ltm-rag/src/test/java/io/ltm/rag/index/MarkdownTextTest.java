package io.ltm.rag.index;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a line of Obsidian Markdown reduces to before it is indexed and embedded. */
class MarkdownTextTest {

  @Test
  void linksBecomeTheirDisplayTextAndEmbedsAndCommentsDisappear() {
    assertThat(MarkdownText.displayText("See [[Folder/Note#Part|the part]] and [[Other]] ![[img.png]] %%hidden%% [web](https://x.y)"))
        .isEqualTo("See the part and Other   web");
    assertThat(MarkdownText.displayText("[[Note#Heading]] and [[Note#^blockid]]")).isEqualTo("Note Heading and Note");
  }

  @Test
  void aTrailingBlockIdIsNotText() {
    assertThat(MarkdownText.displayText("A claim worth linking to. ^claim-1")).isEqualTo("A claim worth linking to.");
    assertThat(MarkdownText.displayText("- item with [[Link]] ^x9")).isEqualTo("- item with Link");
    assertThat(MarkdownText.displayText("^table-id")).isEmpty();
    // not block ids: an exponent, a caret inside the line
    assertThat(MarkdownText.displayText("growth is 2^10")).isEqualTo("growth is 2^10");
    assertThat(MarkdownText.displayText("press ^C to stop")).isEqualTo("press ^C to stop");
  }
}
