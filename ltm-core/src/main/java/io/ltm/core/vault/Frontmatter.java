package io.ltm.core.vault;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.ltm.core.problem.Problem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The YAML frontmatter block of a note: the lines between a first line {@code ---} and the next
 * {@code ---} line. Malformed YAML, a block that is not a mapping, or a block that is never closed
 * give a warning; the note is then read without frontmatter and its body is kept intact.
 *
 * @param values the frontmatter as plain Java values (empty when absent or malformed)
 * @param keyLines 1-based file line of each top-level key, for precise problems
 * @param bodyStartIndex index into the note's line list of the first body line
 * @param problems warnings found while reading the block
 */
record Frontmatter(
    Map<String, Object> values, Map<String, Integer> keyLines, int bodyStartIndex, List<Problem> problems) {

  /** Jackson's YAML reader; thread-safe once configured. */
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static final Pattern TOP_LEVEL_KEY = Pattern.compile("^([^\\s#:\\-][^:]*?)\\s*:(\\s|$)");

  /**
   * Reads the frontmatter at the top of {@code lines} (the note's lines without line terminators).
   *
   * @param file the note's vault-relative path, for problems
   */
  static Frontmatter read(String file, List<String> lines) {
    if (lines.isEmpty() || !lines.get(0).stripTrailing().equals("---")) {
      return new Frontmatter(Map.of(), Map.of(), 0, List.of());
    }
    int close = -1;
    for (int i = 1; i < lines.size(); i++) {
      if (lines.get(i).stripTrailing().equals("---")) {
        close = i;
        break;
      }
    }
    List<Problem> problems = new ArrayList<>();
    if (close < 0) {
      problems.add(Problem.warning(file, 1, 1, "frontmatter",
          "frontmatter opened with '---' on line 1 is never closed; add a '---' line after the YAML"
              + " (the whole file is read as the note body)"));
      return new Frontmatter(Map.of(), Map.of(), 0, problems);
    }
    String yaml = String.join("\n", lines.subList(1, close));
    Map<String, Integer> keyLines = new HashMap<>();
    for (int i = 1; i < close; i++) {
      Matcher m = TOP_LEVEL_KEY.matcher(lines.get(i));
      if (m.find()) {
        keyLines.putIfAbsent(unquote(m.group(1).trim()), i + 1);
      }
    }
    if (yaml.isBlank()) {
      return new Frontmatter(Map.of(), keyLines, close + 1, problems);
    }
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      int yamlLine = loc == null || loc.getLineNr() < 1 ? 1 : loc.getLineNr();
      int column = loc == null || loc.getColumnNr() < 1 ? 1 : loc.getColumnNr();
      int fileLine = Math.min(yamlLine + 1, close + 1);
      problems.add(Problem.warning(file, fileLine, column, "frontmatter",
          "malformed frontmatter YAML: " + yamlMessage(e.getOriginalMessage(), fileLine)
              + "; fix the YAML between the '---' lines (the note is read without its frontmatter)"));
      return new Frontmatter(Map.of(), keyLines, close + 1, problems);
    } catch (RuntimeException e) {
      // Jackson/SnakeYAML limits (nesting depth, alias expansion) surface as runtime exceptions.
      problems.add(Problem.warning(file, 2, 1, "frontmatter",
          "frontmatter YAML could not be read: " + firstLine(String.valueOf(e.getMessage()))
              + "; simplify the YAML between the '---' lines (the note is read without its frontmatter)"));
      return new Frontmatter(Map.of(), keyLines, close + 1, problems);
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return new Frontmatter(Map.of(), keyLines, close + 1, problems);
    }
    if (!tree.isObject()) {
      problems.add(Problem.warning(file, 2, 1, "frontmatter",
          "frontmatter must be a YAML mapping of 'key: value' lines but is a "
              + tree.getNodeType().name().toLowerCase(java.util.Locale.ROOT)
              + "; write e.g. 'title: My note' (the note is read without its frontmatter)"));
      return new Frontmatter(Map.of(), keyLines, close + 1, problems);
    }
    Map<String, Object> values = new LinkedHashMap<>();
    tree.fields().forEachRemaining(e -> values.put(e.getKey(), plain(e.getValue())));
    return new Frontmatter(values, keyLines, close + 1, problems);
  }

  /** The file line of a top-level key, or {@code fallback} when not found. */
  int lineOf(String key, int fallback) {
    return keyLines.getOrDefault(key, fallback);
  }

  private static Object plain(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (node.isObject()) {
      Map<String, Object> m = new LinkedHashMap<>();
      node.fields().forEachRemaining(e -> m.put(e.getKey(), plain(e.getValue())));
      return m;
    }
    if (node.isArray()) {
      List<Object> l = new ArrayList<>();
      node.forEach(n -> l.add(plain(n)));
      return l;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isNumber()) {
      return node.numberValue();
    }
    return node.asText();
  }

  private static String unquote(String key) {
    if (key.length() >= 2
        && ((key.startsWith("\"") && key.endsWith("\"")) || (key.startsWith("'") && key.endsWith("'")))) {
      return key.substring(1, key.length() - 1);
    }
    return key;
  }

  private static final Pattern MARK = Pattern.compile("^\\s*in '[^']*', line (\\d+), column \\d+");

  /**
   * SnakeYAML's multi-line message ("while parsing X / in 'reader', line 2 ... / expected Y / ...")
   * as one line: the sentences joined, plus where the construct began when that is another line.
   */
  static String yamlMessage(String message, int errorFileLine) {
    if (message == null) {
      return "syntax error";
    }
    List<String> sentences = new ArrayList<>();
    int firstMarkFileLine = -1;
    for (String l : message.split("\n")) {
      Matcher m = MARK.matcher(l);
      if (m.find()) {
        if (firstMarkFileLine < 0) {
          firstMarkFileLine = Integer.parseInt(m.group(1)) + 1;
        }
      } else if (!l.isBlank() && !Character.isWhitespace(l.charAt(0))) {
        sentences.add(l.strip());
      }
    }
    String text = sentences.isEmpty() ? firstLine(message) : String.join(", ", sentences);
    if (firstMarkFileLine > 0 && firstMarkFileLine != errorFileLine) {
      text += " (the construct starts on line " + firstMarkFileLine + ")";
    }
    return text;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "syntax error";
    }
    int nl = message.indexOf('\n');
    return (nl < 0 ? message : message.substring(0, nl)).trim();
  }
}
