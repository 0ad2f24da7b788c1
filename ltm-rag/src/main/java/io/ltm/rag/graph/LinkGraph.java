package io.ltm.rag.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The wikilink graph of a vault: which note links to which, resolved the way Obsidian resolves a
 * link's path. {@code [[Note]]} names a note by file name anywhere in the vault (the one in the
 * linking note's folder first, then the one with the shortest path); {@code [[folder/Note]]} names
 * the note whose path ends with it; a {@code .md} suffix is optional and case is ignored. Links to
 * attachments and to notes that do not exist are dropped. Immutable and thread-safe.
 */
public final class LinkGraph {
  private final Map<String, Set<String>> out;
  private final Map<String, Set<String>> in;
  private final Map<String, List<String>> byName; // lower-case file name without .md -> paths
  private final Set<String> paths;

  private LinkGraph(Map<String, List<String>> linkpathsByNote) {
    this.paths = Collections.unmodifiableSet(new LinkedHashSet<>(linkpathsByNote.keySet()));
    this.byName = new HashMap<>();
    for (String p : paths) {
      byName.computeIfAbsent(baseName(p), k -> new ArrayList<>()).add(p);
    }
    Comparator<String> shortest = Comparator.comparingInt(String::length).thenComparing(Comparator.naturalOrder());
    byName.values().forEach(l -> l.sort(shortest));
    this.out = new HashMap<>();
    this.in = new HashMap<>();
    linkpathsByNote.forEach((from, links) -> {
      for (String lp : links) {
        resolve(lp, from).ifPresent(to -> {
          if (!to.equals(from)) {
            out.computeIfAbsent(from, k -> new LinkedHashSet<>()).add(to);
            in.computeIfAbsent(to, k -> new LinkedHashSet<>()).add(from);
          }
        });
      }
    });
  }

  /**
   * The graph of these notes.
   *
   * @param linkpathsByNote for each note's vault-relative path, the link paths written in it
   *     ({@code Note}, {@code folder/Note}, {@code Note.md}), in any order
   */
  public static LinkGraph of(Map<String, List<String>> linkpathsByNote) {
    return new LinkGraph(new LinkedHashMap<>(linkpathsByNote));
  }

  /** All notes of the graph. */
  public Set<String> notes() {
    return paths;
  }

  /**
   * The note {@code linkpath} names when written in {@code fromPath}, if it exists.
   */
  public Optional<String> resolve(String linkpath, String fromPath) {
    String lp = linkpath.trim().replace('\\', '/');
    if (lp.startsWith("./") || lp.startsWith("../")) {
      java.util.Deque<String> parts = new ArrayDeque<>();
      String folder = folderOf(fromPath);
      if (!folder.isEmpty()) {
        parts.addAll(List.of(folder.split("/")));
      }
      for (String part : lp.split("/")) {
        if (part.equals("..")) {
          if (parts.isEmpty()) {
            return Optional.empty();
          }
          parts.removeLast();
        } else if (!part.equals(".") && !part.isEmpty()) {
          parts.addLast(part);
        }
      }
      lp = String.join("/", parts);
      if (!lp.contains("/")) {
        lp = "/" + lp; // rooted: a path, not a bare name
      }
    }
    boolean rooted = lp.startsWith("/");
    while (lp.startsWith("/")) {
      lp = lp.substring(1);
    }
    if (lp.isEmpty()) {
      return Optional.empty();
    }
    String lower = lp.toLowerCase(Locale.ROOT);
    String noExt = lower.endsWith(".md") ? lower.substring(0, lower.length() - 3) : lower;
    if (noExt.contains("/") || rooted) {
      String exact = null;
      String suffix = null;
      for (String p : byName.getOrDefault(noExt.substring(noExt.lastIndexOf('/') + 1), List.of())) {
        if (rooted && !p.toLowerCase(Locale.ROOT).equals(noExt + ".md")) {
          continue;
        }
        String pl = p.toLowerCase(Locale.ROOT);
        String pNoExt = pl.substring(0, pl.length() - 3);
        if (pNoExt.equals(noExt)) {
          exact = p;
        } else if (suffix == null && pNoExt.endsWith("/" + noExt)) {
          suffix = p;
        }
      }
      return Optional.ofNullable(exact != null ? exact : suffix);
    }
    List<String> candidates = byName.getOrDefault(noExt, List.of());
    if (candidates.isEmpty()) {
      return Optional.empty();
    }
    String folder = folderOf(fromPath);
    for (String c : candidates) {
      if (folderOf(c).equals(folder)) {
        return Optional.of(c);
      }
    }
    return Optional.of(candidates.get(0));
  }

  /** Notes {@code path} links to. */
  public Set<String> outgoing(String path) {
    return Collections.unmodifiableSet(out.getOrDefault(path, Set.of()));
  }

  /** Notes that link to {@code path}. */
  public Set<String> backlinks(String path) {
    return Collections.unmodifiableSet(in.getOrDefault(path, Set.of()));
  }

  /**
   * Notes within {@code depth} hops of {@code path} along links in either direction, with their
   * hop count (breadth first, so the shortest), not including {@code path} itself.
   */
  public Map<String, Integer> neighbours(String path, int depth) {
    Map<String, Integer> hops = new LinkedHashMap<>();
    hops.put(path, 0);
    Deque<String> queue = new ArrayDeque<>(List.of(path));
    while (!queue.isEmpty()) {
      String p = queue.removeFirst();
      int h = hops.get(p);
      if (h == depth) {
        continue;
      }
      List<String> next = new ArrayList<>(outgoing(p));
      next.addAll(backlinks(p));
      for (String n : next) {
        if (!hops.containsKey(n)) {
          hops.put(n, h + 1);
          queue.addLast(n);
        }
      }
    }
    hops.remove(path);
    return hops;
  }

  private static String baseName(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    return name.endsWith(".md") ? name.substring(0, name.length() - 3) : name;
  }

  private static String folderOf(String path) {
    int i = path.lastIndexOf('/');
    return i < 0 ? "" : path.substring(0, i);
  }
}
