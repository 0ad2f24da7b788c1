package io.ltm.lora.io;

import java.nio.file.Path;

/**
 * A model directory that cannot be loaded: a malformed config.json or safetensors file, a tensor
 * missing or of the wrong shape. The message names the file (and tensor, when there is one) and says
 * what is wrong, so a user can fix the directory.
 */
public final class CheckpointException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A problem with {@code file} as a whole. */
  public CheckpointException(Path file, String message) {
    super(file + ": " + message);
  }

  /** A problem with one tensor of {@code file}. */
  public CheckpointException(Path file, String tensor, String message) {
    super(file + ": tensor " + tensor + ": " + message);
  }

  /** A problem with {@code file}, caused by {@code cause}. */
  public CheckpointException(Path file, String message, Throwable cause) {
    super(file + ": " + message, cause);
  }
}
