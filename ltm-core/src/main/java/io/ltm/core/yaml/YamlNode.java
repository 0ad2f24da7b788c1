package io.ltm.core.yaml;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A YAML value that remembers where it starts in the source, unlike Jackson's tree nodes. Built by
 * {@link PositionedYamlParser}; immutable.
 */
public sealed interface YamlNode permits YamlNode.Scalar, YamlNode.Mapping, YamlNode.Sequence {

  /** Where the node starts (for a block mapping, its first key; for a block scalar, the indicator). */
  YamlPosition position();

  /** A short name of the node's type for messages: "a string", "a list", "a mapping", ... */
  String describe();

  /** The type of a scalar as YAML's core schema resolves it. */
  enum ScalarType {
    STRING,
    INTEGER,
    FLOAT,
    BOOLEAN,
    NULL
  }

  /**
   * A scalar: its text exactly as the YAML parser produced it (for {@code 012} the text "012", for
   * {@code no} the text "no"), and the type YAML resolves it to.
   *
   * @param text the scalar's text; empty for an empty value
   * @param type the resolved type
   * @param alias true when the source had an alias ({@code *name}) here; then text is the anchor name
   * @param position where the scalar starts
   */
  record Scalar(String text, ScalarType type, boolean alias, YamlPosition position) implements YamlNode {
    public Scalar {
      Objects.requireNonNull(text, "text");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(position, "position");
    }

    /** True for a YAML null: {@code ~}, {@code null} or an empty value. */
    public boolean isNull() {
      return type == ScalarType.NULL;
    }

    @Override
    public String describe() {
      if (alias) {
        return "an alias";
      }
      return switch (type) {
        case STRING -> "a string";
        case INTEGER -> "an integer";
        case FLOAT -> "a number";
        case BOOLEAN -> "a boolean";
        case NULL -> "nothing (null)";
      };
    }
  }

  /**
   * One key of a mapping with its value.
   *
   * @param key the key's text
   * @param keyPosition where the key starts
   * @param value the value
   */
  record Entry(String key, YamlPosition keyPosition, YamlNode value) {
    public Entry {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(keyPosition, "keyPosition");
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * A mapping, entries in source order. Duplicate keys are kept (YAML forbids them; callers report
   * them).
   *
   * @param entries the entries in source order
   * @param position where the mapping starts
   */
  record Mapping(List<Entry> entries, YamlPosition position) implements YamlNode {
    public Mapping {
      entries = List.copyOf(entries);
      Objects.requireNonNull(position, "position");
    }

    /** The first entry with this key, if any. */
    public Optional<Entry> entry(String key) {
      return entries.stream().filter(e -> e.key().equals(key)).findFirst();
    }

    @Override
    public String describe() {
      return "a mapping";
    }
  }

  /**
   * A sequence, items in source order.
   *
   * @param items the items
   * @param position where the sequence starts
   */
  record Sequence(List<YamlNode> items, YamlPosition position) implements YamlNode {
    public Sequence {
      items = List.copyOf(items);
      Objects.requireNonNull(position, "position");
    }

    @Override
    public String describe() {
      return "a list";
    }
  }
}
