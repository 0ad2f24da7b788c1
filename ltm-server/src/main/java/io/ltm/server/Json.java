package io.ltm.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.server.api.ApiException;

/** The server's one Jackson mapper and OpenAI's error body. Thread-safe. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static String write(Object node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
    }
  }

  /** {@code {"error": {"message", "type", "param", "code"}}}, OpenAI's error object. */
  static ObjectNode error(ApiException e) {
    ObjectNode o = object();
    ObjectNode err = o.putObject("error");
    err.put("message", e.getMessage());
    err.put("type", e.type());
    err.put("param", e.param());
    err.put("code", e.code());
    return o;
  }
}
