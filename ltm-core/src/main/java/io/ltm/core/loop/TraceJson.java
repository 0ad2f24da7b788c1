package io.ltm.core.loop;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.core.generate.GeneratedToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of one {@link TraceRecord}: one line of a trace file. Stateless and thread-safe.
 * See {@link TraceRecord} for the shape. Non-finite logprobs and entropies are written as null and
 * read back as NaN.
 */
public final class TraceJson {
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private TraceJson() {}

  /** The record as one line of JSON, without the line break. */
  public static String toJson(TraceRecord r) {
    StringWriter out = new StringWriter(256 + r.reasoning().length() + r.answer().length() + 64 * r.tokens().size());
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("runId", r.runId());
      g.writeStringField("probeId", r.probeId());
      g.writeStringField("prompt", r.prompt());
      g.writeNumberField("iteration", r.iteration());
      g.writeStringField("model", r.model());
      g.writeFieldName("adapter");
      if (r.adapter() == null) {
        g.writeNull();
      } else {
        g.writeString(r.adapter());
      }
      g.writeFieldName("checkpoint");
      if (r.checkpoint() == null) {
        g.writeNull();
      } else {
        g.writeNumber(r.checkpoint());
      }
      g.writeStringField("reasoning", r.reasoning());
      g.writeStringField("answer", r.answer());
      g.writeArrayFieldStart("tokens");
      for (GeneratedToken t : r.tokens()) {
        g.writeStartObject();
        g.writeNumberField("id", t.id());
        g.writeStringField("text", t.text());
        writeFinite(g, "logprob", t.logprob());
        writeFinite(g, "entropy", t.entropy());
        g.writeBooleanField("reasoning", t.reasoning());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeStringField("timestamp", r.timestamp().toString());
      GenerationSettings s = r.settings();
      g.writeObjectFieldStart("settings");
      g.writeNumberField("maxNewTokens", s.maxNewTokens());
      g.writeNumberField("temperature", s.temperature());
      g.writeNumberField("topP", s.topP());
      g.writeNumberField("topK", s.topK());
      g.writeNumberField("repetitionPenalty", s.repetitionPenalty());
      g.writeNumberField("seed", s.seed());
      g.writeBooleanField("enableThinking", s.enableThinking());
      g.writeEndObject();
      if (r.entropyTopK() != null) {
        g.writeNumberField("entropyTopK", r.entropyTopK());
      }
      if (r.failure() != null) {
        g.writeStringField("failure", r.failure());
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static void writeFinite(JsonGenerator g, String name, double v) throws IOException {
    g.writeFieldName(name);
    if (Double.isFinite(v)) {
      g.writeNumber(v);
    } else {
      g.writeNull();
    }
  }

  /**
   * Parses one line.
   *
   * @throws FieldException naming the field at fault when the line is not valid JSON or not a valid
   *     record (the message says what was expected)
   */
  public static TraceRecord fromJson(String line) {
    TraceRecord fast = fastParse(line);
    return fast != null ? fast : treeParse(line);
  }

  /** Thrown inside {@link #fastParse} to hand the line to the tree parser, which explains the problem. */
  private static final class Fallback extends Exception {
    private static final long serialVersionUID = 1L;
    static final Fallback INSTANCE = new Fallback();

    private Fallback() {
      super(null, null, false, false);
    }
  }

  /**
   * The fast path: one streaming pass straight into the record, for well-formed lines. Returns null at
   * the first thing it does not expect (wrong type, missing field, invalid value, bad JSON), and the
   * tree parser then reads the line again and names the problem; a line both accept gives the same
   * record (see the fuzz test).
   */
  static TraceRecord fastParse(String line) {
    try (JsonParser p = FACTORY.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      String runId = null;
      String probeId = null;
      String prompt = null;
      Integer iteration = null;
      String model = null;
      String adapter = null;
      Integer checkpoint = null;
      String reasoning = null;
      String answer = null;
      List<GeneratedToken> tokens = List.of();
      String timestamp = null;
      GenerationSettings settings = null;
      Integer entropyTopK = null;
      String failure = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        switch (name) {
          case "runId":
            runId = str(p, t, false);
            break;
          case "probeId":
            probeId = str(p, t, false);
            break;
          case "prompt":
            prompt = str(p, t, false);
            break;
          case "iteration":
            iteration = integer(p, t);
            break;
          case "model":
            model = str(p, t, false);
            break;
          case "adapter":
            adapter = str(p, t, true);
            break;
          case "checkpoint":
            checkpoint = t == JsonToken.VALUE_NULL ? null : integer(p, t);
            break;
          case "reasoning":
            reasoning = str(p, t, true);
            break;
          case "answer":
            answer = str(p, t, false);
            break;
          case "timestamp":
            timestamp = str(p, t, false);
            break;
          case "tokens":
            tokens = t == JsonToken.VALUE_NULL ? List.of() : tokens(p, t);
            break;
          case "settings":
            settings = settings(p, t);
            break;
          case "entropyTopK":
            entropyTopK = t == JsonToken.VALUE_NULL ? null : integer(p, t);
            break;
          case "failure":
            failure = str(p, t, true);
            break;
          default:
            p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null;
      }
      if (runId == null || probeId == null || prompt == null || iteration == null || model == null || answer == null
          || timestamp == null || settings == null) {
        return null;
      }
      return new TraceRecord(runId, probeId, prompt, iteration, model, adapter, checkpoint, reasoning, answer, tokens,
          Instant.parse(timestamp), settings, entropyTopK, failure);
    } catch (Fallback | IOException | RuntimeException e) {
      return null;
    }
  }

  private static String str(JsonParser p, JsonToken t, boolean nullable) throws IOException, Fallback {
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    if (nullable && t == JsonToken.VALUE_NULL) {
      return null;
    }
    throw Fallback.INSTANCE;
  }

  private static int integer(JsonParser p, JsonToken t) throws IOException, Fallback {
    if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
      throw Fallback.INSTANCE;
    }
    return p.getIntValue();
  }

  private static double number(JsonParser p, JsonToken t, boolean nullable) throws IOException, Fallback {
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      return p.getDoubleValue();
    }
    if (nullable && t == JsonToken.VALUE_NULL) {
      return Double.NaN;
    }
    throw Fallback.INSTANCE;
  }

  private static boolean bool(JsonToken t) throws Fallback {
    if (t == JsonToken.VALUE_TRUE) {
      return true;
    }
    if (t == JsonToken.VALUE_FALSE) {
      return false;
    }
    throw Fallback.INSTANCE;
  }

  private static List<GeneratedToken> tokens(JsonParser p, JsonToken t) throws IOException, Fallback {
    if (t != JsonToken.START_ARRAY) {
      throw Fallback.INSTANCE;
    }
    List<GeneratedToken> out = new ArrayList<>();
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (e != JsonToken.START_OBJECT) {
        throw Fallback.INSTANCE;
      }
      Integer id = null;
      String text = null;
      double logprob = Double.NaN;
      double entropy = Double.NaN;
      Boolean reasoning = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "id":
            id = integer(p, v);
            break;
          case "text":
            text = str(p, v, false);
            break;
          case "logprob":
            logprob = number(p, v, true);
            break;
          case "entropy":
            entropy = number(p, v, true);
            break;
          case "reasoning":
            reasoning = bool(v);
            break;
          default:
            p.skipChildren();
        }
      }
      if (id == null || text == null || reasoning == null) {
        throw Fallback.INSTANCE;
      }
      out.add(new GeneratedToken(id, text, logprob, entropy, reasoning));
    }
    return out;
  }

  private static GenerationSettings settings(JsonParser p, JsonToken t) throws IOException, Fallback {
    if (t != JsonToken.START_OBJECT) {
      throw Fallback.INSTANCE;
    }
    Integer maxNewTokens = null;
    Double temperature = null;
    Double topP = null;
    Integer topK = null;
    Double repetitionPenalty = null;
    Long seed = null;
    Boolean thinking = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "maxNewTokens":
          maxNewTokens = integer(p, v);
          break;
        case "temperature":
          temperature = number(p, v, false);
          break;
        case "topP":
          topP = number(p, v, false);
          break;
        case "topK":
          topK = integer(p, v);
          break;
        case "repetitionPenalty":
          repetitionPenalty = number(p, v, false);
          break;
        case "seed":
          if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw Fallback.INSTANCE;
          }
          seed = p.getLongValue();
          break;
        case "enableThinking":
          thinking = bool(v);
          break;
        default:
          p.skipChildren();
      }
    }
    if (maxNewTokens == null || temperature == null || topP == null || topK == null || repetitionPenalty == null
        || seed == null || thinking == null) {
      throw Fallback.INSTANCE;
    }
    return new GenerationSettings(maxNewTokens, temperature, topP, topK, repetitionPenalty, seed, thinking);
  }

  /** The reference parse through a JSON tree, with precise error messages. */
  static TraceRecord treeParse(String line) {
    JsonNode n;
    try {
      n = MAPPER.readTree(line);
    } catch (JsonParseException e) {
      throw new FieldException("", "not valid JSON: " + io.ltm.core.problem.JsonErrorText.of(e), e.getLocation().getColumnNr());
    } catch (IOException e) {
      throw new FieldException("", "not valid JSON: " + e.getMessage(), 0);
    }
    if (n == null || !n.isObject()) {
      throw new FieldException("", "expected a JSON object per line", 1);
    }
    for (String key : new String[] {"runId", "probeId", "prompt", "iteration", "model", "answer", "timestamp", "settings"}) {
      required(n, key, key);
    }
    JsonNode tokensNode = n.get("tokens");
    List<GeneratedToken> tokens = new ArrayList<>();
    if (tokensNode != null && !tokensNode.isNull()) {
      if (!tokensNode.isArray()) {
        throw new FieldException("tokens", "expected an array of token objects", 0);
      }
      for (int i = 0; i < tokensNode.size(); i++) {
        JsonNode t = tokensNode.get(i);
        String p = "tokens[" + i + "]";
        if (!t.isObject()) {
          throw new FieldException(p, "expected a token object {id,text,logprob,entropy,reasoning}", 0);
        }
        tokens.add(new GeneratedToken(
            intField(t, "id", p + ".id"),
            textField(t, "text", p + ".text", false),
            optDouble(t, "logprob", p + ".logprob"),
            optDouble(t, "entropy", p + ".entropy"),
            boolField(t, "reasoning", p + ".reasoning")));
      }
    }
    JsonNode s = n.get("settings");
    GenerationSettings settings;
    if (s == null || s.isNull()) {
      throw new FieldException("settings", "missing; expected an object of generation settings", 0);
    } else if (!s.isObject()) {
      throw new FieldException("settings", "expected an object of generation settings", 0);
    }
    try {
      settings = new GenerationSettings(
          intField(s, "maxNewTokens", "settings.maxNewTokens"),
          doubleField(s, "temperature", "settings.temperature"),
          doubleField(s, "topP", "settings.topP"),
          intField(s, "topK", "settings.topK"),
          doubleField(s, "repetitionPenalty", "settings.repetitionPenalty"),
          longField(s, "seed", "settings.seed"),
          boolField(s, "enableThinking", "settings.enableThinking"));
    } catch (FieldException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new FieldException("settings", e.getMessage(), 0);
    }
    Instant ts;
    String tsText = textField(n, "timestamp", "timestamp", false);
    try {
      ts = Instant.parse(tsText);
    } catch (DateTimeParseException e) {
      throw new FieldException("timestamp", "expected an ISO-8601 instant such as 2026-01-01T00:00:00Z but got '" + tsText + "'", 0);
    }
    JsonNode cp = n.get("checkpoint");
    Integer checkpoint = cp == null || cp.isNull() ? null : intField(n, "checkpoint", "checkpoint");
    JsonNode ek = n.get("entropyTopK");
    Integer entropyTopK = ek == null || ek.isNull() ? null : intField(n, "entropyTopK", "entropyTopK");
    try {
      return new TraceRecord(
          textField(n, "runId", "runId", false),
          textField(n, "probeId", "probeId", false),
          textField(n, "prompt", "prompt", false),
          intField(n, "iteration", "iteration"),
          textField(n, "model", "model", false),
          textField(n, "adapter", "adapter", true),
          checkpoint,
          textField(n, "reasoning", "reasoning", true),
          textField(n, "answer", "answer", false),
          tokens,
          ts,
          settings,
          entropyTopK,
          textField(n, "failure", "failure", true));
    } catch (FieldException e) {
      throw e;
    } catch (IllegalArgumentException | NullPointerException e) {
      String msg = e.getMessage() == null ? "invalid record" : e.getMessage();
      String field = msg.contains(" ") ? msg.substring(0, msg.indexOf(' ')) : msg;
      throw new FieldException(field, msg, 0);
    }
  }

  private static JsonNode required(JsonNode o, String key, String path) {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      throw new FieldException(path, "missing required field '" + key + "'", 0);
    }
    return v;
  }

  private static String textField(JsonNode o, String key, String path, boolean nullable) {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      if (nullable) {
        return null;
      }
      throw new FieldException(path, "missing required field '" + key + "'", 0);
    }
    if (!v.isTextual()) {
      throw new FieldException(path, "expected a string but got " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT), 0);
    }
    return v.textValue();
  }

  private static int intField(JsonNode o, String key, String path) {
    JsonNode v = required(o, key, path);
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new FieldException(path, "expected an integer but got " + v, 0);
    }
    return v.intValue();
  }

  private static long longField(JsonNode o, String key, String path) {
    JsonNode v = required(o, key, path);
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new FieldException(path, "expected an integer but got " + v, 0);
    }
    return v.longValue();
  }

  private static double doubleField(JsonNode o, String key, String path) {
    JsonNode v = required(o, key, path);
    if (!v.isNumber()) {
      throw new FieldException(path, "expected a number but got " + v, 0);
    }
    return v.doubleValue();
  }

  private static double optDouble(JsonNode o, String key, String path) {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      return Double.NaN;
    }
    if (!v.isNumber()) {
      throw new FieldException(path, "expected a number or null but got " + v, 0);
    }
    return v.doubleValue();
  }

  private static boolean boolField(JsonNode o, String key, String path) {
    JsonNode v = required(o, key, path);
    if (!v.isBoolean()) {
      throw new FieldException(path, "expected true or false but got " + v, 0);
    }
    return v.booleanValue();
  }

  /** A line that is not a valid record, naming the field at fault (empty for the whole line). */
  public static final class FieldException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;
    private final int column;

    FieldException(String field, String message, int column) {
      super(field.isEmpty() ? message : field + ": " + message);
      this.field = field;
      this.column = Math.max(0, column);
    }

    /** The field path such as {@code tokens[3].logprob}; empty for the whole line. */
    public String field() {
      return field;
    }

    /** 1-based column when known, else 0. */
    public int column() {
      return column;
    }
  }
}
