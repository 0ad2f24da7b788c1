package io.ltm.core.generate;

import java.util.Objects;
import java.util.OptionalInt;

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

  /**
   * The one method a backend implements; {@code request} is already checked.
   *
   * @throws GenerationFailedException when a generation started and could not finish (the loop records
   *     it as a failed iteration and retries it on resume)
   */
  Generation doGenerate(GenerationRequest request);

  /**
   * Empty when {@link GeneratedToken#entropy()} is the entropy of the model's full next-token
   * distribution (or NaN); {@code k} when it is an estimate over only the top {@code k} alternatives a
   * remote server returned, renormalised to sum to one. Such an estimate is a lower bound of the full
   * entropy (the renormalised top-k distribution majorises the full one), exact only when the top k
   * hold all the mass. Traces record it, so metrics never mix the two silently. Default: empty.
   */
  default OptionalInt entropyTopK() {
    return OptionalInt.empty();
  }
}
