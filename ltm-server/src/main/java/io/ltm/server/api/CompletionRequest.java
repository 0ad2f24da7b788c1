package io.ltm.server.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A {@code POST /v1/completions} body: a raw prompt (a string or an array holding one string),
 * continued without any chat template, plus the {@link Sampling} fields and {@code logprobs} (an
 * integer, 0 to 20, as the legacy API has it). {@code echo} and {@code suffix} are refused. Immutable.
 *
 * @param model the requested model name, or null for the server's base model
 * @param prompt the text to continue, not empty
 * @param sampling the generation fields
 */
public record CompletionRequest(String model, String prompt, Sampling sampling) {

  /**
   * Parses a body.
   *
   * @throws ApiException (400) naming the field when a value is missing, mistyped or out of range
   */
  public static CompletionRequest parse(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest(null, "the request body must be a JSON object");
    }
    String model = BodyReader.optString(body, "model", "model");
    JsonNode p = BodyReader.field(body, "prompt");
    String prompt;
    if (p == null) {
      throw ApiException.badRequest("prompt", "prompt is required: the text to continue");
    } else if (p.isTextual()) {
      prompt = p.asText();
    } else if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
      prompt = p.get(0).asText();
    } else {
      throw ApiException.badRequest("prompt", "prompt must be a string (or an array of exactly one string) but got " + BodyReader.describe(p));
    }
    if (prompt.isEmpty()) {
      throw ApiException.badRequest("prompt", "prompt must not be empty");
    }
    if (Boolean.TRUE.equals(BodyReader.optBool(body, "echo", "echo"))) {
      throw ApiException.badRequest("echo", "echo is not supported by ltm serve");
    }
    if (BodyReader.field(body, "suffix") != null) {
      throw ApiException.badRequest("suffix", "suffix is not supported by ltm serve");
    }
    Integer logprobs = BodyReader.optInt(body, "logprobs", "logprobs", 0, Sampling.MAX_TOP_LOGPROBS);
    return new CompletionRequest(model, prompt, Sampling.read(body, logprobs));
  }
}
