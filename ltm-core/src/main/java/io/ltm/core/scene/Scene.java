package io.ltm.core.scene;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One act of thinking written down by hand (scene schema version 1): a situation, a question, the
 * ordered steps of reasoning and the answer. Immutable; checked at construction. Reading, validation
 * with file positions and writing live in {@link SceneReader} and friends.
 *
 * @param id unique across a set, {@code [a-z0-9-]+}
 * @param title human title, may be empty
 * @param lang BCP 47 primary language tag such as {@code en} or {@code ru}
 * @param tags free tags
 * @param links ids of related scenes
 * @param context optional situation or background, empty when absent
 * @param prompt what the model is asked, never blank
 * @param thought ordered steps, at least one
 * @param answer the answer, never blank
 * @param sources wikilinks into the vault such as {@code [[LTM_2]]}
 */
public record Scene(
    String id,
    String title,
    String lang,
    List<String> tags,
    List<String> links,
    String context,
    String prompt,
    List<Step> thought,
    String answer,
    List<String> sources) {

  /** The pattern every scene id matches. */
  public static final Pattern ID_PATTERN = Pattern.compile("[a-z0-9-]+");

  public Scene {
    Objects.requireNonNull(id, "id");
    if (!ID_PATTERN.matcher(id).matches()) {
      throw new IllegalArgumentException("scene id must match [a-z0-9-]+ but got '" + id + "'");
    }
    title = title == null ? "" : title;
    lang = lang == null || lang.isBlank() ? "en" : lang;
    tags = List.copyOf(tags == null ? List.of() : tags);
    links = List.copyOf(links == null ? List.of() : links);
    context = context == null ? "" : context;
    Objects.requireNonNull(prompt, "prompt");
    if (prompt.isBlank()) {
      throw new IllegalArgumentException("scene '" + id + "': prompt must not be blank");
    }
    thought = List.copyOf(Objects.requireNonNull(thought, "thought"));
    if (thought.isEmpty()) {
      throw new IllegalArgumentException("scene '" + id + "': thought needs at least one step");
    }
    for (int i = 0; i < thought.size(); i++) {
      Integer r = thought.get(i).revises();
      if (r != null && r >= i) {
        throw new IllegalArgumentException(
            "scene '" + id + "': step " + i + " revises " + r + ", which is not an earlier step");
      }
    }
    Objects.requireNonNull(answer, "answer");
    if (answer.isBlank()) {
      throw new IllegalArgumentException("scene '" + id + "': answer must not be blank");
    }
    sources = List.copyOf(sources == null ? List.of() : sources);
  }
}
