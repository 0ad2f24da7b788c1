package io.ltm.core.generate;

import java.util.Optional;

/**
 * A generation that started and could not finish: a remote stream that dropped mid-answer, a server
 * that kept answering 429/503 after every retry, a response that was not the JSON it should be. It
 * carries what arrived before the failure, so the thinking loop records it as a failed iteration
 * (kept in the trace, retried when the loop runs again over the same file) instead of stopping the
 * whole run. Errors of configuration (a wrong URL, model name or API key) are not this exception:
 * they stop the run at once.
 */
public class GenerationFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Generation partial;

  /**
   * @param message one line saying what failed and what to do
   * @param partial what was generated before the failure, or null when nothing was
   * @param cause the underlying error, or null
   */
  public GenerationFailedException(String message, Generation partial, Throwable cause) {
    super(message, cause);
    this.partial = partial;
  }

  /** What was generated before the failure, when anything was. */
  public Optional<Generation> partial() {
    return Optional.ofNullable(partial);
  }
}
