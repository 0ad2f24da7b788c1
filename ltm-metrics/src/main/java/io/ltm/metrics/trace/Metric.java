package io.ltm.metrics.trace;

import io.ltm.metrics.detect.Behaviour;
import java.util.Optional;

/**
 * The thought metrics measured per trace record by {@link ThoughtMetrics}. Each is NaN where it cannot
 * be measured (no entropies recorded, no previous iteration). "Tokens" are the model's tokens when the
 * record carries them, else {@link io.ltm.metrics.stats.Words words}; "text" is the reasoning and the
 * answer joined by a blank line.
 */
public enum Metric {
  /** Number of tokens of the record. */
  TOKENS("tokens", "tokens", null),
  /** Reflective-lexicon hits per 1,000 tokens ({@link io.ltm.metrics.detect.ReflectiveRate}). */
  REFLECTIVE_PER_1K("reflectivePer1k", "reflective words / 1k tokens", null),
  /** "Wait"-class hits per 1,000 tokens. */
  WAIT_PER_1K("waitPer1k", "\"wait\" / 1k tokens", null),
  /** Verification spans per 1,000 tokens. */
  VERIFY_PER_1K("verifyPer1k", "verification / 1k tokens", Behaviour.VERIFICATION),
  /** Backtracking spans per 1,000 tokens. */
  BACKTRACK_PER_1K("backtrackPer1k", "backtracking / 1k tokens", Behaviour.BACKTRACKING),
  /** Subgoal-setting spans per 1,000 tokens. */
  SUBGOAL_PER_1K("subgoalPer1k", "subgoal setting / 1k tokens", Behaviour.SUBGOAL_SETTING),
  /** Backward-chaining spans per 1,000 tokens. */
  BACKWARD_PER_1K("backwardPer1k", "backward chaining / 1k tokens", Behaviour.BACKWARD_CHAINING),
  /** Tension spans per 1,000 tokens. */
  TENSION_PER_1K("tensionPer1k", "tension / 1k tokens", Behaviour.TENSION),
  /** Rewrite (self-correction) spans per 1,000 tokens. */
  REWRITE_PER_1K("rewritePer1k", "rewrite / 1k tokens", Behaviour.REWRITE),
  /** Reflection spans per 1,000 tokens. */
  REFLECT_PER_1K("reflectPer1k", "reflection / 1k tokens", Behaviour.REFLECTION),
  /** Mean per-token entropy, nats ({@link io.ltm.metrics.stats.Uncertainty}). */
  ENTROPY_MEAN("entropyMean", "mean token entropy (nats)", null),
  /** 90th percentile of per-token entropy, nats. */
  ENTROPY_P90("entropyP90", "p90 token entropy (nats)", null),
  /** Number of tension spikes (runs of tokens above the entropy threshold). */
  TENSION_SPIKES("tensionSpikes", "tension spikes", null),
  /** Perplexity of the reasoning tokens under the model that generated them (from recorded logprobs). */
  PPL_REASONING("pplReasoning", "perplexity of reasoning (own model)", null),
  /** Perplexity of the answer tokens under the model that generated them. */
  PPL_ANSWER("pplAnswer", "perplexity of answer (own model)", null),
  /** Normalized token edit distance of the answer from the previous iteration's. */
  ANSWER_EDIT("answerEdit", "answer rewrite (edit distance)", null),
  /** Normalized token edit distance of the reasoning from the previous iteration's. */
  REASONING_EDIT("reasoningEdit", "reasoning rewrite (edit distance)", null),
  /** Cosine distance of the answer's embedding from the previous iteration's (needs an embedder). */
  ANSWER_EMBEDDING_DISTANCE("answerEmbeddingDistance", "answer rewrite (embedding distance)", null);

  private final String key;
  private final String label;
  private final Behaviour behaviour;

  Metric(String key, String label, Behaviour behaviour) {
    this.key = key;
    this.label = label;
    this.behaviour = behaviour;
  }

  /** The JSON key, e.g. {@code reflectivePer1k}. */
  public String key() {
    return key;
  }

  /** A human label for charts and tables. */
  public String label() {
    return label;
  }

  /** The behaviour a per-1k detector metric counts, empty for the others. */
  public Optional<Behaviour> behaviour() {
    return Optional.ofNullable(behaviour);
  }

  /** The metric counting spans of {@code b}. */
  public static Metric of(Behaviour b) {
    for (Metric m : values()) {
      if (m.behaviour == b) {
        return m;
      }
    }
    throw new IllegalArgumentException("no metric for " + b);
  }
}
