package io.ltm.examples;

import io.ltm.core.loop.ModelVariant;
import io.ltm.core.loop.Probe;
import io.ltm.core.loop.ProbeResult;
import io.ltm.core.loop.ThinkingLoop;
import io.ltm.openai.OpenAiChatGenerator;
import io.ltm.openai.OpenAiException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ModelComparison}'s twin for a model behind an OpenAI-compatible server: the same probes
 * through the {@link ThinkingLoop} with the served base and with each served adapter ({@link
 * RemoteBackend}), one trace file, one run id. Before the first request it asks the server which
 * models it serves ({@code GET /v1/models}) and fails naming the missing ones; a server without that
 * endpoint gets a warning and is tried anyway. Not for concurrent use.
 */
public final class RemoteComparison {
  private static final Logger LOG = LoggerFactory.getLogger(RemoteComparison.class);

  private final RemoteBackend backend;
  private final boolean includeBase;
  private final UnaryOperator<ThinkingLoop.Builder> loopSettings;

  /**
   * @param backend the server and the served names
   * @param includeBase whether the base alone runs too
   * @param loopSettings iterations, settings, run id, context, listener of every variant's loop
   */
  public RemoteComparison(RemoteBackend backend, boolean includeBase, UnaryOperator<ThinkingLoop.Builder> loopSettings) {
    this.backend = Objects.requireNonNull(backend, "backend");
    this.includeBase = includeBase;
    this.loopSettings = Objects.requireNonNull(loopSettings, "loopSettings");
    if (!includeBase && backend.adapterModels().isEmpty()) {
      throw new IllegalArgumentException("nothing to run: the base is left out and no --adapter-model is given");
    }
  }

  /**
   * Checks the served names against {@code GET /v1/models}.
   *
   * @throws IllegalArgumentException naming the names the server does not serve, and those it does
   */
  public void checkServed() {
    List<String> served;
    try {
      served = backend.generator(backend.model()).servedModels();
    } catch (OpenAiException e) {
      if (e.status() == 0) {
        throw e; // not reachable at all
      }
      LOG.warn("could not list the served models ({}); trying the names given", e.getMessage());
      return;
    }
    List<String> wanted = new ArrayList<>();
    wanted.add(backend.model());
    wanted.addAll(backend.adapterModels());
    List<String> missing = wanted.stream().filter(n -> !served.contains(n)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(backend.url() + " does not serve " + missing + "; it serves " + served
          + " (vLLM: --served-model-name for the base, --lora-modules NAME=DIR for each adapter)");
    }
  }

  /** Runs every probe for the base (when included) and each adapter, appending to {@code traceFile}. */
  public List<ProbeResult> run(List<Probe> probes, Path traceFile) throws IOException {
    checkServed();
    List<ProbeResult> results = new ArrayList<>();
    if (includeBase) {
      results.addAll(loop(backend.generator(backend.model()), ModelVariant.base(backend.model())).run(probes, traceFile));
    }
    for (String a : backend.adapterModels()) {
      results.addAll(loop(backend.generator(a), new ModelVariant(backend.model(), a, null)).run(probes, traceFile));
    }
    return results;
  }

  private ThinkingLoop loop(OpenAiChatGenerator g, ModelVariant v) {
    return loopSettings.apply(ThinkingLoop.builder()).generator(g).variant(v).build();
  }
}
