package io.ltm.dataset.dedup;

import io.ltm.core.scene.Scene;
import io.ltm.core.scene.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Finds scenes that repeat each other: {@link DuplicateGroup.Kind#SAME_CONTENT} (context, prompt,
 * thought with kinds and revises, answer) and {@link DuplicateGroup.Kind#SAME_PROMPT_AND_THOUGHT}
 * (prompt and step texts), comparing text with white space runs collapsed and ends stripped. A
 * group of the second kind is only reported when it is not already a same-content group.
 *
 * <p>Scenes are grouped by a 128-bit hash of their normalised fields, computed in one pass without
 * building the normalised strings; scenes with equal hashes are then compared field by field, so a
 * hash collision can never merge different scenes.
 */
public final class Duplicates {
  private Duplicates() {}

  /** The duplicate groups among {@code scenes}, same-content groups first, each in input order. */
  public static List<DuplicateGroup> find(List<Scene> scenes) {
    Map<Key, List<Scene>> byContent = new LinkedHashMap<>();
    Map<Key, List<Scene>> byPromptThought = new LinkedHashMap<>();
    for (Scene s : scenes) {
      Hasher pt = new Hasher();
      pt.text(s.prompt());
      for (Step st : s.thought()) {
        pt.text(st.text());
      }
      Hasher content = new Hasher();
      content.text(s.context());
      content.text(s.prompt());
      for (Step st : s.thought()) {
        content.mark(st.kind().ordinal());
        content.mark(st.revises() == null ? -1 : st.revises());
        content.text(st.text());
      }
      content.text(s.answer());
      byContent.computeIfAbsent(content.key(), k -> new ArrayList<>()).add(s);
      byPromptThought.computeIfAbsent(pt.key(), k -> new ArrayList<>()).add(s);
    }
    List<DuplicateGroup> out = new ArrayList<>();
    List<List<String>> contentGroups = new ArrayList<>();
    for (List<Scene> bucket : byContent.values()) {
      for (List<String> ids : confirm(bucket, true)) {
        out.add(new DuplicateGroup(DuplicateGroup.Kind.SAME_CONTENT, ids));
        contentGroups.add(ids);
      }
    }
    for (List<Scene> bucket : byPromptThought.values()) {
      for (List<String> ids : confirm(bucket, false)) {
        if (!contentGroups.contains(ids)) {
          out.add(new DuplicateGroup(DuplicateGroup.Kind.SAME_PROMPT_AND_THOUGHT, ids));
        }
      }
    }
    return out;
  }

  /** Splits a hash bucket into groups of really equal scenes (size > 1), in input order. */
  private static List<List<String>> confirm(List<Scene> bucket, boolean content) {
    List<List<String>> groups = new ArrayList<>();
    if (bucket.size() < 2) {
      return groups;
    }
    List<Scene> left = new ArrayList<>(bucket);
    while (left.size() > 1) {
      Scene first = left.remove(0);
      List<String> ids = new ArrayList<>();
      ids.add(first.id());
      left.removeIf(s -> {
        boolean same = content ? sameContent(first, s) : samePromptAndThought(first, s);
        if (same) {
          ids.add(s.id());
        }
        return same;
      });
      if (ids.size() > 1) {
        groups.add(ids);
      }
    }
    return groups;
  }

  private static boolean samePromptAndThought(Scene a, Scene b) {
    if (!norm(a.prompt()).equals(norm(b.prompt())) || a.thought().size() != b.thought().size()) {
      return false;
    }
    for (int i = 0; i < a.thought().size(); i++) {
      if (!norm(a.thought().get(i).text()).equals(norm(b.thought().get(i).text()))) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameContent(Scene a, Scene b) {
    if (!samePromptAndThought(a, b) || !norm(a.context()).equals(norm(b.context()))
        || !norm(a.answer()).equals(norm(b.answer()))) {
      return false;
    }
    for (int i = 0; i < a.thought().size(); i++) {
      Step x = a.thought().get(i);
      Step y = b.thought().get(i);
      if (x.kind() != y.kind() || !Objects.equals(x.revises(), y.revises())) {
        return false;
      }
    }
    return true;
  }

  /** {@code s} stripped, every run of white space collapsed to one space (one pass, no regex). */
  static String norm(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    boolean space = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (isSpace(c)) {
        space = sb.length() > 0;
      } else {
        if (space) {
          sb.append(' ');
          space = false;
        }
        sb.append(c);
      }
    }
    return sb.toString();
  }

  private static boolean isSpace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c);
  }

  private record Key(long a, long b) {}

  /** Two independent 64-bit hashes over the normalised characters (as {@link #norm} would give them). */
  private static final class Hasher {
    private long a = 0xcbf29ce484222325L;
    private long b = 0x9e3779b97f4a7c15L;

    void text(String s) {
      boolean space = false;
      boolean any = false;
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (isSpace(c)) {
          space = any;
        } else {
          if (space) {
            add(' ');
            space = false;
          }
          add(c);
          any = true;
        }
      }
      mark(-2); // field separator
    }

    void mark(int v) {
      add(0x10000 + v);
    }

    private void add(int c) {
      a = (a ^ c) * 0x100000001b3L;
      b = Long.rotateLeft(b ^ (c * 0xff51afd7ed558ccdL), 29) * 0xc4ceb9fe1a85ec53L;
    }

    Key key() {
      return new Key(a, b);
    }
  }
}
