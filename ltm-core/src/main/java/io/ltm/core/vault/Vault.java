package io.ltm.core.vault;

import io.ltm.core.problem.Problem;
import io.ltm.core.problem.Utf8Error;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Obsidian vault as read from a folder: its notes (links resolved), its attachments, the backlinks
 * of every file and the problems found. Immutable and thread-safe; it holds no open files.
 *
 * <p>{@link #read(Path)} walks the folder: every {@code .md} file is a note (parsed by
 * {@link NoteParser}); every other file (png, pdf, canvas, ...) is an attachment, known for link
 * resolution but not parsed. Dot-folders ({@code .obsidian/}, {@code .trash/}, {@code .git/}, ...) and
 * dot-files are skipped. Links resolve as {@link LinkResolver} describes (as Obsidian does: by path
 * when the link has a folder part, else by file name, case-insensitive, shortest path first when
 * several files share a name). Unresolved and ambiguous links are warnings; an unreadable file is an
 * error. Reading never throws because of a file's content.
 *
 * <p>Paths are vault-relative with {@code /} separators, e.g. {@code concepts/LoRA basics.md}; problems
 * name files the same way.
 */
public final class Vault {
  private static final Logger LOG = LoggerFactory.getLogger(Vault.class);

  /** Notes larger than this are reported and skipped rather than read into memory. */
  public static final long MAX_NOTE_BYTES = 16L * 1024 * 1024;

  private static final Comparator<Problem> PROBLEM_ORDER = Comparator.comparing(Problem::file)
      .thenComparingInt(Problem::line).thenComparingInt(Problem::column).thenComparing(Problem::message);

  private final Path root;
  private final Map<String, Note> notes; // sorted by path
  private final List<Note> noteList;
  private final List<String> attachments;
  private final Map<String, List<String>> backlinks;
  private final List<Problem> problems;
  private final LinkResolver resolver;

  private Vault(Path root, List<ParsedNote> parsed, Collection<String> attachmentPaths, List<Problem> readProblems) {
    this.root = root;
    List<String> files = new ArrayList<>();
    parsed.forEach(p -> files.add(p.note().path()));
    files.addAll(attachmentPaths);
    this.resolver = new LinkResolver(files);
    List<Problem> all = new ArrayList<>(readProblems);
    List<ParsedNote> sorted = new ArrayList<>(parsed);
    sorted.sort(Comparator.comparing(p -> p.note().path()));
    Map<String, Note> byPath = new LinkedHashMap<>();
    Map<String, List<String>> back = new HashMap<>();
    // a link resolves the same from every note of a folder (bare names: from every note): once each
    Map<String, LinkResolver.Resolution> cache = new HashMap<>();
    for (ParsedNote p : sorted) {
      all.addAll(p.problems());
      Note n = p.note();
      String dir = n.path().lastIndexOf('/') < 0 ? "" : n.path().substring(0, n.path().lastIndexOf('/'));
      List<NoteLink> resolved = new ArrayList<>(n.links().size());
      for (NoteLink link : n.links()) {
        String lp = link.linkpath();
        LinkResolver.Resolution r;
        if (lp.isEmpty()) {
          r = resolver.resolve(lp, n.path());
        } else if (lp.indexOf('/') >= 0 || lp.indexOf('\\') >= 0) {
          r = cache.computeIfAbsent(dir + "\0" + lp, k -> resolver.resolve(lp, n.path()));
        } else {
          r = cache.computeIfAbsent(lp, k -> resolver.resolve(lp, null));
        }
        resolved.add(link.withTarget(r.target()));
        if (r.target() == null) {
          all.add(Problem.warning(n.path(), link.line(), link.column(), "links",
              "unresolved link " + link.raw() + ": no note or file '" + link.linkpath()
                  + "' in the vault; create it or correct the link"));
        } else {
          if (r.ambiguous()) {
            all.add(Problem.warning(n.path(), link.line(), link.column(), "links",
                "ambiguous link " + link.raw() + ": " + r.candidates().size() + " files match ("
                    + String.join(", ", r.candidates()) + "); using the shortest path " + r.target()
                    + "; write the folder in the link to choose another"));
          }
          if (!r.target().equals(n.path())) {
            List<String> sources = back.computeIfAbsent(r.target(), k -> new ArrayList<>());
            if (sources.isEmpty() || !sources.get(sources.size() - 1).equals(n.path())) {
              sources.add(n.path()); // notes come in path order, so each list is sorted and distinct
            }
          }
        }
      }
      byPath.put(n.path(), new Note(n.path(), n.title(), n.frontmatter(), n.tags(), n.headings(), resolved,
          n.body(), n.bodyStartLine()));
    }
    this.notes = Collections.unmodifiableMap(byPath);
    this.noteList = List.copyOf(byPath.values());
    this.attachments = attachmentPaths.stream().sorted().toList();
    Map<String, List<String>> b = new HashMap<>();
    back.forEach((k, v) -> b.put(k, List.copyOf(v)));
    this.backlinks = Collections.unmodifiableMap(b);
    all.sort(PROBLEM_ORDER);
    this.problems = List.copyOf(all);
  }

  /**
   * Reads the vault under {@code root}.
   *
   * @throws IllegalArgumentException when {@code root} is not an existing folder
   */
  public static Vault read(Path root) {
    Objects.requireNonNull(root, "root");
    if (!Files.isDirectory(root)) {
      throw new IllegalArgumentException("vault folder not found: " + root
          + (Files.exists(root) ? " is a file" : "") + "; pass the folder that holds the .md notes");
    }
    List<ParsedNote> parsed = new ArrayList<>();
    List<String> attachmentPaths = new ArrayList<>();
    List<Problem> problems = new ArrayList<>();
    Path walkRoot;
    try {
      walkRoot = root.toRealPath(); // a symlinked vault folder is walked as the folder it points to
    } catch (IOException e) {
      throw new IllegalArgumentException("vault folder cannot be opened: " + root + ": " + describe(e), e);
    }
    Path start = walkRoot;
    List<String> garbledNames = new ArrayList<>();
    try {
      Files.walkFileTree(start, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              return !dir.equals(start) && hidden(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              if (hidden(file) || !attrs.isRegularFile()) {
                return FileVisitResult.CONTINUE;
              }
              String rel = relative(start, file);
              if (rel.indexOf('\uFFFD') >= 0) {
                garbledNames.add(rel);
              }
              if (!isNote(rel)) {
                attachmentPaths.add(rel);
              } else if (attrs.size() > MAX_NOTE_BYTES) {
                problems.add(Problem.error(rel, 0, 0, "", "note is " + attrs.size() + " bytes, over the "
                    + MAX_NOTE_BYTES + " byte limit for a note; split it into smaller notes (skipped)"));
              } else {
                readNote(file, rel, parsed, problems);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
              if (hidden(file)) {
                return FileVisitResult.CONTINUE;
              }
              String rel = relative(start, file);
              if (e instanceof FileSystemLoopException) {
                problems.add(Problem.warning(rel, 0, 0, "",
                    "symbolic link loop: this folder links back to one of its parents (skipped)"));
              } else {
                problems.add(Problem.error(rel, 0, 0, "",
                    "cannot read: " + describe(e) + "; check its permissions (skipped)"));
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException | RuntimeException e) {
      problems.add(Problem.error("", 0, 0, "", "cannot walk the vault folder: " + describe(e)));
    }
    if (!garbledNames.isEmpty()) {
      String enc = System.getProperty("sun.jnu.encoding", "?");
      problems.add(Problem.warning("", 0, 0, "", garbledNames.size() + " file names could not be decoded (e.g. "
          + garbledNames.get(0) + ")" + (enc.equalsIgnoreCase("UTF-8")
              ? ": they are not valid UTF-8; rename them"
              : ": Java decodes file names as " + enc + " because the locale is not UTF-8, so links to them"
                  + " fail; run with a UTF-8 locale, e.g. LC_ALL=C.UTF-8")));
    }
    Vault v = new Vault(root, parsed, attachmentPaths, problems);
    LOG.debug("read vault {}: {} notes, {} attachments, {} problems", root, v.notes.size(),
        v.attachments.size(), v.problems.size());
    return v;
  }

  /**
   * Builds a vault from note texts in memory, without touching the disk (for tests and for callers
   * that hold notes elsewhere).
   *
   * @param root the folder the paths are relative to (reported by {@link #root()}; not read)
   * @param noteTexts vault-relative note path ({@code .md}) to its text
   * @param attachmentPaths vault-relative paths of the other files
   */
  public static Vault of(Path root, Map<String, String> noteTexts, Collection<String> attachmentPaths) {
    List<ParsedNote> parsed = new ArrayList<>();
    noteTexts.forEach((path, text) -> parsed.add(NoteParser.parse(path, text)));
    List<String> atts = new ArrayList<>();
    attachmentPaths.forEach(a -> atts.add(a.replace('\\', '/')));
    return new Vault(root, parsed, atts, List.of());
  }

  private static void readNote(Path file, String rel, List<ParsedNote> parsed, List<Problem> problems) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException | RuntimeException e) {
      problems.add(Problem.error(rel, 0, 0, "", "cannot read: " + describe(e) + "; check its permissions (skipped)"));
      return;
    }
    String text = new String(bytes, StandardCharsets.UTF_8); // the fast path; bad bytes become U+FFFD
    if (text.indexOf('\uFFFD') >= 0) {
      Utf8Error.find(bytes).ifPresent(bad -> problems.add(Problem.warning(rel, bad.line(), bad.column(), "",
          "not valid UTF-8 from byte " + bad.offset() + " on; invalid bytes were read as U+FFFD; re-save the note as UTF-8")));
    }
    parsed.add(NoteParser.parse(rel, text));
  }

  private static boolean hidden(Path p) {
    Path name = p.getFileName();
    return name != null && name.toString().startsWith(".");
  }

  private static boolean isNote(String rel) {
    return rel.toLowerCase(java.util.Locale.ROOT).endsWith(".md");
  }

  private static String relative(Path root, Path file) {
    List<String> parts = new ArrayList<>();
    root.relativize(file).forEach(p -> parts.add(p.toString()));
    return String.join("/", parts);
  }

  private static String describe(Exception e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /** The folder the vault was read from. */
  public Path root() {
    return root;
  }

  /** All notes, sorted by path, with resolved links. */
  public List<Note> notes() {
    return noteList;
  }

  /** The note at the vault-relative path {@code path} (exact, case-sensitive), if there is one. */
  public Optional<Note> note(String path) {
    return Optional.ofNullable(notes.get(path));
  }

  /** Vault-relative paths of the files that are not notes (images, PDFs, ...), sorted. */
  public List<String> attachments() {
    return attachments;
  }

  /**
   * Vault-relative paths of the notes that link to (or embed) the file at {@code path}, sorted, each
   * once; a note's links to itself do not count. Empty for unknown paths.
   */
  public List<String> backlinks(String path) {
    return backlinks.getOrDefault(path, List.of());
  }

  /** Every problem found, sorted by file, line and column. */
  public List<Problem> problems() {
    return problems;
  }

  /**
   * Resolves a link path as a link written in the note {@code fromNotePath} would resolve: e.g.
   * {@code resolve("LoRA basics", "journal/2025-01-03.md")}. A {@code #subpath} or {@code |alias} part
   * and surrounding {@code [[ ]]} are ignored.
   *
   * @param fromNotePath the linking note's vault-relative path; null resolves from the vault root
   * @return the vault-relative path of the file, or empty when none matches
   */
  public Optional<String> resolve(String linkpath, String fromNotePath) {
    String lp = linkpath.strip();
    if (lp.startsWith("![[")) {
      lp = lp.substring(1);
    }
    if (lp.startsWith("[[") && lp.endsWith("]]")) {
      lp = lp.substring(2, lp.length() - 2);
    }
    int bar = lp.indexOf('|');
    if (bar >= 0) {
      lp = lp.substring(0, bar);
    }
    int hash = lp.indexOf('#');
    if (hash >= 0) {
      lp = lp.substring(0, hash);
    }
    return Optional.ofNullable(resolver.resolve(lp, fromNotePath).target());
  }

  /** Counts of what the vault holds, for summaries. */
  public Stats stats() {
    int links = 0;
    int unresolved = 0;
    for (Note n : noteList) {
      links += n.links().size();
      unresolved += (int) n.links().stream().filter(l -> l.target() == null).count();
    }
    return new Stats(noteList.size(), attachments.size(), links, unresolved);
  }

  /**
   * Counts of a vault's content.
   *
   * @param notes number of notes
   * @param attachments number of other files
   * @param links number of links in all notes (embeds included)
   * @param unresolvedLinks links that resolved to no file
   */
  public record Stats(int notes, int attachments, int links, int unresolvedLinks) {}
}
