package io.ltm.studio;

/**
 * An error answered to the browser as {@code {"error": message, "field": field}} with an HTTP status.
 * Thrown by handlers; the server turns it into the response.
 */
final class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String field;

  HttpError(int status, String field, String message) {
    super(message);
    this.status = status;
    this.field = field == null ? "" : field;
  }

  /** 400: {@code field} + message, e.g. {@code name must not be empty}. */
  static HttpError badRequest(String field, String message) {
    return new HttpError(400, field, field + " " + message);
  }

  static HttpError notFound(String what) {
    return new HttpError(404, "", what + " not found");
  }

  static HttpError conflict(String message) {
    return new HttpError(409, "", message);
  }

  int status() {
    return status;
  }

  String field() {
    return field;
  }
}
