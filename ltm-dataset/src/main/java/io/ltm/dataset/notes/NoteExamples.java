package io.ltm.dataset.notes;

import io.ltm.core.vault.Heading;
import io.ltm.core.vault.Note;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns vault notes into plain-text examples: one per note, or one per heading section. The text
 * is the note's body ({@link Note#body()}, frontmatter already stripped), stripped of surrounding
 * white space; blank notes and sections (or sections with nothing under their heading) give no example. A section runs from its heading line
 * (included) to the next heading of any level; text before the first heading is a section of its
 * own with the note's path as id. Stateless.
 */
public final class NoteExamples {
  /** How finely notes are cut. */
  public enum Granularity {
    /** One example per note. */
    NOTE,
    /** One example per heading section. */
    SECTION
  }

  private NoteExamples() {}

  /** The examples of every note, in order. */
  public static List<TextExample> from(List<Note> notes, Granularity granularity) {
    List<TextExample> out = new ArrayList<>();
    for (Note n : notes) {
      out.addAll(from(n, granularity));
    }
    return out;
  }

  /** The examples of one note. */
  public static List<TextExample> from(Note note, Granularity granularity) {
    Objects.requireNonNull(note, "note");
    List<TextExample> out = new ArrayList<>();
    if (granularity == Granularity.NOTE || note.headings().isEmpty()) {
      add(out, note.path(), note.body(), false);
      return out;
    }
    String[] lines = note.body().split("\n", -1);
    int from = 0;
    boolean underHeading = false;
    String id = note.path();
    for (Heading h : note.headings()) {
      int at = h.line() - note.bodyStartLine();
      if (at < from || at >= lines.length) {
        continue; // a heading outside the body (should not happen) is ignored
      }
      add(out, id, String.join("\n", java.util.Arrays.asList(lines).subList(from, at)), underHeading);
      from = at;
      underHeading = true;
      id = note.path() + "#" + h.text();
    }
    add(out, id, String.join("\n", java.util.Arrays.asList(lines).subList(from, lines.length)), underHeading);
    return out;
  }

  private static void add(List<TextExample> out, String id, String text, boolean startsWithHeading) {
    String t = text.strip();
    boolean headingOnly = startsWithHeading && t.indexOf('\n') < 0;
    if (!t.isEmpty() && !headingOnly) {
      out.add(new TextExample(id, t));
    }
  }
}
