package io.ltm.metrics.detect;

/**
 * Reflective-language rate of one text.
 *
 * <p>Definition: {@code per1k = 1000 * hits / tokens} and {@code waitPer1k = 1000 * waitHits / tokens},
 * where {@code hits} counts {@link ReflectiveLexicon} matches (longest first, non-overlapping, whole
 * words), {@code waitHits} those of the wait class alone ("wait", "hold on", "подожди", "погоди",
 * "постой", ...), and {@code tokens} is the number of model tokens when the trace has them, otherwise
 * the number of words ({@link io.ltm.metrics.stats.Words}). Both rates are NaN when {@code tokens} is 0.
 *
 * @param hits lexicon hits
 * @param waitHits wait-class hits
 * @param tokens token (or word) count the rate is taken over
 * @param per1k hits per 1,000 tokens
 * @param waitPer1k wait hits per 1,000 tokens
 */
public record ReflectiveRate(int hits, int waitHits, int tokens, double per1k, double waitPer1k) {
  public ReflectiveRate {
    if (hits < 0 || waitHits < 0 || tokens < 0) {
      throw new IllegalArgumentException("counts must be >= 0");
    }
  }

  /** The rate of {@code count} over {@code tokens} tokens. */
  public static ReflectiveRate of(ReflectiveLexicon.Count count, int tokens) {
    if (tokens < 0) {
      throw new IllegalArgumentException("tokens must be >= 0 but got " + tokens);
    }
    double per = tokens == 0 ? Double.NaN : 1000.0 * count.hits() / tokens;
    double wait = tokens == 0 ? Double.NaN : 1000.0 * count.waitHits() / tokens;
    return new ReflectiveRate(count.hits(), count.waitHits(), tokens, per, wait);
  }
}
