package io.ltm.metrics.stats;

/**
 * Maps a text to an embedding vector, for the embedding distance between loop iterations. Any model
 * will do (ltm-rag's in-process MiniLM, a remote service); the vectors of one embedder must all have
 * the same length. Implementations say whether they are thread-safe.
 */
@FunctionalInterface
public interface Embedder {
  /** The embedding of {@code text}; the caller does not modify the array. */
  float[] embed(String text);

  /**
   * Cosine distance {@code 1 - (u·v) / (|u| |v|)}, in [0, 2]; NaN when either vector is all zeros.
   *
   * @throws IllegalArgumentException when the lengths differ
   */
  static double cosineDistance(float[] u, float[] v) {
    if (u.length != v.length) {
      throw new IllegalArgumentException("embedding lengths differ: " + u.length + " vs " + v.length);
    }
    double dot = 0;
    double nu = 0;
    double nv = 0;
    for (int i = 0; i < u.length; i++) {
      dot += (double) u[i] * v[i];
      nu += (double) u[i] * u[i];
      nv += (double) v[i] * v[i];
    }
    if (nu == 0 || nv == 0) {
      return Double.NaN;
    }
    return 1 - dot / (Math.sqrt(nu) * Math.sqrt(nv));
  }
}
