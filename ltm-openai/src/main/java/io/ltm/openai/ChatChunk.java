package io.ltm.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One parsed chat-completions object: a streamed {@code chat.completion.chunk} (its first choice's
 * {@code delta}) or a whole {@code chat.completion} (its first choice's {@code message}). Field names
 * as vLLM ({@code vllm/entrypoints/openai/protocol.py}: {@code reasoning}, formerly {@code
 * reasoning_content}; {@code stop_reason}) and llama.cpp's server ({@code tools/server}: {@code
 * reasoning_content}; logprob entries with {@code id}) write them.
 *
 * @param reasoning the reasoning text of this chunk ({@code reasoning} or {@code reasoning_content}),
 *     empty when none
 * @param content the content text of this chunk, empty when none
 * @param tokens the chunk's {@code logprobs.content} entries, empty when the server sent none
 * @param hasLogprobs whether the chunk carried a {@code logprobs.content} array
 * @param finishReason {@code stop}, {@code length}, ... or null while generating
 * @param stopString the stop string that ended generation (vLLM's {@code stop_reason} when a string),
 *     or null
 * @param error the server's error message sent inside the stream, or null
 */
record ChatChunk(String reasoning, String content, List<TokenLogprob> tokens, boolean hasLogprobs, String finishReason,
    String stopString, String error) {

  /**
   * One entry of {@code logprobs.content}.
   *
   * @param text the token's text ({@code token})
   * @param id the vocabulary id when the server gives it (llama.cpp's {@code id}), else -1
   * @param logprob the sampled token's log-probability; -infinity for vLLM's -9999
   * @param topLogprobs the {@code top_logprobs} values, in the server's order
   */
  record TokenLogprob(String text, int id, double logprob, List<Double> topLogprobs) {
    TokenLogprob {
      topLogprobs = List.copyOf(topLogprobs);
    }
  }

  /**
   * Reads a chunk or a whole response.
   *
   * @throws IllegalArgumentException naming the field when the object does not have the documented shape
   */
  static ChatChunk parse(JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException("expected a JSON object but got " + (n == null ? "nothing" : n.getNodeType()));
    }
    String error = errorMessage(n);
    if (error != null) {
      return new ChatChunk("", "", List.of(), false, null, null, error);
    }
    JsonNode choices = n.get("choices");
    if (choices == null || !choices.isArray()) {
      throw new IllegalArgumentException("'choices' missing or not an array");
    }
    if (choices.isEmpty()) { // the usage chunk of stream_options.include_usage
      return new ChatChunk("", "", List.of(), false, null, null, null);
    }
    JsonNode c = choices.get(0);
    JsonNode msg = c.has("delta") ? c.get("delta") : c.get("message");
    String reasoning = "";
    String content = "";
    if (msg != null && msg.isObject()) {
      reasoning = text(msg, "reasoning");
      if (reasoning.isEmpty()) {
        reasoning = text(msg, "reasoning_content");
      }
      content = text(msg, "content");
    }
    List<TokenLogprob> tokens = new ArrayList<>();
    JsonNode lp = c.get("logprobs");
    boolean hasLogprobs = false;
    if (lp != null && lp.isObject() && lp.get("content") != null && lp.get("content").isArray()) {
      hasLogprobs = true;
      int i = 0;
      for (JsonNode t : lp.get("content")) {
        tokens.add(tokenLogprob(t, "choices[0].logprobs.content[" + i++ + "]"));
      }
    }
    String finish = c.hasNonNull("finish_reason") ? c.get("finish_reason").asText() : null;
    JsonNode stop = c.get("stop_reason");
    String stopString = stop != null && stop.isTextual() ? stop.textValue() : null;
    return new ChatChunk(reasoning, content, tokens, hasLogprobs, finish, stopString, null);
  }

  /** The error text of {@code {"error":{"message":...}}} or of vLLM's older {@code {"object":"error",...}}, else null. */
  static String errorMessage(JsonNode n) {
    if (n == null || !n.isObject()) {
      return null;
    }
    JsonNode e = n.get("error");
    if (e != null && e.isObject()) {
      String m = e.hasNonNull("message") ? e.get("message").asText() : e.toString();
      return e.hasNonNull("type") ? m + " (" + e.get("type").asText() + ")" : m;
    }
    if (e != null && e.isTextual()) {
      return e.textValue();
    }
    if (n.has("object") && "error".equals(n.get("object").asText())) {
      return n.hasNonNull("message") ? n.get("message").asText() : n.toString();
    }
    return null;
  }

  private static TokenLogprob tokenLogprob(JsonNode t, String path) {
    if (!t.isObject() || !t.hasNonNull("token") || !t.hasNonNull("logprob") || !t.get("logprob").isNumber()) {
      throw new IllegalArgumentException(path + ": expected {token, logprob, top_logprobs} but got " + abbreviate(t.toString()));
    }
    int id = t.hasNonNull("id") && t.get("id").canConvertToInt() ? t.get("id").intValue() : -1;
    List<Double> top = new ArrayList<>();
    JsonNode tl = t.get("top_logprobs");
    if (tl != null && tl.isArray()) {
      for (JsonNode e : tl) {
        if (e.hasNonNull("logprob") && e.get("logprob").isNumber()) {
          top.add(e.get("logprob").doubleValue());
        }
      }
    }
    double logprob = t.get("logprob").doubleValue();
    if (logprob <= TopLogprobEntropy.VLLM_NEG_INF) {
      logprob = Double.NEGATIVE_INFINITY;
    }
    return new TokenLogprob(t.get("token").asText(), id, logprob, top);
  }

  private static String text(JsonNode o, String key) {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) {
      return "";
    }
    if (v.isTextual()) {
      return v.textValue();
    }
    if (v.isArray()) { // content parts: [{"type":"text","text":"..."}]
      StringBuilder sb = new StringBuilder();
      for (JsonNode part : v) {
        if (part.hasNonNull("text")) {
          sb.append(part.get("text").asText());
        }
      }
      return sb.toString();
    }
    throw new IllegalArgumentException("'" + key + "' must be a string but got " + v.getNodeType());
  }

  static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }
}
