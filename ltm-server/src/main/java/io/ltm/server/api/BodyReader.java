package io.ltm.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads typed, range-checked fields out of a parsed JSON request body. Every failure is an
 * {@link ApiException} (400) naming the field by its JSON path, e.g. {@code messages[2].content},
 * and saying what it expected and what it got. Absent and {@code null} fields read as "not given".
 * Stateless.
 */
final class BodyReader {
  private BodyReader() {}

  static JsonNode field(JsonNode obj, String name) {
    JsonNode v = obj.get(name);
    return v == null || v.isNull() ? null : v;
  }

  static String optString(JsonNode obj, String name, String path) {
    JsonNode v = field(obj, name);
    if (v == null) {
      return null;
    }
    if (!v.isTextual()) {
      throw ApiException.badRequest(path, path + " must be a string but got " + describe(v));
    }
    return v.asText();
  }

  static Boolean optBool(JsonNode obj, String name, String path) {
    JsonNode v = field(obj, name);
    if (v == null) {
      return null;
    }
    if (!v.isBoolean()) {
      throw ApiException.badRequest(path, path + " must be true or false but got " + describe(v));
    }
    return v.asBoolean();
  }

  static Integer optInt(JsonNode obj, String name, String path, long min, long max) {
    JsonNode v = field(obj, name);
    if (v == null) {
      return null;
    }
    if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
      throw ApiException.badRequest(path, path + " must be an integer but got " + describe(v));
    }
    long x = v.asLong();
    if (x < min || x > max || !v.canConvertToLong()) {
      throw ApiException.badRequest(path, path + " must be in [" + min + ", " + max + "] but got " + v.asText());
    }
    return (int) x;
  }

  static Long optLong(JsonNode obj, String name, String path) {
    JsonNode v = field(obj, name);
    if (v == null) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw ApiException.badRequest(path, path + " must be a 64-bit integer but got " + describe(v));
    }
    return v.asLong();
  }

  /** A finite number in [min, max] ({@code minExclusive}: (min, max]). */
  static Double optDouble(JsonNode obj, String name, String path, double min, boolean minExclusive, double max) {
    JsonNode v = field(obj, name);
    if (v == null) {
      return null;
    }
    if (!v.isNumber()) {
      throw ApiException.badRequest(path, path + " must be a number but got " + describe(v));
    }
    double x = v.asDouble();
    if (!Double.isFinite(x) || x > max || x < min || (minExclusive && x == min)) {
      throw ApiException.badRequest(path, path + " must be in " + (minExclusive ? "(" : "[") + min + ", " + max + "] but got " + v.asText());
    }
    return x;
  }

  static JsonNode optObject(JsonNode obj, String name, String path) {
    JsonNode v = field(obj, name);
    if (v != null && !v.isObject()) {
      throw ApiException.badRequest(path, path + " must be an object but got " + describe(v));
    }
    return v;
  }

  /** A string or an array of strings (as {@code stop} is). */
  static List<String> optStrings(JsonNode obj, String name, String path) {
    JsonNode v = field(obj, name);
    if (v == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    if (v.isTextual()) {
      out.add(v.asText());
    } else if (v.isArray()) {
      for (int i = 0; i < v.size(); i++) {
        if (!v.get(i).isTextual()) {
          throw ApiException.badRequest(path, path + "[" + i + "] must be a string but got " + describe(v.get(i)));
        }
        out.add(v.get(i).asText());
      }
    } else {
      throw ApiException.badRequest(path, path + " must be a string or an array of strings but got " + describe(v));
    }
    for (String s : out) {
      if (s.isEmpty()) {
        throw ApiException.badRequest(path, path + " must not contain an empty string");
      }
    }
    return List.copyOf(out);
  }

  static String describe(JsonNode v) {
    String kind = v.isTextual() ? "a string" : v.isNumber() ? "a number" : v.isBoolean() ? "a boolean"
        : v.isArray() ? "an array" : v.isObject() ? "an object" : v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    String text = v.toString();
    return kind + " (" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + ")";
  }
}
