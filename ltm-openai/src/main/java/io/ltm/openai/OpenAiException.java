package io.ltm.openai;

/**
 * An error of configuration or of the request that retrying cannot fix: the server cannot be
 * reached, the API key is refused (401/403), the model is not served (404), or another 4xx. The
 * message names the URL, the status and the server's own error text, and says what to check. Not
 * recorded as a failed iteration: it stops the run.
 */
public class OpenAiException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  /**
   * @param status the HTTP status, or 0 when no response came
   * @param message one line naming URL, status and what to do
   * @param cause the underlying error, or null
   */
  public OpenAiException(int status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The HTTP status, 0 when no response came. */
  public int status() {
    return status;
  }
}
