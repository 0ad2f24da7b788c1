package io.ltm.core.scene;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.emitter.Emitter;
import org.yaml.snakeyaml.events.DocumentEndEvent;
import org.yaml.snakeyaml.events.DocumentStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.ImplicitTuple;
import org.yaml.snakeyaml.events.MappingEndEvent;
import org.yaml.snakeyaml.events.MappingStartEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.SequenceEndEvent;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.events.StreamEndEvent;
import org.yaml.snakeyaml.events.StreamStartEvent;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Writes scenes as YAML in the layout people write by hand: keys in schema order, empty optional
 * fields left out, tags and links as flow lists ({@code [a, b]}), sources as double-quoted wikilinks,
 * multi-line text as literal blocks ({@code |}), single-line text plain unless YAML needs quotes.
 * What {@link SceneReader} reads back equals the scene written (text fields compare after the reader's
 * trailing-whitespace trim, so any scene the reader produced round-trips exactly).
 *
 * <p>Files are written atomically: to a temporary file in the same folder, then renamed over the
 * target. Thread-safe: all methods are static.
 */
public final class SceneWriter {
  private static final Resolver RESOLVER = new Resolver();

  private SceneWriter() {}

  /** One scene as a YAML mapping (a complete file). */
  public static String toYaml(Scene scene) {
    Objects.requireNonNull(scene, "scene");
    return emit(e -> scene(e, scene));
  }

  /**
   * Several scenes as a YAML list of mappings (a complete file), a blank line between scenes. Each
   * scene is {@link #toYaml(Scene)} shifted right by two columns under its {@code "- "}; a uniform shift
   * keeps every value, block scalars included, as it was.
   */
  public static String toYaml(List<Scene> scenes) {
    Objects.requireNonNull(scenes, "scenes");
    if (scenes.isEmpty()) {
      return "[]\n";
    }
    StringBuilder sb = new StringBuilder();
    for (Scene s : scenes) {
      if (sb.length() > 0) {
        sb.append('\n');
      }
      String[] lines = toYaml(s).split("\n", -1);
      for (int i = 0; i < lines.length; i++) {
        if (i == lines.length - 1 && lines[i].isEmpty()) {
          break;
        }
        sb.append(i == 0 ? "- " : lines[i].isEmpty() ? "" : "  ").append(lines[i]).append('\n');
      }
    }
    return sb.toString();
  }

  /** Writes one scene to {@code file} atomically, creating missing parent folders. */
  public static void write(Path file, Scene scene) throws IOException {
    writeAtomically(file, toYaml(scene));
  }

  /** Writes a list of scenes to one {@code file} atomically, creating missing parent folders. */
  public static void write(Path file, List<Scene> scenes) throws IOException {
    writeAtomically(file, toYaml(scenes));
  }

  /** Writes {@code text} as UTF-8 to a temporary file beside {@code file}, then renames it over. */
  static void writeAtomically(Path file, String text) throws IOException {
    Path abs = file.toAbsolutePath();
    Path dir = abs.getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  @FunctionalInterface
  private interface Body {
    void write(Emitter e) throws IOException;
  }

  private static String emit(Body body) {
    DumperOptions options = new DumperOptions();
    options.setIndent(2);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    options.setSplitLines(false);
    options.setWidth(Integer.MAX_VALUE);
    options.setAllowUnicode(true);
    options.setLineBreak(DumperOptions.LineBreak.UNIX);
    StringWriter out = new StringWriter();
    Emitter e = new Emitter(out, options);
    try {
      e.emit(new StreamStartEvent(null, null));
      e.emit(new DocumentStartEvent(null, null, false, null, Map.of()));
      body.write(e);
      e.emit(new DocumentEndEvent(null, null, false));
      e.emit(new StreamEndEvent(null, null));
    } catch (IOException ex) {
      throw new UncheckedIOException(ex); // a StringWriter does not throw
    }
    return out.toString();
  }

  private static void scene(Emitter e, Scene s) throws IOException {
    e.emit(new MappingStartEvent(null, null, true, null, null, DumperOptions.FlowStyle.BLOCK));
    key(e, "id");
    plain(e, s.id());
    if (!s.title().isEmpty()) {
      key(e, "title");
      text(e, s.title());
    }
    key(e, "lang");
    plain(e, s.lang());
    flowList(e, "tags", s.tags(), DumperOptions.ScalarStyle.PLAIN);
    flowList(e, "links", s.links(), DumperOptions.ScalarStyle.PLAIN);
    if (!s.context().isEmpty()) {
      key(e, "context");
      text(e, s.context());
    }
    key(e, "prompt");
    text(e, s.prompt());
    key(e, "thought");
    e.emit(new SequenceStartEvent(null, null, true, null, null, DumperOptions.FlowStyle.BLOCK));
    for (Step step : s.thought()) {
      e.emit(new MappingStartEvent(null, null, true, null, null, DumperOptions.FlowStyle.BLOCK));
      key(e, "kind");
      plain(e, step.kind().yamlName());
      if (step.revises() != null) {
        key(e, "revises");
        e.emit(new ScalarEvent(null, null, new ImplicitTuple(true, false), Integer.toString(step.revises()), null, null,
            DumperOptions.ScalarStyle.PLAIN));
      }
      key(e, "text");
      text(e, step.text());
      e.emit(new MappingEndEvent(null, null));
    }
    e.emit(new SequenceEndEvent(null, null));
    key(e, "answer");
    text(e, s.answer());
    flowList(e, "sources", s.sources(), DumperOptions.ScalarStyle.DOUBLE_QUOTED);
    e.emit(new MappingEndEvent(null, null));
  }

  private static void flowList(Emitter e, String key, List<String> items, DumperOptions.ScalarStyle style)
      throws IOException {
    if (items.isEmpty()) {
      return;
    }
    key(e, key);
    e.emit(new SequenceStartEvent(null, null, true, null, null, DumperOptions.FlowStyle.FLOW));
    for (String item : items) {
      scalar(e, item, style);
    }
    e.emit(new SequenceEndEvent(null, null));
  }

  private static void key(Emitter e, String key) throws IOException {
    plain(e, key);
  }

  private static void plain(Emitter e, String value) throws IOException {
    scalar(e, value, DumperOptions.ScalarStyle.PLAIN);
  }

  /** Multi-line text as a literal block ending in one newline (which the reader trims); else plain. */
  private static void text(Emitter e, String value) throws IOException {
    if (value.indexOf('\n') >= 0) {
      scalar(e, value.endsWith("\n") ? value : value + "\n", DumperOptions.ScalarStyle.LITERAL);
    } else {
      plain(e, value);
    }
  }

  /**
   * A string scalar. Plain style only when YAML would read the plain text back as a string (not
   * {@code null}, {@code true}, {@code 12}); the emitter itself falls back to quotes when the text
   * cannot be plain (a leading {@code -}, a {@code ": "}, ...) or a block (trailing spaces, ...).
   */
  private static void scalar(Emitter e, String value, DumperOptions.ScalarStyle style) throws IOException {
    if (hasOddLineBreak(value)) {
      // YAML reads \r, NEL, LS and PS in plain, single-quoted and block text as line breaks; only
      // double quotes keep them (as escapes).
      style = DumperOptions.ScalarStyle.DOUBLE_QUOTED;
    }
    boolean plainIsString = RESOLVER.resolve(NodeId.scalar, value, true).equals(Tag.STR);
    Event ev = new ScalarEvent(null, null, new ImplicitTuple(plainIsString, true), value, null, null, style);
    e.emit(ev);
  }

  private static boolean hasOddLineBreak(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
        return true;
      }
    }
    return false;
  }
}
