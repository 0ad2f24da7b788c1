package io.ltm.core.scene;

import io.ltm.core.problem.Problem;
import io.ltm.core.yaml.YamlNode;
import io.ltm.core.yaml.YamlPosition;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns the positioned YAML of one scene file into scenes, reporting every problem with its file,
 * line, column and field. One binder per file; not thread-safe.
 */
final class SceneBinder {

  /** The scene schema version this code reads. */
  static final int SCHEMA_VERSION = 1;

  /** Keys a scene may have, in the order the writer emits them. */
  static final List<String> SCENE_KEYS =
      List.of("schema", "id", "title", "lang", "tags", "links", "context", "prompt", "thought", "answer", "sources");

  /** Keys a step may have. */
  static final List<String> STEP_KEYS = List.of("kind", "text", "revises");

  private static final Pattern LANG = Pattern.compile("[a-z]{2,3}(-[A-Za-z0-9]{1,8})*");
  private static final Pattern WIKILINK = Pattern.compile("!?\\[\\[[^\\[\\]]+]]");

  /**
   * What one scene mapping gave: its id and positions (even when the scene has errors, so duplicate
   * ids and links can still be checked across the set), and the scene when it has no errors.
   */
  record Candidate(
      String file,
      String id,
      YamlPosition position,
      YamlPosition idPosition,
      List<LinkRef> links,
      Scene scene) {}

  /** One entry of a scene's {@code links}, with its position. */
  record LinkRef(String target, int index, YamlPosition position) {}

  private final String file;
  private final List<Problem> problems;
  private long errors;

  SceneBinder(String file, List<Problem> problems) {
    this.file = file;
    this.problems = problems;
  }

  /** Binds every document of a file; {@code documents} empty means the file is empty. */
  List<Candidate> bindFile(List<YamlNode> documents) {
    List<Candidate> out = new ArrayList<>();
    boolean sawContent = false;
    for (YamlNode doc : documents) {
      if (doc instanceof YamlNode.Scalar s && s.isNull() && !s.alias()) {
        continue;
      }
      sawContent = true;
      if (doc instanceof YamlNode.Mapping m) {
        out.add(bindScene(m));
      } else if (doc instanceof YamlNode.Sequence seq) {
        if (seq.items().isEmpty()) {
          warning(seq.position(), "", "the file holds an empty list: no scenes here");
        }
        for (int i = 0; i < seq.items().size(); i++) {
          YamlNode item = seq.items().get(i);
          if (item instanceof YamlNode.Mapping m) {
            out.add(bindScene(m));
          } else {
            error(item.position(), "[" + i + "]",
                "item " + i + " of the scene list must be a scene (a mapping with id, prompt, thought, answer), but got "
                    + item.describe());
          }
        }
      } else {
        error(doc.position(), "",
            "a scene file must hold one scene (a mapping with id, prompt, thought, answer) or a list of scenes, but got "
                + doc.describe());
      }
    }
    if (!sawContent) {
      error(YamlPosition.NONE, "",
          "the file is empty: write one scene (a mapping with id, prompt, thought, answer) or a list of scenes");
    }
    return out;
  }

  private Candidate bindScene(YamlNode.Mapping map) {
    long errorsBefore = errorCount();
    Map<String, YamlNode.Entry> entries = entries(map, "", SCENE_KEYS, false);

    YamlNode.Entry schemaEntry = entries.get("schema");
    if (schemaEntry != null) {
      checkSchema(schemaEntry);
    }

    YamlNode.Entry idEntry = entries.get("id");
    String id = null;
    YamlPosition idPos = map.position();
    if (idEntry == null) {
      missing(map, "id", "the scene's unique name, e.g. id: lora-first-run");
    } else {
      idPos = idEntry.value().position();
      id = text(idEntry, "id", true);
      if (id != null) {
        id = id.strip();
        if (!Scene.ID_PATTERN.matcher(id).matches()) {
          error(idEntry.value().position(), "id", "id '" + id + "' must match [a-z0-9-]+ (lower-case Latin letters, digits, '-')"
              + slugHint(id));
          id = null;
        }
      }
    }
    String label = id == null ? "scene" : "scene '" + id + "'";

    String title = optionalText(entries.get("title"), "title");
    String lang = optionalText(entries.get("lang"), "lang");
    if (lang != null) {
      lang = lang.strip();
      if (!lang.isEmpty() && !LANG.matcher(lang).matches()) {
        warning(entries.get("lang").value().position(), "lang",
            "lang '" + lang + "' is not a BCP 47 language tag such as en or ru");
      }
    }
    List<String> tags = stringList(entries.get("tags"), "tags", false);
    List<LinkRef> linkRefs = new ArrayList<>();
    List<String> links = stringList(entries.get("links"), "links", false);
    YamlNode.Entry linksEntry = entries.get("links");
    if (links != null && linksEntry != null && linksEntry.value() instanceof YamlNode.Sequence seq) {
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < seq.items().size(); i++) {
        if (seq.items().get(i) instanceof YamlNode.Scalar s && !s.isNull() && !s.alias()) {
          String target = s.text().strip();
          YamlPosition p = s.position();
          if (id != null && target.equals(id)) {
            warning(p, "links[" + i + "]", label + " links to itself; remove the link");
          } else if (seen.putIfAbsent(target, i) != null) {
            warning(p, "links[" + i + "]", "link '" + target + "' is listed twice (also links[" + seen.get(target) + "])");
          } else {
            linkRefs.add(new LinkRef(target, i, p));
          }
        }
      }
    }
    String context = optionalText(entries.get("context"), "context");

    String prompt = requiredText(map, entries, "prompt", label, "what the model is asked");
    List<Step> thought = thought(map, entries.get("thought"), label);
    String answer = requiredText(map, entries, "answer", label, "the answer after the thinking");
    List<String> sources = sources(entries.get("sources"));

    Scene scene = null;
    if (errorCount() == errorsBefore) {
      try {
        scene = new Scene(id, title, lang, tags, links, context, prompt, thought, answer, sources);
      } catch (RuntimeException e) {
        // Every rule of the record is checked above; this is a last guard so no input escapes as an exception.
        error(map.position(), "", label + " is invalid: " + e.getMessage());
      }
    }
    return new Candidate(file, id, map.position(), idPos, linkRefs, scene);
  }

  private void checkSchema(YamlNode.Entry e) {
    YamlNode v = e.value();
    if (v instanceof YamlNode.Scalar s && s.type() == YamlNode.ScalarType.INTEGER
        && s.text().strip().equals(Integer.toString(SCHEMA_VERSION))) {
      return;
    }
    String got = v instanceof YamlNode.Scalar s && !s.isNull() ? "'" + s.text() + "'" : v.describe();
    error(v.position(), "schema", "unsupported scene schema version " + got + ": this ltm reads schema " + SCHEMA_VERSION
        + " (write schema: " + SCHEMA_VERSION + " or remove the key)");
  }

  private List<Step> thought(YamlNode.Mapping map, YamlNode.Entry entry, String label) {
    if (entry == null) {
      missing(map, "thought", "the ordered steps of thinking, each with kind and text");
      return null;
    }
    YamlNode v = entry.value();
    if (v instanceof YamlNode.Scalar s && s.isNull()) {
      error(entry.keyPosition(), "thought", label + ": thought has no steps; add at least one '- kind: ...' with text");
      return null;
    }
    if (!(v instanceof YamlNode.Sequence seq)) {
      wrongType(v, "thought", "a list of steps (each a mapping with kind and text)");
      return null;
    }
    if (seq.items().isEmpty()) {
      error(v.position(), "thought", label + ": thought needs at least one step");
      return null;
    }
    int n = seq.items().size();
    List<Step> steps = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < n; i++) {
      Step step = step(seq.items().get(i), i, n);
      if (step == null) {
        ok = false;
      } else {
        steps.add(step);
      }
    }
    return ok ? steps : null;
  }

  private Step step(YamlNode node, int index, int count) {
    String path = "thought[" + index + "]";
    if (!(node instanceof YamlNode.Mapping map)) {
      wrongType(node, path, "a step: a mapping such as '- kind: observe' with 'text: ...' below it");
      return null;
    }
    long errorsBefore = errorCount();
    Map<String, YamlNode.Entry> entries = entries(map, path + ".", STEP_KEYS, true);

    // `- observe: text` is a common slip; its unknown-key error already says how to write it.
    StepKind kind = null;
    YamlNode.Entry kindEntry = entries.get("kind");
    if (kindEntry == null && map.entries().stream().anyMatch(e -> StepKind.fromYaml(e.key()).isPresent())) {
      return null;
    } else if (kindEntry == null) {
      missing(map, path + ".kind", "one of " + kindList());
    } else {
      String k = text(kindEntry, path + ".kind", true);
      if (k != null) {
        kind = StepKind.fromYaml(k).orElse(null);
        if (kind == null) {
          String hint = ClosestName.suggest(k.strip(), kindNames()).map(s -> " (did you mean '" + s + "'?)").orElse("");
          error(kindEntry.value().position(), path + ".kind",
              "unknown step kind '" + k.strip() + "'" + hint + "; valid kinds: " + kindList());
        }
      }
    }

    String text = null;
    YamlNode.Entry textEntry = entries.get("text");
    if (textEntry == null) {
      missing(map, path + ".text", "what the step says");
    } else {
      text = text(textEntry, path + ".text", true);
      if (text != null && text.isBlank()) {
        error(textEntry.value().position(), path + ".text", "step text must not be empty");
        text = null;
      }
    }

    Integer revises = null;
    YamlNode.Entry revEntry = entries.get("revises");
    Integer rawRevises = revEntry == null ? null : revisesValue(revEntry, path + ".revises");
    boolean revisesBad = revEntry != null && rawRevises == null
        && !(revEntry.value() instanceof YamlNode.Scalar s && s.isNull() && !s.alias());
    if (kind == StepKind.REWRITE) {
      if (rawRevises == null && !revisesBad) {
        YamlPosition p = revEntry == null ? map.position() : revEntry.keyPosition();
        error(p, path + ".revises",
            "a rewrite step needs 'revises: N', the 0-based index of the earlier step it restates");
      } else if (rawRevises != null) {
        YamlPosition p = revEntry.value().position();
        if (rawRevises < 0 || rawRevises >= count) {
          error(p, path + ".revises", "revises " + rawRevises + " is out of range: thought has " + count
              + " steps, numbered 0.." + (count - 1));
        } else if (index == 0) {
          error(p, path + ".revises", "a rewrite restates an earlier step, so it cannot be the first step;"
              + " change its kind or move it after the step it revises");
        } else if (rawRevises >= index) {
          error(p, path + ".revises", "revises " + rawRevises + " must point to an earlier step (0.." + (index - 1)
              + "): a rewrite restates something already said");
        } else {
          revises = rawRevises;
        }
      }
    } else if (revEntry != null && kind != null && !revisesBad
        && !(revEntry.value() instanceof YamlNode.Scalar s && s.isNull())) {
      warning(revEntry.keyPosition(), path + ".revises",
          "'revises' only applies to a rewrite step, not to " + kind.yamlName()
              + "; it is ignored (change kind to rewrite or remove revises)");
    }

    if (errorCount() != errorsBefore || kind == null || text == null) {
      return null;
    }
    return new Step(kind, text, revises);
  }

  private Integer revisesValue(YamlNode.Entry e, String field) {
    YamlNode v = e.value();
    if (v instanceof YamlNode.Scalar s && s.isNull() && !s.alias()) {
      return null;
    }
    if (!(v instanceof YamlNode.Scalar s) || s.alias() || s.type() != YamlNode.ScalarType.INTEGER) {
      wrongType(v, field, "an integer: the 0-based index of an earlier step");
      return null;
    }
    try {
      BigInteger b = new BigInteger(s.text().strip().replaceFirst("^\\+", ""));
      if (b.bitLength() > 31) {
        return b.signum() < 0 ? Integer.MIN_VALUE : Integer.MAX_VALUE;
      }
      return b.intValue();
    } catch (NumberFormatException ex) {
      wrongType(v, field, "an integer in decimal digits: the 0-based index of an earlier step");
      return null;
    }
  }

  private List<String> sources(YamlNode.Entry entry) {
    if (entry == null) {
      return List.of();
    }
    YamlNode v = entry.value();
    if (v instanceof YamlNode.Scalar s && s.isNull()) {
      return List.of();
    }
    if (!(v instanceof YamlNode.Sequence seq)) {
      wrongType(v, "sources", "a list of quoted wikilinks such as [\"[[LTM_2]]\"]");
      return null;
    }
    List<String> out = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < seq.items().size(); i++) {
      YamlNode item = seq.items().get(i);
      String field = "sources[" + i + "]";
      String unquoted = unquotedWikilink(item);
      if (unquoted != null) {
        warning(item.position(), field, "YAML reads an unquoted [[" + unquoted + "]] as a nested list; quote it: \"[["
            + unquoted + "]]\" (read as [[" + unquoted + "]])");
        out.add("[[" + unquoted + "]]");
        continue;
      }
      String s = itemText(item, field, "a quoted wikilink such as \"[[LTM_2]]\"");
      if (s == null) {
        ok = false;
        continue;
      }
      s = s.strip();
      if (!WIKILINK.matcher(s).matches()) {
        warning(item.position(), field, "source '" + s + "' is not a wikilink; write \"[[" + s.replaceAll("^\\[+|]+$", "")
            + "]]\"");
      }
      out.add(s);
    }
    return ok ? out : null;
  }

  /** For {@code [[Note]]} written without quotes (a list in a list), the note name; else null. */
  private static String unquotedWikilink(YamlNode item) {
    YamlNode n = item;
    // In a flow list `[[A]]` the outer brackets are the list itself, so one level is left; in a block list two.
    for (int depth = 0; depth < 2 && n instanceof YamlNode.Sequence seq && seq.items().size() == 1; depth++) {
      n = seq.items().get(0);
      if (n instanceof YamlNode.Scalar s && s.type() == YamlNode.ScalarType.STRING && !s.alias()
          && !s.text().isBlank()) {
        return s.text().strip();
      }
    }
    return null;
  }

  private List<String> stringList(YamlNode.Entry entry, String field, boolean required) {
    if (entry == null) {
      return List.of();
    }
    YamlNode v = entry.value();
    if (v instanceof YamlNode.Scalar s && s.isNull() && !s.alias()) {
      return List.of();
    }
    if (!(v instanceof YamlNode.Sequence seq)) {
      String example = v instanceof YamlNode.Scalar s ? " such as [" + s.text().strip() + "]" : "";
      wrongType(v, field, "a list of strings" + example);
      return null;
    }
    List<String> out = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < seq.items().size(); i++) {
      String s = itemText(seq.items().get(i), field + "[" + i + "]", "a string");
      if (s == null) {
        ok = false;
      } else {
        out.add(s.strip());
      }
    }
    return ok ? out : null;
  }

  private String itemText(YamlNode item, String field, String expected) {
    if (item instanceof YamlNode.Scalar s && !s.alias()) {
      if (s.isNull() || s.text().isBlank()) {
        error(item.position(), field, field + " is empty; remove it or write a value");
        return null;
      }
      return s.text();
    }
    if (item instanceof YamlNode.Scalar) {
      aliasError(item, field);
      return null;
    }
    wrongType(item, field, expected);
    return null;
  }

  private String requiredText(YamlNode.Mapping map, Map<String, YamlNode.Entry> entries, String key, String label,
      String what) {
    YamlNode.Entry e = entries.get(key);
    if (e == null) {
      missing(map, key, what);
      return null;
    }
    String t = text(e, key, true);
    if (t != null && t.isBlank()) {
      error(e.value().position(), key, label + ": " + key + " must not be empty");
      return null;
    }
    return t;
  }

  private String optionalText(YamlNode.Entry e, String field) {
    return e == null ? null : text(e, field, false);
  }

  /**
   * The text of a scalar value, trailing whitespace removed (the newline a {@code |} block adds). Null
   * with an error when it is not a scalar; null (and an error when required) for a YAML null.
   */
  private String text(YamlNode.Entry e, String field, boolean required) {
    YamlNode v = e.value();
    if (v instanceof YamlNode.Scalar s) {
      if (s.alias()) {
        aliasError(v, field);
        return null;
      }
      if (s.isNull()) {
        if (required) {
          error(e.keyPosition(), field, "'" + field + "' has no value; write one after the colon");
        }
        return null;
      }
      return s.text().stripTrailing();
    }
    wrongType(v, field, "text");
    return null;
  }

  /** The entries of a mapping by key; reports unknown and duplicate keys. */
  private Map<String, YamlNode.Entry> entries(YamlNode.Mapping map, String prefix, List<String> known, boolean step) {
    Map<String, YamlNode.Entry> out = new HashMap<>();
    for (YamlNode.Entry e : map.entries()) {
      if (!known.contains(e.key())) {
        String field = prefix + e.key();
        String hint;
        if (step && StepKind.fromYaml(e.key()).isPresent()) {
          hint = " (write 'kind: " + StepKind.fromYaml(e.key()).get().yamlName() + "' and put the words under 'text:')";
        } else {
          hint = ClosestName.suggest(e.key(), known).map(s -> " (did you mean '" + s + "'?)")
              .orElse("; known keys: " + String.join(", ", known));
        }
        error(e.keyPosition(), field, "unknown key '" + e.key() + "'" + hint);
        continue;
      }
      YamlNode.Entry first = out.putIfAbsent(e.key(), e);
      if (first != null) {
        error(e.keyPosition(), prefix + e.key(), "duplicate key '" + e.key() + "' (first at line " + first.keyPosition().line()
            + "); keep one");
      }
    }
    return out;
  }

  private void missing(YamlNode.Mapping map, String field, String what) {
    String name = field.substring(field.lastIndexOf('.') + 1);
    String where = field.contains(".") ? "step " + field.substring(0, field.lastIndexOf('.')) : "scene";
    error(map.position(), field, where + " is missing required field '" + name + "' (" + what + ")");
  }

  private void wrongType(YamlNode v, String field, String expected) {
    if (v instanceof YamlNode.Scalar s && s.alias()) {
      aliasError(v, field);
      return;
    }
    error(v.position(), field, "'" + field + "' must be " + expected + ", but got " + v.describe());
  }

  private void aliasError(YamlNode v, String field) {
    error(v.position(), field, "YAML aliases (*name) are not supported in scenes; write the value out");
  }

  private static String slugHint(String id) {
    String slug = id.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    return slug.isEmpty() ? "" : ", e.g. '" + slug + "'";
  }

  private static List<String> kindNames() {
    return Arrays.stream(StepKind.values()).map(StepKind::yamlName).toList();
  }

  private static String kindList() {
    return Arrays.stream(StepKind.values()).map(StepKind::yamlName).collect(Collectors.joining(", "));
  }

  private long errorCount() {
    return errors;
  }

  private void error(YamlPosition p, String field, String message) {
    errors++;
    problems.add(Problem.error(file, p.line(), p.column(), field, message));
  }

  private void warning(YamlPosition p, String field, String message) {
    problems.add(Problem.warning(file, p.line(), p.column(), field, message));
  }
}
