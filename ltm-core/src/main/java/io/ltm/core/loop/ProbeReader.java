package io.ltm.core.loop;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.core.problem.Problem;
import io.ltm.core.yaml.PositionedYamlParser;
import io.ltm.core.yaml.YamlNode;
import io.ltm.core.yaml.YamlSyntaxException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads a probe file: the prompts a thinking loop is run on.
 *
 * <p>Two forms, chosen by the file name. {@code *.jsonl}: one probe per line, either a JSON string
 * (the prompt) or an object {@code {"id","prompt","context","lang"}} ({@code prompt} required).
 * Anything else ({@code *.yaml}, {@code *.yml}): a YAML list whose items are either a string (the
 * prompt) or a mapping with the same keys. A probe without an id gets {@code probe-N}, N its 1-based
 * position in the file. Errors name file, line, column and field: a missing or empty prompt, an
 * unknown key, a value that is not a string, a duplicate id (naming the first line), a syntax error,
 * an empty file. Stateless and thread-safe.
 */
public final class ProbeReader {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> KEYS = Set.of("id", "prompt", "context", "lang");

  private ProbeReader() {}

  /**
   * Reads {@code file}.
   *
   * @throws ProbeFormatException naming file, line and field of the first problem
   * @throws IOException when the file cannot be read
   */
  public static List<Probe> read(Path file) throws IOException {
    Objects.requireNonNull(file, "file");
    String name = file.toString();
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
    } catch (CharacterCodingException e) {
      throw new ProbeFormatException(Problem.error(name, 0, 0, "", "not UTF-8 text; save the probe file as UTF-8"));
    }
    if (!text.isEmpty() && text.charAt(0) == '\uFEFF') {
      text = text.substring(1);
    }
    return parse(name, text);
  }

  /** Parses probe text as if read from a file named {@code file} (its extension picks the form). */
  public static List<Probe> parse(String file, String text) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(text, "text");
    List<Located> probes = file.toLowerCase(Locale.ROOT).endsWith(".jsonl") ? jsonl(file, text) : yaml(file, text);
    if (probes.isEmpty()) {
      throw new ProbeFormatException(Problem.error(file, 0, 0, "", "no probes in the file; "
          + (file.toLowerCase(Locale.ROOT).endsWith(".jsonl") ? "write one JSON object {\"prompt\": ...} per line"
              : "write a YAML list of prompts, or of mappings with 'prompt' (and optional 'id', 'context', 'lang')")));
    }
    Map<String, Located> seen = new HashMap<>();
    List<Probe> out = new ArrayList<>(probes.size());
    for (Located l : probes) {
      Located first = seen.putIfAbsent(l.probe.id(), l);
      if (first != null) {
        throw new ProbeFormatException(Problem.error(file, l.line, l.column, "id", "duplicate probe id '" + l.probe.id()
            + "' (first at line " + first.line + "); give each probe its own id"));
      }
      out.add(l.probe);
    }
    return List.copyOf(out);
  }

  private record Located(Probe probe, int line, int column) {}

  private static List<Located> jsonl(String file, String text) {
    List<Located> out = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    int index = 0;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int lineNo = i + 1;
      if (line.isBlank()) {
        continue;
      }
      index++;
      JsonNode n;
      try {
        n = JSON.readTree(line);
      } catch (JsonParseException e) {
        throw new ProbeFormatException(Problem.error(file, lineNo, Math.max(1, e.getLocation().getColumnNr()), "",
            "not valid JSON: " + io.ltm.core.problem.JsonErrorText.of(e) + "; each line must be a JSON object {\"prompt\": ...} or a string"));
      } catch (JsonProcessingException e) {
        throw new ProbeFormatException(Problem.error(file, lineNo, 1, "", "not valid JSON: " + io.ltm.core.problem.JsonErrorText.of(e)));
      }
      String defaultId = "probe-" + index;
      if (n.isTextual()) {
        out.add(new Located(make(file, lineNo, 1, defaultId, n.textValue(), null, null, "prompt"), lineNo, 1));
      } else if (n.isObject()) {
        Iterator<String> names = n.fieldNames();
        while (names.hasNext()) {
          String k = names.next();
          if (!KEYS.contains(k)) {
            throw new ProbeFormatException(Problem.error(file, lineNo, 1, k, "unknown key '" + k
                + "'; a probe has 'id', 'prompt', 'context' and 'lang'"));
          }
        }
        String id = jsonText(file, lineNo, n, "id");
        String prompt = jsonText(file, lineNo, n, "prompt");
        String context = jsonText(file, lineNo, n, "context");
        String lang = jsonText(file, lineNo, n, "lang");
        out.add(new Located(make(file, lineNo, 1, id == null ? defaultId : id, prompt, context, lang, "prompt"), lineNo, 1));
      } else {
        throw new ProbeFormatException(Problem.error(file, lineNo, 1, "", "expected a JSON object {\"prompt\": ...} or a string but got "
            + n.getNodeType().name().toLowerCase(Locale.ROOT)));
      }
    }
    return out;
  }

  private static String jsonText(String file, int line, JsonNode o, String key) {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new ProbeFormatException(Problem.error(file, line, 1, key, "'" + key + "' must be a string but got "
          + v.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    return v.textValue();
  }

  private static List<Located> yaml(String file, String text) {
    List<YamlNode> docs;
    try {
      docs = PositionedYamlParser.parseDocuments(text);
    } catch (YamlSyntaxException e) {
      throw new ProbeFormatException(Problem.error(file, e.position().line(), e.position().column(), "",
          "YAML syntax error: " + e.problem()));
    }
    List<Located> out = new ArrayList<>();
    for (YamlNode doc : docs) {
      if (doc instanceof YamlNode.Scalar s && s.isNull()) {
        continue;
      }
      if (!(doc instanceof YamlNode.Sequence seq)) {
        throw new ProbeFormatException(Problem.error(file, doc.position().line(), doc.position().column(), "",
            "expected a YAML list of probes but got " + doc.describe()
                + "; write '- prompt text' or '- {id: ..., prompt: ...}' items"));
      }
      for (YamlNode item : seq.items()) {
        int index = out.size() + 1;
        String field = "[" + (index - 1) + "]";
        int line = item.position().line();
        int col = item.position().column();
        String defaultId = "probe-" + index;
        if (item instanceof YamlNode.Scalar s && s.type() == YamlNode.ScalarType.STRING) {
          out.add(new Located(make(file, line, col, defaultId, s.text(), null, null, field), line, col));
        } else if (item instanceof YamlNode.Mapping m) {
          Map<String, String> values = new HashMap<>();
          for (YamlNode.Entry e : m.entries()) {
            String key = e.key();
            if (!KEYS.contains(key)) {
              throw new ProbeFormatException(Problem.error(file, e.keyPosition().line(), e.keyPosition().column(),
                  field + "." + key, "unknown key '" + key + "'; a probe has 'id', 'prompt', 'context' and 'lang'"));
            }
            if (values.containsKey(key)) {
              throw new ProbeFormatException(Problem.error(file, e.keyPosition().line(), e.keyPosition().column(),
                  field + "." + key, "duplicate key '" + key + "'"));
            }
            YamlNode v = e.value();
            if (v instanceof YamlNode.Scalar sv && sv.isNull()) {
              values.put(key, null);
            } else if (v instanceof YamlNode.Scalar sv && !sv.alias()) {
              values.put(key, sv.text());
            } else {
              throw new ProbeFormatException(Problem.error(file, v.position().line(), v.position().column(),
                  field + "." + key, "'" + key + "' must be a string but got " + v.describe()));
            }
          }
          String id = values.get("id");
          out.add(new Located(make(file, line, col, id == null ? defaultId : id, values.get("prompt"),
              values.get("context"), values.get("lang"), field + ".prompt"), line, col));
        } else {
          throw new ProbeFormatException(Problem.error(file, line, col, field,
              "a probe must be a string (the prompt) or a mapping with 'prompt' but got " + item.describe()));
        }
      }
    }
    return out;
  }

  private static Probe make(String file, int line, int col, String id, String prompt, String context, String lang, String field) {
    if (prompt == null || prompt.isBlank()) {
      throw new ProbeFormatException(Problem.error(file, line, col, field, "the probe has no prompt; add 'prompt: ...'"));
    }
    if (id.isBlank()) {
      throw new ProbeFormatException(Problem.error(file, line, col, "id", "the probe id is empty; give an id or leave the key out"));
    }
    return new Probe(id.strip(), prompt, context, lang);
  }
}
