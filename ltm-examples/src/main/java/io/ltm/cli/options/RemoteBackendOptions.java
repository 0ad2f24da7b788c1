package io.ltm.cli.options;

import io.ltm.examples.RemoteBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Where the thinking loop's text comes from: ltm's own engine ({@code --backend local}, the default) or
 * an OpenAI-compatible server ({@code --backend openai --url URL --model NAME}, e.g. vLLM, llama.cpp's
 * server, Ollama or {@code ltm serve}), with the server-side options. {@link #backend} checks the
 * combination and names the flag at fault.
 */
public final class RemoteBackendOptions {
  @Option(names = "--backend", paramLabel = "KIND", defaultValue = "local", description = "local (ltm's engine on --base) or "
      + "openai (an OpenAI-compatible server at --url; nothing is trained or loaded here) (default: ${DEFAULT-VALUE})")
  String backend;

  @Option(names = "--url", description = "with --backend openai: the server, e.g. http://127.0.0.1:8000/v1")
  String url;

  @Option(names = "--model", paramLabel = "NAME", description = "with --backend openai: the base model's served name")
  String model;

  @Option(names = "--adapter-model", paramLabel = "NAME", description = "with --backend openai: an adapter's served name "
      + "(vLLM --lora-modules NAME=DIR, ltm serve --adapter NAME=DIR); repeatable")
  List<String> adapterModels = new ArrayList<>();

  @Option(names = "--api-key", description = "with --backend openai: bearer token (default: the OPENAI_API_KEY environment variable)")
  String apiKey;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "" + RemoteBackend.DEFAULT_TIMEOUT_SECONDS,
      description = "with --backend openai: seconds a response may take to start and a stream may stay silent "
          + "(default: ${DEFAULT-VALUE})")
  int timeout;

  @Option(names = "--retries", paramLabel = "N", defaultValue = "" + RemoteBackend.DEFAULT_RETRIES, description = "with "
      + "--backend openai: retries on 429/502/503/504, with backoff honouring Retry-After (default: ${DEFAULT-VALUE})")
  int retries;

  @Option(names = "--top-logprobs", paramLabel = "K", defaultValue = "20", description = "with --backend openai: alternatives "
      + "per token for the entropy estimate, 0..20; 0 asks for no logprobs (default: ${DEFAULT-VALUE})")
  int topLogprobs;

  /**
   * The server to use, or null for the local engine.
   *
   * @param base {@code --base}, or null
   * @param baseRequired whether the local engine needs {@code --base} (false where a default model exists)
   * @param localAdapters the local {@code --adapter} folders given (refused with the server)
   * @throws CommandLine.ParameterException naming the flag when the combination does not fit
   */
  public RemoteBackend backend(CommandLine cl, Path base, boolean baseRequired, List<Path> localAdapters) {
    switch (backend) {
      case "local":
        if (baseRequired && base == null) {
          throw new CommandLine.ParameterException(cl, "--base DIR is required with --backend local "
              + "(or use --backend openai --url URL --model NAME)");
        }
        if (url != null || model != null || !adapterModels.isEmpty()) {
          throw new CommandLine.ParameterException(cl, "--url, --model and --adapter-model need --backend openai");
        }
        return null;
      case "openai":
        if (url == null || model == null) {
          throw new CommandLine.ParameterException(cl, "--backend openai needs --url URL and --model NAME "
              + "(the base model's name as the server lists it at GET /v1/models)");
        }
        if (localAdapters != null && !localAdapters.isEmpty()) {
          throw new CommandLine.ParameterException(cl, "--adapter DIR runs a local adapter; with --backend openai an adapter is "
              + "a served model name: serve it (vLLM --lora-modules NAME=DIR) and pass --adapter-model NAME");
        }
        String key = apiKey != null ? apiKey : System.getenv("OPENAI_API_KEY");
        try {
          return new RemoteBackend(url, model, adapterModels, key, java.time.Duration.ofSeconds(timeout), retries, topLogprobs);
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(cl, e.getMessage());
        }
      default:
        throw new CommandLine.ParameterException(cl, "--backend must be local or openai but got '" + backend + "'");
    }
  }
}
