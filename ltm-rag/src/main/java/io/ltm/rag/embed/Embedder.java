package io.ltm.rag.embed;

import java.util.List;

/**
 * Turns texts into unit-length vectors for cosine similarity. Implementations run in-process and
 * never touch the network; they are thread-safe and own native resources, so the creator closes them.
 */
public interface Embedder extends AutoCloseable {

  /** A stable name of the model; the index stores it and re-embeds everything when it changes. */
  String modelId();

  /** The vector length. */
  int dimension();

  /**
   * Embeds {@code texts} in one batch, in order. Each vector has {@link #dimension()} finite values
   * and unit L2 norm; the caller owns the returned arrays.
   *
   * @throws IllegalArgumentException when a text is null or blank
   */
  List<float[]> embedAll(List<String> texts);

  /** Embeds one text. */
  default float[] embed(String text) {
    return embedAll(List.of(text)).get(0);
  }

  /** Releases the model; the default has nothing to release. */
  @Override
  default void close() {}
}
