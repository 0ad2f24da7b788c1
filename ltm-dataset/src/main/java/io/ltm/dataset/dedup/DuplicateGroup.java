package io.ltm.dataset.dedup;

import java.util.List;

/**
 * Scenes that repeat each other.
 *
 * @param kind how they repeat
 * @param ids the scene ids, in input order (at least two)
 */
public record DuplicateGroup(Kind kind, List<String> ids) {
  /** How scenes repeat each other. */
  public enum Kind {
    /** Same context, prompt, thought and answer (white space normalised) under different ids. */
    SAME_CONTENT,
    /** Same prompt and thought, different answer or context. */
    SAME_PROMPT_AND_THOUGHT
  }

  public DuplicateGroup {
    ids = List.copyOf(ids);
    if (ids.size() < 2) {
      throw new IllegalArgumentException("a duplicate group needs at least two ids");
    }
  }

  /** One line for a report, e.g. {@code same content: a, b}. */
  public String describe() {
    return (kind == Kind.SAME_CONTENT ? "same content: " : "same prompt and thought: ") + String.join(", ", ids);
  }
}
