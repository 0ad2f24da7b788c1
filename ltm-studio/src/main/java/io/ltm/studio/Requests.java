package io.ltm.studio;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The JSON bodies of the studio's POST requests, parsed once into records, every field checked with
 * an error that names it (400). Unknown fields are refused, so a typo is not silently ignored.
 */
final class Requests {
  /** Longest prompt accepted, in characters. */
  static final int MAX_PROMPT = 20_000;
  /** Largest token budget a page may ask for. */
  static final int MAX_NEW_TOKENS = 4096;

  private Requests() {}

  /** Sampling settings shared by Ask, Compare and Loop. */
  record Sampling(int maxNewTokens, double temperature, boolean think, int thinkBudget, long seed) {
    static Sampling parse(JsonNode b, int defaultBudget) {
      int max = intField(b, "maxNewTokens", 256, 1, MAX_NEW_TOKENS);
      double temp = doubleField(b, "temperature", 0.0, 0.0, 2.0);
      boolean think = boolField(b, "think", true);
      int budget = intField(b, "thinkBudget", defaultBudget, 0, MAX_NEW_TOKENS);
      long seed = intField(b, "seed", 0, 0, Integer.MAX_VALUE);
      return new Sampling(max, temp, think, budget, seed);
    }
  }

  /** Ask: one prompt, one variant, optionally grounded in the vault. */
  record Ask(String prompt, int variant, boolean notes, Sampling sampling) {
    static Ask parse(JsonNode b, int defaultBudget) {
      known(b, "prompt", "variant", "notes", "maxNewTokens", "temperature", "think", "thinkBudget", "seed");
      return new Ask(Requests.prompt(b), intField(b, "variant", 0, 0, 1000), boolField(b, "notes", true), Sampling.parse(b, defaultBudget));
    }
  }

  /** Compare: one prompt, every variant at once. */
  record Compare(String prompt, Sampling sampling) {
    static Compare parse(JsonNode b, int defaultBudget) {
      known(b, "prompt", "maxNewTokens", "temperature", "think", "thinkBudget", "seed");
      return new Compare(Requests.prompt(b), Sampling.parse(b, defaultBudget));
    }
  }

  /** Loop: a prompt or a scene, a variant, iterations, the run folder the trace goes to. */
  record Loop(String prompt, String scene, int variant, int iterations, String run, boolean notes, Sampling sampling) {
    static Loop parse(JsonNode b, int defaultBudget) {
      known(b, "prompt", "scene", "variant", "iterations", "run", "notes", "maxNewTokens", "temperature", "think",
          "thinkBudget", "seed");
      String scene = textField(b, "scene", "");
      String prompt = textField(b, "prompt", "");
      if (scene.isBlank() == prompt.isBlank()) {
        throw HttpError.badRequest("prompt", "or scene is required (exactly one of them)");
      }
      if (prompt.length() > MAX_PROMPT) {
        throw HttpError.badRequest("prompt", "is longer than " + MAX_PROMPT + " characters");
      }
      String run = textField(b, "run", "studio");
      if (!run.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
        throw HttpError.badRequest("run", "must be a folder name of letters, digits, . _ - (not starting with a dot)");
      }
      return new Loop(prompt, scene, intField(b, "variant", 0, 0, 1000), intField(b, "iterations", 2, 1, 8), run,
          boolField(b, "notes", true), Sampling.parse(b, defaultBudget));
    }
  }

  static void known(JsonNode b, String... fields) {
    if (b == null || !b.isObject()) {
      throw HttpError.badRequest("body", "must be a JSON object");
    }
    java.util.Set<String> ok = java.util.Set.of(fields);
    b.fieldNames().forEachRemaining(f -> {
      if (!ok.contains(f)) {
        throw HttpError.badRequest(f, "is not a known field; known: " + String.join(", ", fields));
      }
    });
  }

  static String prompt(JsonNode b) {
    String p = textField(b, "prompt", "");
    if (p.isBlank()) {
      throw HttpError.badRequest("prompt", "must not be empty");
    }
    if (p.length() > MAX_PROMPT) {
      throw HttpError.badRequest("prompt", "is longer than " + MAX_PROMPT + " characters");
    }
    return p;
  }

  static String textField(JsonNode b, String name, String dflt) {
    JsonNode n = b.get(name);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isTextual()) {
      throw HttpError.badRequest(name, "must be a string");
    }
    return n.asText();
  }

  static int intField(JsonNode b, String name, int dflt, int min, int max) {
    JsonNode n = b.get(name);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min || n.asInt() > max) {
      throw HttpError.badRequest(name, "must be a whole number in [" + min + ", " + max + "] but got " + n);
    }
    return n.asInt();
  }

  static double doubleField(JsonNode b, String name, double dflt, double min, double max) {
    JsonNode n = b.get(name);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isNumber() || !(n.asDouble() >= min && n.asDouble() <= max)) {
      throw HttpError.badRequest(name, "must be a number in [" + min + ", " + max + "] but got " + n);
    }
    return n.asDouble();
  }

  static boolean boolField(JsonNode b, String name, boolean dflt) {
    JsonNode n = b.get(name);
    if (n == null || n.isNull()) {
      return dflt;
    }
    if (!n.isBoolean()) {
      throw HttpError.badRequest(name, "must be true or false but got " + n);
    }
    return n.asBoolean();
  }
}
