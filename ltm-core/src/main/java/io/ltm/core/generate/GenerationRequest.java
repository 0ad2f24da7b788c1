package io.ltm.core.generate;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What to generate: the conversation so far and the sampling settings. Immutable; build with
 * {@link #builder()}. Defaults: 512 new tokens, temperature 0 (greedy), top-p 1, top-k 0 (off),
 * repetition penalty 1 (off), seed 0, thinking on, no stop strings, no listener.
 */
public record GenerationRequest(
    List<ChatMessage> messages,
    int maxNewTokens,
    double temperature,
    double topP,
    int topK,
    double repetitionPenalty,
    long seed,
    boolean enableThinking,
    List<String> stopStrings,
    Consumer<GeneratedToken> listener) {

  public GenerationRequest {
    messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("messages must not be empty");
    }
    if (maxNewTokens < 1) {
      throw new IllegalArgumentException("maxNewTokens must be >= 1 but got " + maxNewTokens);
    }
    if (!(temperature >= 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be finite and >= 0 but got " + temperature);
    }
    if (!(topP > 0 && topP <= 1)) {
      throw new IllegalArgumentException("topP must be in (0, 1] but got " + topP);
    }
    if (topK < 0) {
      throw new IllegalArgumentException("topK must be >= 0 (0 = off) but got " + topK);
    }
    if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
      throw new IllegalArgumentException("repetitionPenalty must be finite and > 0 but got " + repetitionPenalty);
    }
    stopStrings = List.copyOf(stopStrings == null ? List.of() : stopStrings);
  }

  /** A builder with the documented defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this request's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.messages = messages;
    b.maxNewTokens = maxNewTokens;
    b.temperature = temperature;
    b.topP = topP;
    b.topK = topK;
    b.repetitionPenalty = repetitionPenalty;
    b.seed = seed;
    b.enableThinking = enableThinking;
    b.stopStrings = stopStrings;
    b.listener = listener;
    return b;
  }

  /** Builds a {@link GenerationRequest}; {@link #build()} checks every value. */
  public static final class Builder {
    private List<ChatMessage> messages = List.of();
    private int maxNewTokens = 512;
    private double temperature = 0.0;
    private double topP = 1.0;
    private int topK = 0;
    private double repetitionPenalty = 1.0;
    private long seed = 0L;
    private boolean enableThinking = true;
    private List<String> stopStrings = List.of();
    private Consumer<GeneratedToken> listener;

    private Builder() {}

    public Builder messages(List<ChatMessage> messages) {
      this.messages = messages;
      return this;
    }

    /** A single user turn. */
    public Builder prompt(String userText) {
      this.messages = List.of(ChatMessage.user(userText));
      return this;
    }

    public Builder maxNewTokens(int maxNewTokens) {
      this.maxNewTokens = maxNewTokens;
      return this;
    }

    public Builder temperature(double temperature) {
      this.temperature = temperature;
      return this;
    }

    public Builder topP(double topP) {
      this.topP = topP;
      return this;
    }

    public Builder topK(int topK) {
      this.topK = topK;
      return this;
    }

    public Builder repetitionPenalty(double repetitionPenalty) {
      this.repetitionPenalty = repetitionPenalty;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder enableThinking(boolean enableThinking) {
      this.enableThinking = enableThinking;
      return this;
    }

    public Builder stopStrings(List<String> stopStrings) {
      this.stopStrings = stopStrings;
      return this;
    }

    /** Called once per generated token, in order, on the generating thread. */
    public Builder listener(Consumer<GeneratedToken> listener) {
      this.listener = listener;
      return this;
    }

    public GenerationRequest build() {
      return new GenerationRequest(
          messages, maxNewTokens, temperature, topP, topK, repetitionPenalty, seed, enableThinking,
          stopStrings, listener);
    }
  }
}
