package io.ltm.core.generate;

import java.util.Objects;

/**
 * Anything that continues a chat: our own engine with or without an adapter, or a remote
 * OpenAI-compatible server. The thinking loop and the model-based metrics see only this contract.
 *
 * <p>Backends implement {@link #doGenerate}; callers use {@link #generate}, which checks the request
 * once. A backend that cannot honour a setting (say, per-token entropy) documents what it returns
 * instead; it never silently ignores a request field it could honour.
 */
public interface TextGenerator {

  /** A short name of the model behind this generator, recorded in traces. */
  String modelName();

  /** Generates a continuation of {@code request.messages()}. */
  default Generation generate(GenerationRequest request) {
    Objects.requireNonNull(request, "request");
    return doGenerate(request);
  }

  /** The one method a backend implements; {@code request} is already checked. */
  Generation doGenerate(GenerationRequest request);
}
