package io.ltm.core.vault;

import io.ltm.core.problem.Problem;
import java.util.List;
import java.util.Objects;

/**
 * What {@link NoteParser#parse} read from one note: the note (links not yet resolved, every
 * {@link NoteLink#target()} null) and the problems found in it (malformed frontmatter, bad tags).
 * Problems name the note by its vault-relative path.
 *
 * @param note the parsed note
 * @param problems problems in file order; all warnings, since a note with bad frontmatter is still read
 */
public record ParsedNote(Note note, List<Problem> problems) {
  public ParsedNote {
    Objects.requireNonNull(note, "note");
    problems = List.copyOf(problems == null ? List.of() : problems);
  }
}
