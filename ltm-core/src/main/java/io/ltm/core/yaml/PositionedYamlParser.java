package io.ltm.core.yaml;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Parses YAML text into {@link YamlNode}s that keep their source positions. Jackson's tree model drops
 * locations, so this walks the tokens of Jackson's streaming {@link YAMLParser} and records each
 * token's location.
 *
 * <p>Thread-safe: the parser is stateless; each call makes its own Jackson parser.
 */
public final class PositionedYamlParser {
  /**
   * The most code points one text may hold. snakeyaml's default (3 MiB) would reject a list file of a
   * few thousand scenes; the text is in memory already, so the parser adds no risk of its own.
   */
  public static final int MAX_CODE_POINTS = 1 << 30;

  private static final YAMLFactory FACTORY = factory();

  private static YAMLFactory factory() {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(MAX_CODE_POINTS);
    // The builder does not apply the parser's default features; an empty value must stay a null.
    return YAMLFactory.builder().loaderOptions(options).enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();
  }

  private PositionedYamlParser() {}

  /**
   * Parses every document of {@code text} ({@code ---} separates documents). An empty text, or one with
   * only comments, gives an empty list.
   *
   * @throws YamlSyntaxException when the text is not well-formed YAML, with the parser's position
   */
  public static List<YamlNode> parseDocuments(String text) throws YamlSyntaxException {
    Objects.requireNonNull(text, "text");
    List<YamlNode> documents = new ArrayList<>();
    JsonLocation last = null;
    try (JsonParser parser = FACTORY.createParser(text)) {
      JsonToken token;
      while ((token = parser.nextToken()) != null) {
        last = parser.currentTokenLocation();
        documents.add(node(parser, token));
      }
    } catch (JsonProcessingException e) {
      throw syntaxError(e, last);
    } catch (IOException | RuntimeException e) {
      // snakeyaml limits (code points, nesting) and anything else the parser throws on odd input.
      String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new YamlSyntaxException(position(last), oneLine(msg));
    }
    return documents;
  }

  private static YamlNode node(JsonParser parser, JsonToken token) throws IOException {
    YamlPosition pos = position(parser.currentTokenLocation());
    switch (token) {
      case START_OBJECT: {
        List<YamlNode.Entry> entries = new ArrayList<>();
        JsonToken t;
        while ((t = parser.nextToken()) != JsonToken.END_OBJECT) {
          if (t != JsonToken.FIELD_NAME) {
            throw new IllegalStateException("expected a key but got " + t);
          }
          String key = parser.currentName();
          YamlPosition keyPos = position(parser.currentTokenLocation());
          JsonToken v = parser.nextToken();
          entries.add(new YamlNode.Entry(key == null ? "" : key, keyPos, node(parser, v)));
        }
        return new YamlNode.Mapping(entries, pos);
      }
      case START_ARRAY: {
        List<YamlNode> items = new ArrayList<>();
        JsonToken t;
        while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
          items.add(node(parser, t));
        }
        return new YamlNode.Sequence(items, pos);
      }
      default:
        return scalar(parser, token, pos);
    }
  }

  private static YamlNode.Scalar scalar(JsonParser parser, JsonToken token, YamlPosition pos)
      throws IOException {
    if (token == null) {
      throw new IllegalStateException("unexpected end of the YAML input");
    }
    YamlNode.ScalarType type;
    switch (token) {
      case VALUE_NUMBER_INT:
        type = YamlNode.ScalarType.INTEGER;
        break;
      case VALUE_NUMBER_FLOAT:
        type = YamlNode.ScalarType.FLOAT;
        break;
      case VALUE_TRUE:
      case VALUE_FALSE:
        type = YamlNode.ScalarType.BOOLEAN;
        break;
      case VALUE_NULL:
        type = YamlNode.ScalarType.NULL;
        break;
      case VALUE_STRING:
      case VALUE_EMBEDDED_OBJECT:
        type = YamlNode.ScalarType.STRING;
        break;
      default:
        throw new IllegalStateException("unexpected YAML token " + token);
    }
    boolean alias = parser instanceof YAMLParser y && y.isCurrentAlias();
    String text = parser.getText();
    return new YamlNode.Scalar(text == null ? "" : text, type, alias, pos);
  }

  private static YamlSyntaxException syntaxError(JsonProcessingException e, JsonLocation last) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m) {
        StringBuilder sb = new StringBuilder();
        if (m.getContext() != null) {
          sb.append(m.getContext());
          if (m.getContextMark() != null) {
            sb.append(" (started at ")
                .append(m.getContextMark().getLine() + 1)
                .append(':')
                .append(m.getContextMark().getColumn() + 1)
                .append(')');
          }
          sb.append(": ");
        }
        sb.append(m.getProblem() == null ? "malformed YAML" : m.getProblem());
        YamlPosition pos =
            m.getProblemMark() != null
                ? new YamlPosition(m.getProblemMark().getLine() + 1, m.getProblemMark().getColumn() + 1)
                : position(e.getLocation() != null ? e.getLocation() : last);
        return new YamlSyntaxException(pos, oneLine(sb.toString()));
      }
    }
    JsonLocation loc = e.getLocation() != null ? e.getLocation() : last;
    return new YamlSyntaxException(position(loc), oneLine(e.getOriginalMessage()));
  }

  private static YamlPosition position(JsonLocation loc) {
    if (loc == null || loc.getLineNr() < 1) {
      return YamlPosition.NONE;
    }
    return new YamlPosition(loc.getLineNr(), Math.max(loc.getColumnNr(), 0));
  }

  private static String oneLine(String s) {
    if (s == null) {
      return "malformed YAML";
    }
    return s.strip().replaceAll("\\s*\\R\\s*", " ");
  }
}
