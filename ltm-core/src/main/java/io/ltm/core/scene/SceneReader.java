package io.ltm.core.scene;

import io.ltm.core.problem.Problem;
import io.ltm.core.problem.Utf8Error;
import io.ltm.core.yaml.PositionedYamlParser;
import io.ltm.core.yaml.YamlNode;
import io.ltm.core.yaml.YamlSyntaxException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads scene YAML files (schema version 1) and validates them with exact positions.
 *
 * <p>A path may be a file (read whatever its name) or a folder, walked recursively for {@code *.yaml}
 * and {@code *.yml} files in sorted order, skipping dot-folders. A file holds one scene (a mapping), a
 * list of scenes, or several {@code ---} documents of either. Each problem names the file as the user
 * gave it joined with the relative path below it, the 1-based line and column, and the field path
 * (e.g. {@code thought[2].revises}); problems concerning a whole file (it is missing, unreadable or
 * empty) have line and column 0.
 *
 * <p>Rules: required fields are {@code id}, {@code prompt}, {@code thought} (at least one step) and
 * {@code answer}; each step needs {@code kind} and {@code text}. Errors: a missing or empty required
 * field, an unknown or duplicate key, a wrong type, an id not matching {@code [a-z0-9-]+}, an unknown
 * step kind, a rewrite without {@code revises} or with one out of range or not pointing to an earlier
 * step, a duplicate id across the set, a YAML syntax error, an empty file, an unsupported
 * {@code schema} version (only {@code schema: 1} is known; the key is optional). Warnings (the scene is
 * kept): {@code revises} on a step that is not a rewrite (it is dropped), a link to an id that is not in
 * the loaded set (the set may be partial), a link to itself or twice, a source that is not a wikilink,
 * an unquoted {@code [[Note]]} (read as the wikilink), a {@code lang} that is no BCP 47 tag, a folder
 * without scene files.
 *
 * <p>Text values keep their inner newlines; trailing whitespace is removed (so the newline a {@code |}
 * block adds does not end up in the scene). Thread-safe: all methods are static and stateless.
 */
public final class SceneReader {
  private static final Logger LOG = LoggerFactory.getLogger(SceneReader.class);

  private SceneReader() {}

  /**
   * Reads every scene under {@code paths}, collecting all problems and keeping the scenes without
   * errors. Never throws for any file content; IO errors become problems too.
   */
  public static SceneLoad readLenient(List<Path> paths) {
    Objects.requireNonNull(paths, "paths");
    List<Problem> problems = new ArrayList<>();
    List<SceneBinder.Candidate> candidates = new ArrayList<>();
    List<String> fileOrder = new ArrayList<>();
    Set<Path> seen = new HashSet<>();
    for (Path given : paths) {
      for (FileRef f : files(given, problems, fileOrder)) {
        if (seen.add(identity(f.path()))) {
          fileOrder.add(f.name());
          readFile(f, problems, candidates);
        }
      }
    }
    return finish(candidates, problems, fileOrder);
  }

  /**
   * Reads every scene under {@code paths} and fails on the first error (in file, line, column order).
   * Warnings are logged and do not fail.
   *
   * @throws SceneValidationException for the first error, which it carries
   */
  public static List<Scene> readStrict(List<Path> paths) throws SceneValidationException {
    SceneLoad load = readLenient(paths);
    return strict(load);
  }

  /**
   * Validates scene YAML given as text, as if read from a file named {@code file}; the same rules as
   * {@link #readLenient(List)}, the set being this text's scenes.
   */
  public static SceneLoad parseLenient(String file, String yaml) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(yaml, "yaml");
    List<Problem> problems = new ArrayList<>();
    List<SceneBinder.Candidate> candidates = new ArrayList<>();
    parseText(file, stripBom(yaml), problems, candidates);
    return finish(candidates, problems, List.of(file));
  }

  /** {@link #parseLenient} failing on the first error. */
  public static List<Scene> parseStrict(String file, String yaml) throws SceneValidationException {
    return strict(parseLenient(file, yaml));
  }

  private static List<Scene> strict(SceneLoad load) throws SceneValidationException {
    if (load.hasErrors()) {
      throw new SceneValidationException(load.errors().get(0));
    }
    for (Problem w : load.warnings()) {
      LOG.warn("{}", w.format());
    }
    return load.sceneList();
  }

  private record FileRef(Path path, String name) {}

  /** The scene files a given path stands for; problems for missing paths and empty folders. */
  private static List<FileRef> files(Path given, List<Problem> problems, List<String> fileOrder) {
    String shown = given.toString();
    if (Files.isDirectory(given)) {
      List<FileRef> out = new ArrayList<>();
      try (Stream<Path> walk = Files.walk(given)) {
        walk.filter(p -> !p.equals(given))
            .filter(p -> !hiddenBelow(given, p))
            .filter(Files::isRegularFile)
            .filter(SceneReader::isSceneFileName)
            .map(p -> given.relativize(p))
            .sorted(Comparator.comparing(p -> p.toString().replace('\\', '/')))
            .forEach(rel -> out.add(new FileRef(given.resolve(rel), given.resolve(rel).toString())));
      } catch (IOException | UncheckedIOException e) {
        fileOrder.add(shown);
        problems.add(Problem.error(shown, 0, 0, "", "cannot list folder " + shown + ": " + ioMessage(e)));
        return out;
      }
      if (out.isEmpty()) {
        fileOrder.add(shown);
        problems.add(Problem.warning(shown, 0, 0, "",
            "no scene files (*.yaml, *.yml) under folder " + shown));
      }
      return out;
    }
    if (!Files.exists(given)) {
      fileOrder.add(shown);
      problems.add(Problem.error(shown, 0, 0, "",
          "no such file or folder: " + shown + " (give scene files or folders holding *.yaml scene files)"));
      return List.of();
    }
    if (!Files.isRegularFile(given)) {
      fileOrder.add(shown);
      problems.add(Problem.error(shown, 0, 0, "", shown + " is neither a file nor a folder"));
      return List.of();
    }
    return List.of(new FileRef(given, shown));
  }

  private static boolean hiddenBelow(Path root, Path p) {
    for (Path part : root.relativize(p)) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static boolean isSceneFileName(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".yaml") || n.endsWith(".yml");
  }

  private static Path identity(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException | RuntimeException e) {
      return p.toAbsolutePath().normalize();
    }
  }

  private static void readFile(FileRef f, List<Problem> problems, List<SceneBinder.Candidate> candidates) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(f.path());
    } catch (IOException | RuntimeException e) {
      problems.add(Problem.error(f.name(), 0, 0, "", "cannot read " + f.name() + ": " + ioMessage(e)));
      return;
    }
    String text = decodeUtf8(f.name(), bytes, problems);
    if (text != null) {
      LOG.debug("reading scenes from {}", f.name());
      parseText(f.name(), stripBom(text), problems, candidates);
    }
  }

  private static void parseText(String file, String text, List<Problem> problems,
      List<SceneBinder.Candidate> candidates) {
    List<YamlNode> docs;
    try {
      docs = PositionedYamlParser.parseDocuments(text);
    } catch (YamlSyntaxException e) {
      problems.add(Problem.error(file, e.position().line(), e.position().column(), "",
          "YAML syntax error: " + e.problem()));
      return;
    }
    candidates.addAll(new SceneBinder(file, problems).bindFile(docs));
  }

  /** Strict UTF-8; on a malformed byte, an error at its line and column and null. */
  private static String decodeUtf8(String file, byte[] bytes, List<Problem> problems) {
    String text = new String(bytes, StandardCharsets.UTF_8); // invalid bytes would become U+FFFD
    if (text.indexOf('\uFFFD') >= 0) {
      java.util.Optional<Utf8Error> bad = Utf8Error.find(bytes);
      if (bad.isPresent()) {
        problems.add(Problem.error(file, bad.get().line(), bad.get().column(), "",
            "the file is not valid UTF-8 (bad byte at offset " + bad.get().offset() + "); save it as UTF-8"));
        return null;
      }
    }
    return text;
  }

  private static String stripBom(String s) {
    return s.startsWith("\uFEFF") ? s.substring(1) : s;
  }

  /** Set-wide checks (duplicate ids, links), then the problems sorted by file order, line, column. */
  private static SceneLoad finish(List<SceneBinder.Candidate> candidates, List<Problem> problems,
      List<String> fileOrder) {
    Map<String, SceneBinder.Candidate> byId = new LinkedHashMap<>();
    List<SourcedScene> scenes = new ArrayList<>();
    for (SceneBinder.Candidate c : candidates) {
      if (c.id() == null) {
        continue;
      }
      SceneBinder.Candidate first = byId.putIfAbsent(c.id(), c);
      if (first != null) {
        problems.add(Problem.error(c.file(), c.idPosition().line(), c.idPosition().column(), "id",
            "duplicate id '" + c.id() + "': also defined at " + first.file() + ":" + first.idPosition().line() + ":"
                + first.idPosition().column() + "; ids must be unique across the set"));
      }
    }
    for (SceneBinder.Candidate c : candidates) {
      for (SceneBinder.LinkRef link : c.links()) {
        if (!byId.containsKey(link.target())) {
          String hint = ClosestName.suggest(link.target(), byId.keySet())
              .map(s -> " (did you mean '" + s + "'?)").orElse("");
          problems.add(Problem.warning(c.file(), link.position().line(), link.position().column(),
              "links[" + link.index() + "]", "link to unknown scene id '" + link.target() + "'" + hint
                  + ": no loaded scene has this id"));
        }
      }
      boolean duplicate = c.id() != null && byId.get(c.id()) != c;
      if (c.scene() != null && !duplicate) {
        scenes.add(new SourcedScene(c.scene(), c.file(), c.position().line()));
      }
    }
    Map<String, Integer> order = new HashMap<>();
    for (String f : fileOrder) {
      order.putIfAbsent(f, order.size());
    }
    List<Problem> sorted = new ArrayList<>(problems);
    sorted.sort(Comparator.<Problem>comparingInt(p -> order.getOrDefault(p.file(), Integer.MAX_VALUE))
        .thenComparingInt(Problem::line)
        .thenComparingInt(Problem::column));
    return new SceneLoad(scenes, sorted);
  }

  private static String ioMessage(Exception e) {
    Throwable t = e instanceof UncheckedIOException u ? u.getCause() : e;
    String m = t.getMessage();
    String kind = t.getClass().getSimpleName();
    return m == null ? kind : kind + " (" + m + ")";
  }
}
