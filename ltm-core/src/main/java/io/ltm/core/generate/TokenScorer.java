package io.ltm.core.generate;

import java.util.List;

/**
 * Scores given text under a model by teacher forcing: the basis of perplexity and of comparing two
 * models (base and adapter) on the same tokens.
 */
public interface TokenScorer {

  /** A short name of the model, recorded next to the scores. */
  String modelName();

  /**
   * Log-probabilities of {@code ids[i+1]} given {@code ids[0..i]}, natural log; the result has
   * {@code ids.size() - 1} entries.
   *
   * @throws IllegalArgumentException if fewer than two ids are given or an id is outside the vocabulary
   */
  double[] logprobs(List<Integer> ids);

  /** Token ids of {@code text} under this model's tokenizer, no special tokens added. */
  List<Integer> tokenize(String text);
}
