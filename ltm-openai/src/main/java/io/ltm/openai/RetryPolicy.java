package io.ltm.openai;

import java.time.Duration;
import java.util.Objects;

/**
 * How often and how long to wait before retrying a request the server refused for now (429, 502, 503,
 * 504) or that got no response in time: at most {@code maxRetries} retries; before retry {@code n}
 * (0-based) the wait is the server's {@code Retry-After} when it sent one (capped at {@code
 * maxBackoff}), else {@code initialBackoff * 2^n} capped at {@code maxBackoff}. No jitter: one client
 * runs one request at a time. Immutable.
 *
 * @param maxRetries retries after the first attempt, >= 0
 * @param initialBackoff the first wait, positive
 * @param maxBackoff the longest wait, at least {@code initialBackoff}
 */
public record RetryPolicy(int maxRetries, Duration initialBackoff, Duration maxBackoff) {
  /** 5 retries, 1 s doubling up to 60 s. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(60));

  public RetryPolicy {
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must be >= 0 but got " + maxRetries);
    }
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (initialBackoff.isNegative() || initialBackoff.isZero()) {
      throw new IllegalArgumentException("initialBackoff must be positive but got " + initialBackoff);
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("maxBackoff " + maxBackoff + " must be at least initialBackoff " + initialBackoff);
    }
  }

  /**
   * The wait before retry {@code retry} (0-based).
   *
   * @param retryAfter the server's Retry-After, or null
   */
  public Duration delay(int retry, Duration retryAfter) {
    if (retryAfter != null && !retryAfter.isNegative()) {
      return retryAfter.compareTo(maxBackoff) > 0 ? maxBackoff : retryAfter;
    }
    long ms = initialBackoff.toMillis();
    for (int i = 0; i < retry && ms < maxBackoff.toMillis(); i++) {
      ms *= 2;
    }
    return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
  }
}
