package io.ltm.metrics.stats;

import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.loop.TraceRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How much one loop iteration rewrote the previous one.
 *
 * <p>Definitions: {@code answerEdit} and {@code reasoningEdit} are the {@link EditDistance#normalized
 * normalized token-level edit distances} between the previous and the next iteration's answer and
 * reasoning. Tokens are the model's tokens (their text pieces) when both records carry tokens, else
 * {@link Words}. {@code answerEmbedding} is the {@link Embedder#cosineDistance cosine distance} of the
 * two answers' embeddings when an embedder is supplied, else NaN.
 *
 * @param answerEdit normalized edit distance of the answers, in [0, 1]
 * @param reasoningEdit normalized edit distance of the reasoning, in [0, 1]
 * @param answerEmbedding cosine distance of the answers' embeddings, NaN without an embedder
 */
public record RewriteMagnitude(double answerEdit, double reasoningEdit, double answerEmbedding) {

  /** The magnitude of the rewrite from {@code previous} to {@code next}; {@code embedder} may be null. */
  public static RewriteMagnitude between(TraceRecord previous, TraceRecord next, Embedder embedder) {
    Objects.requireNonNull(previous, "previous");
    Objects.requireNonNull(next, "next");
    boolean tokens = !previous.tokens().isEmpty() && !next.tokens().isEmpty();
    double a = EditDistance.normalized(pieces(previous, false, tokens), pieces(next, false, tokens));
    double r = EditDistance.normalized(pieces(previous, true, tokens), pieces(next, true, tokens));
    double e = Double.NaN;
    if (embedder != null) {
      e = Embedder.cosineDistance(embedder.embed(previous.answer()), embedder.embed(next.answer()));
    }
    return new RewriteMagnitude(a, r, e);
  }

  private static List<String> pieces(TraceRecord t, boolean reasoning, boolean useTokens) {
    if (!useTokens) {
      return Words.split(reasoning ? t.reasoning() : t.answer());
    }
    List<String> out = new ArrayList<>();
    for (GeneratedToken g : t.tokens()) {
      if (g.reasoning() == reasoning) {
        out.add(g.text());
      }
    }
    return out;
  }
}
