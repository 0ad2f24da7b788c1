package io.ltm.examples;

import io.ltm.openai.OpenAiChatGenerator;
import io.ltm.openai.RetryPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * An OpenAI-compatible server to run the thinking loop on: its URL, the served name of the base
 * model, and the served names of adapters over it (vLLM serves each PEFT adapter given to {@code
 * --lora-modules NAME=DIR} as the model {@code NAME}). Traces record the base's name as the model and
 * each adapter's served name as the adapter, so {@code ltm metrics} and {@code ltm report} compare
 * them as they compare local adapters. Immutable.
 *
 * @param url the server, e.g. {@code http://127.0.0.1:8000/v1}
 * @param model the base model's served name
 * @param adapterModels the adapters' served names, in order, no duplicates, none equal to {@code model}
 * @param apiKey the bearer token, or null
 * @param timeout how long a response may take to start, and a stream may stay silent
 * @param retries retries on 429/502/503/504 and on a response that does not start in time
 * @param topLogprobs alternatives per token for the entropy estimate, 0..20 (0 = no logprobs)
 */
public record RemoteBackend(String url, String model, List<String> adapterModels, String apiKey, Duration timeout,
    int retries, int topLogprobs) {

  /** Seconds a response may take to start or a stream may stay silent, by default. */
  public static final int DEFAULT_TIMEOUT_SECONDS = 300;
  /** Retries by default. */
  public static final int DEFAULT_RETRIES = 5;

  public RemoteBackend {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(model, "model");
    adapterModels = List.copyOf(adapterModels == null ? List.of() : adapterModels);
    if (model.isBlank()) {
      throw new IllegalArgumentException("--model must name the base model as the server serves it");
    }
    if (adapterModels.contains(model)) {
      throw new IllegalArgumentException("--adapter-model " + model + " is the base --model itself");
    }
    if (adapterModels.stream().distinct().count() != adapterModels.size()) {
      throw new IllegalArgumentException("--adapter-model names repeat: " + adapterModels);
    }
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("--timeout must be positive but got " + timeout.toSeconds() + " s");
    }
    if (retries < 0) {
      throw new IllegalArgumentException("--retries must be >= 0 but got " + retries);
    }
    OpenAiChatGenerator.builder().baseUrl(url).model(model).topLogprobs(topLogprobs).build(); // checks URL and topLogprobs now
  }

  /** A generator for one served model name: the base or an adapter. */
  public OpenAiChatGenerator generator(String servedName) {
    return OpenAiChatGenerator.builder().baseUrl(url).model(servedName).apiKey(apiKey).requestTimeout(timeout)
        .idleTimeout(timeout).retry(new RetryPolicy(retries, Duration.ofSeconds(1), Duration.ofSeconds(60)))
        .topLogprobs(topLogprobs).build();
  }
}
