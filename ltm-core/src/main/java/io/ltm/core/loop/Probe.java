package io.ltm.core.loop;

import io.ltm.core.scene.Scene;
import java.util.Locale;
import java.util.Objects;

/**
 * One question the thinking loop puts to a model: a prompt with optional background context, and
 * the language that picks the reflection prompt. Immutable; checked at construction.
 *
 * @param id unique within a probe set, never blank; traces group records by it
 * @param prompt what the model is asked, never blank
 * @param context optional background shown before the prompt; empty when none
 * @param lang BCP 47 primary language tag such as {@code en} or {@code ru}; lower-cased; {@code en}
 *     when null or blank
 */
public record Probe(String id, String prompt, String context, String lang) {

  public Probe {
    Objects.requireNonNull(id, "id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("probe id must not be blank");
    }
    Objects.requireNonNull(prompt, "prompt");
    if (prompt.isBlank()) {
      throw new IllegalArgumentException("probe '" + id + "': prompt must not be blank");
    }
    context = context == null ? "" : context;
    lang = lang == null || lang.isBlank() ? "en" : primaryTag(lang);
  }

  /** A probe with no context, in English. */
  public static Probe of(String id, String prompt) {
    return new Probe(id, prompt, "", "en");
  }

  /** The probe a scene asks: its id, prompt, context and language. */
  public static Probe fromScene(Scene scene) {
    Objects.requireNonNull(scene, "scene");
    return new Probe(scene.id(), scene.prompt(), scene.context(), scene.lang());
  }

  /**
   * The user message of the first iteration: context and prompt, each stripped, joined by one blank
   * line (the prompt alone when the context is blank). This is exactly how the dataset renders a
   * scene's user turn, so a held-out scene's probe reads like the training examples.
   */
  public String userText() {
    String c = context.strip();
    String p = prompt.strip();
    return c.isEmpty() ? p : c + "\n\n" + p;
  }

  private static String primaryTag(String tag) {
    String t = tag.strip().toLowerCase(Locale.ROOT);
    int dash = t.indexOf('-');
    int underscore = t.indexOf('_');
    int cut = dash < 0 ? underscore : underscore < 0 ? dash : Math.min(dash, underscore);
    return cut > 0 ? t.substring(0, cut) : t;
  }
}
