package io.ltm.studio;

import io.ltm.core.problem.Problem;
import io.ltm.core.scene.SceneLoad;
import io.ltm.core.scene.SceneReader;
import io.ltm.core.scene.SourcedScene;
import io.ltm.dataset.chat.ChatExample;
import io.ltm.dataset.chat.Qwen3ChatTemplate;
import io.ltm.dataset.chat.SceneChatFormat;
import io.ltm.dataset.token.HfTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The scene folder as the studio edits it: list, read with a version, validate text as it is typed
 * (problems with line, column and field; the exact ChatML the dataset builder renders and its token
 * count), save atomically when the version the editor started from is still the file's, and create a
 * scene from the template without overwriting anything. The version is a hash of the file's bytes,
 * so a save from a second tab, or from an editor outside the studio, is noticed and refused.
 * Thread-safe: saves to one file are serialised.
 */
final class SceneFiles {
  /** The version of a file that does not exist. */
  static final String ABSENT = "absent";
  private static final Pattern FILE_NAME = Pattern.compile(".*\\.ya?ml");
  private static final Pattern ID = Pattern.compile("[a-z0-9-]+");

  /** One scene file. */
  record FileInfo(String name, String version, long size) {}

  /** A file's text and version. */
  record FileText(String name, String text, String version) {}

  /** The ChatML of one scene and its token count. */
  record Preview(String id, String chatml, int tokens) {}

  /** What validating a text found. */
  record Validation(List<Problem> problems, List<Preview> previews) {}

  private final RootedPath root;
  private final HfTokenizer tokenizer;
  private final SceneChatFormat format = SceneChatFormat.plain();
  private final Map<Path, Object> locks = new ConcurrentHashMap<>();

  /** @param tokenizer the base model's tokenizer, for token counts (owned by the caller) */
  SceneFiles(RootedPath root, HfTokenizer tokenizer) {
    this.root = root;
    this.tokenizer = tokenizer;
  }

  /** Every {@code *.yaml}/{@code *.yml} below the folder, sorted by name; dot-folders skipped. */
  List<FileInfo> list() throws IOException {
    List<FileInfo> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root.root())) {
      for (Path p : s.sorted().toList()) {
        String rel = root.relative(p);
        if (Files.isRegularFile(p) && FILE_NAME.matcher(p.getFileName().toString()).matches() && !rel.startsWith(".")
            && !rel.contains("/.")) {
          byte[] b = Files.readAllBytes(p);
          out.add(new FileInfo(rel, version(b), b.length));
        }
      }
    }
    return out;
  }

  /** The valid scenes of the folder: id, title and file (for picking a loop's probe). */
  List<SourcedScene> scenes() {
    return SceneReader.readLenient(List.of(root.root())).scenes();
  }

  /** The text of {@code name} and its version. */
  FileText read(String name) throws IOException {
    Path p = sceneFile(name);
    if (!Files.isRegularFile(p)) {
      throw HttpError.notFound("scene file " + name);
    }
    byte[] b = Files.readAllBytes(p);
    return new FileText(name, new String(b, StandardCharsets.UTF_8), version(b));
  }

  /** Problems of {@code text} as if it were file {@code name}, and the ChatML of its valid scenes. */
  Validation validate(String name, String text) {
    SceneLoad load = SceneReader.parseLenient(name, text);
    List<Preview> previews = new ArrayList<>();
    for (SourcedScene s : load.scenes()) {
      ChatExample ex = format.toExample(s.scene());
      String chatml = Qwen3ChatTemplate.get().renderForTraining(ex.messages()).text();
      previews.add(new Preview(s.scene().id(), chatml, tokenizer.encode(chatml).length()));
    }
    return new Validation(load.problems(), previews);
  }

  /**
   * Saves {@code text} as {@code name} when the file is still at {@code baseVersion} ({@link #ABSENT}
   * for a new file): written to a temporary file beside it and moved over it atomically.
   *
   * @return the new version
   * @throws HttpError 409 when the file changed since {@code baseVersion}; 422 when the text has errors
   */
  String save(String name, String text, String baseVersion) throws IOException {
    Path p = sceneFile(name);
    Validation v = validate(name, text);
    List<Problem> errors = v.problems().stream().filter(Problem::isError).toList();
    if (!errors.isEmpty()) {
      Problem e = errors.get(0);
      throw new HttpError(422, e.field(), "not saved: " + errors.size() + " error(s); first at line " + e.line() + ": "
          + e.message());
    }
    synchronized (locks.computeIfAbsent(p, k -> new Object())) {
      String current = Files.isRegularFile(p) ? version(Files.readAllBytes(p)) : ABSENT;
      if (!current.equals(baseVersion)) {
        throw HttpError.conflict("not saved: " + name + " was changed by another save since you opened it (another tab or "
            + "editor); reload it, merge your edit and save again");
      }
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      Files.createDirectories(p.getParent());
      Path tmp = Files.createTempFile(p.getParent(), "." + p.getFileName() + ".", ".tmp");
      try {
        Files.write(tmp, bytes, StandardOpenOption.TRUNCATE_EXISTING);
        try {
          Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
      return version(bytes);
    }
  }

  /**
   * Creates {@code <id>.yaml} from the template; never overwrites.
   *
   * @throws HttpError 400 for an id that is not {@code [a-z0-9-]+}; 409 when the file exists
   */
  FileText create(String id) throws IOException {
    if (id == null || !ID.matcher(id).matches() || id.length() > 100) {
      throw HttpError.badRequest("id", "must match [a-z0-9-]+ (lower-case letters, digits, dashes), at most 100 characters");
    }
    String name = id + ".yaml";
    Path p = sceneFile(name);
    String text = template(id);
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    try {
      Files.write(p, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (FileAlreadyExistsException e) {
      throw HttpError.conflict(name + " exists already; open it, or pick another id");
    }
    return new FileText(name, text, version(bytes));
  }

  /** A valid scene with every field, to be filled in. */
  static String template(String id) {
    return String.join("\n",
        "id: " + id,
        "title: A short title",
        "lang: en",
        "tags: []",
        "links: []",
        "context: |",
        "  What the situation is: what you know, what you tried.",
        "prompt: The question you are thinking about?",
        "thought:",
        "  - kind: observe",
        "    text: What you notice first.",
        "  - kind: hypothesis",
        "    text: A first guess.",
        "  - kind: tension",
        "    text: What pulls against it.",
        "  - kind: rewrite",
        "    revises: 1",
        "    text: The guess, corrected.",
        "  - kind: verify",
        "    text: How you checked it.",
        "answer: |",
        "  The answer you reached.",
        "sources: []",
        "");
  }

  private Path sceneFile(String name) {
    Path p = root.resolve(name);
    if (!FILE_NAME.matcher(p.getFileName().toString()).matches()) {
      throw HttpError.badRequest("name", "must end in .yaml or .yml");
    }
    return p;
  }

  static String version(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
