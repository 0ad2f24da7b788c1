package io.ltm.server.api;

/**
 * A request the server refuses, as OpenAI's error object says it: an HTTP status, a type
 * ({@code invalid_request_error}, ...), the offending parameter (or null) and an optional code. The
 * message is one line a client can show; it never carries a stack trace. Immutable.
 */
public final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final String param;
  private final String code;

  /**
   * @param status the HTTP status (4xx or 5xx)
   * @param type OpenAI's error type, e.g. {@code invalid_request_error}
   * @param param the request field at fault, or null
   * @param code a machine-readable code such as {@code model_not_found}, or null
   * @param message what is wrong and what to do, one line
   */
  public ApiException(int status, String type, String param, String code, String message) {
    super(message);
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("an error status must be 4xx or 5xx but got " + status);
    }
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
  }

  /** 400: a malformed body or a bad value of {@code param}. */
  public static ApiException badRequest(String param, String message) {
    return new ApiException(400, "invalid_request_error", param, null, message);
  }

  /** 404: no served model of that name. */
  public static ApiException modelNotFound(String model, String message) {
    return new ApiException(404, "invalid_request_error", "model", "model_not_found", message);
  }

  /** 429: the queue is full; the client should retry later. */
  public static ApiException overloaded(String message) {
    return new ApiException(429, "rate_limit_error", null, "server_overloaded", message);
  }

  /** 401: a missing or wrong API key. */
  public static ApiException unauthorized(String message) {
    return new ApiException(401, "invalid_request_error", null, "invalid_api_key", message);
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  /** The request field at fault, or null. */
  public String param() {
    return param;
  }

  /** A machine-readable code, or null. */
  public String code() {
    return code;
  }
}
