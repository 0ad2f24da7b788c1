package io.ltm.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.ltm.lora.generate.BatchRow;
import java.util.List;

/**
 * The generation fields shared by {@code /v1/chat/completions} and {@code /v1/completions}, parsed and
 * range-checked once. A null means "not given": the server's defaults (from the model's
 * generation_config.json, as vLLM does) apply. Immutable.
 *
 * @param maxTokens {@code max_completion_tokens} or {@code max_tokens} (>= 1), or null for the rest of the context
 * @param temperature [0, 2]; 0 is greedy
 * @param topP (0, 1]
 * @param topK 0 or -1 off (vLLM's convention), else the number of candidates kept
 * @param repetitionPenalty vLLM's {@code repetition_penalty}, (0, 2]; 1 is off
 * @param seed the sampling seed
 * @param stop stop strings, none empty
 * @param stream whether to answer with server-sent events
 * @param includeUsage {@code stream_options.include_usage}
 * @param topLogprobs per-token alternatives to return, 0 to 20, or null when logprobs are off
 */
public record Sampling(
    Integer maxTokens, Double temperature, Double topP, Integer topK, Double repetitionPenalty, Long seed,
    List<String> stop, boolean stream, boolean includeUsage, Integer topLogprobs) {

  public Sampling {
    stop = List.copyOf(stop);
  }

  /** Reads the shared fields of {@code body}; {@code logprobs} is read by the caller (its type differs). */
  static Sampling read(JsonNode body, Integer topLogprobs) {
    Integer maxTokens = BodyReader.optInt(body, "max_completion_tokens", "max_completion_tokens", 1, Integer.MAX_VALUE);
    if (maxTokens == null) {
      maxTokens = BodyReader.optInt(body, "max_tokens", "max_tokens", 1, Integer.MAX_VALUE);
    }
    Integer n = BodyReader.optInt(body, "n", "n", 1, Integer.MAX_VALUE);
    if (n != null && n != 1) {
      throw ApiException.badRequest("n", "n must be 1 (one choice per request) but got " + n + "; send several requests instead");
    }
    Integer topK = BodyReader.optInt(body, "top_k", "top_k", -1, Integer.MAX_VALUE);
    for (String unsupported : List.of("presence_penalty", "frequency_penalty")) {
      Double v = BodyReader.optDouble(body, unsupported, unsupported, -2, false, 2);
      if (v != null && v != 0) {
        throw ApiException.badRequest(unsupported, unsupported + " is not supported by ltm serve (got " + v
            + "); leave it at 0 or use repetition_penalty");
      }
    }
    JsonNode tools = BodyReader.field(body, "tools");
    if (tools != null && !(tools.isArray() && tools.isEmpty())) {
      throw ApiException.badRequest("tools", "tools are not supported by ltm serve; send the request without them");
    }
    JsonNode format = BodyReader.optObject(body, "response_format", "response_format");
    if (format != null) {
      String type = BodyReader.optString(format, "type", "response_format.type");
      if (type != null && !type.equals("text")) {
        throw ApiException.badRequest("response_format", "response_format \"" + type
            + "\" is not supported by ltm serve (no constrained decoding); leave it out or use \"text\"");
      }
    }
    boolean stream = Boolean.TRUE.equals(BodyReader.optBool(body, "stream", "stream"));
    JsonNode options = BodyReader.optObject(body, "stream_options", "stream_options");
    boolean includeUsage = options != null && Boolean.TRUE.equals(BodyReader.optBool(options, "include_usage", "stream_options.include_usage"));
    if (options != null && !stream) {
      throw ApiException.badRequest("stream_options", "stream_options is only allowed when stream is true");
    }
    return new Sampling(
        maxTokens,
        BodyReader.optDouble(body, "temperature", "temperature", 0, false, 2),
        BodyReader.optDouble(body, "top_p", "top_p", 0, true, 1),
        topK == null || topK == -1 ? topK == null ? null : 0 : topK,
        BodyReader.optDouble(body, "repetition_penalty", "repetition_penalty", 0, true, 2),
        BodyReader.optLong(body, "seed", "seed"),
        BodyReader.optStrings(body, "stop", "stop"),
        stream, includeUsage, topLogprobs);
  }

  /** The largest {@code top_logprobs} accepted. */
  public static final int MAX_TOP_LOGPROBS = BatchRow.MAX_TOP_LOGPROBS;
}
