package io.ltm.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.ltm.core.generate.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@code POST /v1/chat/completions} body, parsed once and checked: messages with string or
 * text-part content, the sampling fields ({@link Sampling}), {@code logprobs}/{@code top_logprobs},
 * {@code chat_template_kwargs.enable_thinking} and ltm's own {@code "ltm": {"retrieve": true, "k": 5}}.
 * Unknown fields are ignored, as OpenAI-compatible servers do; fields ltm cannot honour (tools,
 * {@code n > 1}, penalties other than repetition) are refused. Immutable.
 *
 * @param model the requested model name, or null for the server's base model
 * @param messages at least one, system/user/assistant ({@code developer} reads as system)
 * @param enableThinking whether the prompt lets the model think (Qwen3's template flag; default true)
 * @param sampling the generation fields
 * @param retrieval the vault retrieval asked for in the body, or null
 */
public record ChatCompletionRequest(
    String model, List<ChatMessage> messages, boolean enableThinking, Sampling sampling, Retrieval retrieval) {

  public ChatCompletionRequest {
    messages = List.copyOf(messages);
    if (messages.isEmpty()) {
      throw ApiException.badRequest("messages", "messages must not be empty");
    }
    Objects.requireNonNull(sampling, "sampling");
  }

  /**
   * Retrieval from the vault index for one request.
   *
   * @param k chunks asked of the index, 1 to {@value #MAX_K}
   */
  public record Retrieval(int k) {
    /** Chunks retrieved when the request does not say. */
    public static final int DEFAULT_K = 5;
    /** The most chunks one request may ask for. */
    public static final int MAX_K = 50;

    public Retrieval {
      if (k < 1 || k > MAX_K) {
        throw ApiException.badRequest("ltm.k", "ltm.k must be in [1, " + MAX_K + "] but got " + k);
      }
    }
  }

  /**
   * Parses a body.
   *
   * @throws ApiException (400) naming the field when a value is missing, mistyped or out of range
   */
  public static ChatCompletionRequest parse(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw ApiException.badRequest(null, "the request body must be a JSON object");
    }
    String model = BodyReader.optString(body, "model", "model");
    JsonNode msgs = BodyReader.field(body, "messages");
    if (msgs == null) {
      throw ApiException.badRequest("messages", "messages is required: an array of {\"role\", \"content\"} objects");
    }
    if (!msgs.isArray()) {
      throw ApiException.badRequest("messages", "messages must be an array but got " + BodyReader.describe(msgs));
    }
    List<ChatMessage> messages = new ArrayList<>();
    for (int i = 0; i < msgs.size(); i++) {
      messages.add(message(msgs.get(i), "messages[" + i + "]"));
    }
    Boolean logprobs = BodyReader.optBool(body, "logprobs", "logprobs");
    Integer top = BodyReader.optInt(body, "top_logprobs", "top_logprobs", 0, Sampling.MAX_TOP_LOGPROBS);
    if (top != null && top > 0 && !Boolean.TRUE.equals(logprobs)) {
      throw ApiException.badRequest("top_logprobs", "top_logprobs needs logprobs set to true");
    }
    Integer topLogprobs = Boolean.TRUE.equals(logprobs) ? (top == null ? 0 : top) : null;
    Sampling sampling = Sampling.read(body, topLogprobs);
    JsonNode kwargs = BodyReader.optObject(body, "chat_template_kwargs", "chat_template_kwargs");
    Boolean thinking = kwargs == null ? null : BodyReader.optBool(kwargs, "enable_thinking", "chat_template_kwargs.enable_thinking");
    JsonNode ltm = BodyReader.optObject(body, "ltm", "ltm");
    Retrieval retrieval = null;
    if (ltm != null && Boolean.TRUE.equals(BodyReader.optBool(ltm, "retrieve", "ltm.retrieve"))) {
      Integer k = BodyReader.optInt(ltm, "k", "ltm.k", 1, Retrieval.MAX_K);
      retrieval = new Retrieval(k == null ? Retrieval.DEFAULT_K : k);
    }
    if (messages.isEmpty()) {
      throw ApiException.badRequest("messages", "messages must not be empty");
    }
    return new ChatCompletionRequest(model, messages, thinking == null || thinking, sampling, retrieval);
  }

  private static ChatMessage message(JsonNode m, String path) {
    if (!m.isObject()) {
      throw ApiException.badRequest(path, path + " must be an object with role and content but got " + BodyReader.describe(m));
    }
    String role = BodyReader.optString(m, "role", path + ".role");
    if (role == null) {
      throw ApiException.badRequest(path + ".role", path + ".role is required: system, user or assistant");
    }
    String content = content(m, path + ".content");
    switch (role) {
      case "system":
      case "developer":
        return ChatMessage.system(required(content, path, role));
      case "user":
        return ChatMessage.user(required(content, path, role));
      case "assistant":
        String reasoning = BodyReader.optString(m, "reasoning_content", path + ".reasoning_content");
        return ChatMessage.assistant(content == null ? "" : content, reasoning);
      default:
        throw ApiException.badRequest(path + ".role", path + ".role must be system, user or assistant but got \"" + role + "\""
            + (role.equals("tool") ? " (tool calls are not supported)" : ""));
    }
  }

  private static String required(String content, String path, String role) {
    if (content == null) {
      throw ApiException.badRequest(path + ".content", path + ".content is required for a " + role + " message");
    }
    return content;
  }

  /** A string, or an array of {@code {"type": "text", "text": ...}} parts joined by newlines. */
  private static String content(JsonNode m, String path) {
    JsonNode c = BodyReader.field(m, "content");
    if (c == null) {
      return null;
    }
    if (c.isTextual()) {
      return c.asText();
    }
    if (!c.isArray()) {
      throw ApiException.badRequest(path, path + " must be a string or an array of text parts but got " + BodyReader.describe(c));
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < c.size(); i++) {
      JsonNode part = c.get(i);
      String p = path + "[" + i + "]";
      if (!part.isObject()) {
        throw ApiException.badRequest(p, p + " must be a {\"type\": \"text\", \"text\": ...} object but got " + BodyReader.describe(part));
      }
      String type = BodyReader.optString(part, "type", p + ".type");
      if (!"text".equals(type)) {
        throw ApiException.badRequest(p + ".type", p + ".type must be \"text\" (ltm serves a text-only model) but got "
            + (type == null ? "nothing" : "\"" + type + "\""));
      }
      String text = BodyReader.optString(part, "text", p + ".text");
      if (text == null) {
        throw ApiException.badRequest(p + ".text", p + ".text is required");
      }
      if (sb.length() > 0) {
        sb.append('\n');
      }
      sb.append(text);
    }
    return sb.toString();
  }
}
