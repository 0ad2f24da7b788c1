package io.ltm.dataset.dedup;

import io.ltm.core.scene.Scene;
import io.ltm.core.scene.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Finds scenes that repeat each other: {@link DuplicateGroup.Kind#SAME_CONTENT} (context, prompt,
 * thought with kinds and revises, answer) and {@link DuplicateGroup.Kind#SAME_PROMPT_AND_THOUGHT}
 * (prompt and step texts), comparing text with white space runs collapsed and ends stripped. A
 * group of the second kind is only reported when it is not already a same-content group.
 */
public final class Duplicates {
  private static final Pattern WS = Pattern.compile("\\s+");

  private Duplicates() {}

  /** The duplicate groups among {@code scenes}, same-content groups first, each in input order. */
  public static List<DuplicateGroup> find(List<Scene> scenes) {
    Map<String, List<String>> byContent = new LinkedHashMap<>();
    Map<String, List<String>> byPromptThought = new LinkedHashMap<>();
    for (Scene s : scenes) {
      String pt = norm(s.prompt()) + '\u0001' + steps(s, false);
      String content = norm(s.context()) + '\u0001' + norm(s.prompt()) + '\u0001' + steps(s, true) + '\u0001' + norm(s.answer());
      byContent.computeIfAbsent(content, k -> new ArrayList<>()).add(s.id());
      byPromptThought.computeIfAbsent(pt, k -> new ArrayList<>()).add(s.id());
    }
    List<DuplicateGroup> out = new ArrayList<>();
    List<List<String>> contentGroups = new ArrayList<>();
    for (List<String> ids : byContent.values()) {
      if (ids.size() > 1) {
        out.add(new DuplicateGroup(DuplicateGroup.Kind.SAME_CONTENT, ids));
        contentGroups.add(ids);
      }
    }
    for (List<String> ids : byPromptThought.values()) {
      if (ids.size() > 1 && !contentGroups.contains(ids)) {
        out.add(new DuplicateGroup(DuplicateGroup.Kind.SAME_PROMPT_AND_THOUGHT, ids));
      }
    }
    return out;
  }

  private static String steps(Scene s, boolean withKinds) {
    StringBuilder sb = new StringBuilder();
    for (Step st : s.thought()) {
      if (withKinds) {
        sb.append(st.kind().yamlName()).append(':').append(st.revises()).append(':');
      }
      sb.append(norm(st.text())).append('\u0002');
    }
    return sb.toString();
  }

  private static String norm(String s) {
    return WS.matcher(s.strip()).replaceAll(" ");
  }
}
