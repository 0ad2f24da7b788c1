package io.ltm.lora.train;

/**
 * A run stopped: non-finite loss or gradient (the message names step and parameter), memory exhausted
 * (the message names the settings to lower), or a run directory that cannot be resumed.
 */
public class TrainingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** @param message what happened and what to do */
  public TrainingException(String message) {
    super(message);
  }

  /** @param message what happened and what to do @param cause the underlying failure */
  public TrainingException(String message, Throwable cause) {
    super(message, cause);
  }
}
