package io.ltm.core.vault;

import java.text.Normalizer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Resolves link paths to files of a vault the way Obsidian does. Keys compare case-insensitively and
 * after Unicode NFC normalisation (macOS stores file names decomposed). Immutable, thread-safe.
 *
 * <p>Rules, in order:
 *
 * <ol>
 *   <li>an empty link path ({@code [[#Heading]]}) is the linking note itself;
 *   <li>{@code ./x} and {@code ../x} are relative to the linking note's folder; {@code /x} is relative
 *       to the vault root;
 *   <li>a link path with a folder part ({@code folder/Note}) is looked up as a path from the vault
 *       root, then relative to the linking note's folder, then as the end of a longer path
 *       ({@code [[b/Note]]} finds {@code a/b/Note.md});
 *   <li>a bare name is looked up by file name anywhere in the vault;
 *   <li>at each step {@code name.md} is tried before {@code name} as written, so {@code [[Note]]},
 *       {@code [[Note.md]]} and {@code [[diagram.png]]} all work;
 *   <li>when several files match, the shortest path wins (then the alphabetically first) and the
 *       result says it was ambiguous, naming the candidates.
 * </ol>
 */
final class LinkResolver {
  private static final Comparator<String> SHORTEST_FIRST =
      Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder());

  /** The outcome of one lookup: the chosen path (null when unresolved) and every candidate. */
  record Resolution(String target, List<String> candidates) {
    boolean ambiguous() {
      return candidates.size() > 1;
    }
  }

  private final Map<String, List<String>> byPath = new HashMap<>();
  private final Map<String, List<String>> byName = new HashMap<>();

  LinkResolver(Collection<String> files) {
    for (String f : files) {
      byPath.computeIfAbsent(key(f), k -> new ArrayList<>()).add(f);
      byName.computeIfAbsent(key(f.substring(f.lastIndexOf('/') + 1)), k -> new ArrayList<>()).add(f);
    }
    byPath.values().forEach(l -> l.sort(SHORTEST_FIRST));
    byName.values().forEach(l -> l.sort(SHORTEST_FIRST));
  }

  Resolution resolve(String linkpath, String from) {
    String lp = linkpath.strip().replace('\\', '/');
    if (lp.isEmpty()) {
      return from == null ? none() : new Resolution(from, List.of(from));
    }
    String fromDir = from == null || from.lastIndexOf('/') < 0 ? "" : from.substring(0, from.lastIndexOf('/'));
    if (lp.startsWith("./") || lp.startsWith("../")) {
      String p = normalize(fromDir.isEmpty() ? lp : fromDir + "/" + lp);
      return p == null ? none() : exact(p);
    }
    if (lp.startsWith("/")) {
      String p = normalize(lp.substring(1));
      return p == null ? none() : exact(p);
    }
    if (lp.indexOf('/') >= 0) {
      String p = normalize(lp);
      if (p == null) {
        return none();
      }
      Resolution r = exact(p);
      if (r.target() == null && !fromDir.isEmpty()) {
        String rel = normalize(fromDir + "/" + lp);
        r = rel == null ? none() : exact(rel);
      }
      return r.target() != null ? r : suffix(p);
    }
    return pick(byName, lp);
  }

  private Resolution exact(String path) {
    return pick(byPath, path);
  }

  private Resolution suffix(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    for (String candidateName : List.of(name + ".md", name)) {
      String tail = key("/" + path + (candidateName.equals(name) ? "" : ".md"));
      List<String> found = new ArrayList<>();
      for (String f : byName.getOrDefault(key(candidateName), List.of())) {
        if (key("/" + f).endsWith(tail)) {
          found.add(f);
        }
      }
      if (!found.isEmpty()) {
        return new Resolution(found.get(0), List.copyOf(found));
      }
    }
    return none();
  }

  private static Resolution pick(Map<String, List<String>> index, String name) {
    if (!name.toLowerCase(Locale.ROOT).endsWith(".md")) {
      List<String> md = index.get(key(name + ".md"));
      if (md != null) {
        return new Resolution(md.get(0), List.copyOf(md));
      }
    }
    List<String> asIs = index.get(key(name));
    return asIs == null ? none() : new Resolution(asIs.get(0), List.copyOf(asIs));
  }

  private static Resolution none() {
    return new Resolution(null, List.of());
  }

  /** Collapses {@code .} and {@code ..} segments; null when the path climbs above the vault root. */
  private static String normalize(String path) {
    Deque<String> parts = new ArrayDeque<>();
    for (String seg : path.split("/")) {
      if (seg.isEmpty() || seg.equals(".")) {
        continue;
      }
      if (seg.equals("..")) {
        if (parts.isEmpty()) {
          return null;
        }
        parts.removeLast();
      } else {
        parts.addLast(seg);
      }
    }
    return parts.isEmpty() ? null : String.join("/", parts);
  }

  static String key(String s) {
    return Normalizer.normalize(s, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
  }
}
