package io.ltm.cli;

import io.ltm.cli.options.BaseModelOption;
import io.ltm.cli.options.ContextBudgetOption;
import io.ltm.cli.options.DeviceOption;
import io.ltm.cli.options.VerboseOption;
import io.ltm.cli.options.WeightsOption;
import io.ltm.examples.AdapterSpec;
import io.ltm.examples.VaultContext;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.GenerationConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.server.OpenAiServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ltm serve}: the model (and its adapters, and the vault) behind an OpenAI-compatible API. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
        "Serve a model, its LoRA adapters and (with --index) vault-grounded answers over the OpenAI API: "
            + "GET /v1/models, POST /v1/chat/completions, POST /v1/completions (streaming, logprobs).",
        "Any OpenAI client works: base URL http://127.0.0.1:8000/v1, model = the base folder's name, an adapter's NAME, "
            + "or NAME+vault for retrieval with citations. Stop with Ctrl-C. See docs/serving.md."})
public final class ServeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin BaseModelOption model;

  @Option(names = "--adapter", paramLabel = "NAME=DIR", description = "serve a LoRA adapter under NAME: its folder (PEFT layout), "
      + "a training run folder or its checkpoint-N folder (repeatable, as vLLM's --lora-modules)")
  List<String> adapters;

  @Option(names = "--served-model-name", paramLabel = "NAME", description = "the base model's name in the API (default: its folder's name)")
  String servedModelName;

  @Option(names = "--index", paramLabel = "DIR", description = "vault index (ltm index): requests may ask for retrieval "
      + "(model NAME+vault, or \"ltm\": {\"retrieve\": true, \"k\": 5}) and get citations back")
  Path index;

  @Mixin ContextBudgetOption contextBudget;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on; anything but loopback needs --api-key (default: ${DEFAULT-VALUE})")
  String host;

  @Option(names = "--port", defaultValue = "8000", description = "port; 0 picks a free one (default: ${DEFAULT-VALUE})")
  int port;

  @Option(names = "--api-key", paramLabel = "KEY", description = "require \"Authorization: Bearer KEY\" on every request")
  String apiKey;

  @Option(names = "--cors-origin", paramLabel = "ORIGIN", description = "let web pages of ORIGIN call the API from a browser, "
      + "e.g. app://obsidian.md for Obsidian plugins that use fetch (repeatable; default none)")
  List<String> corsOrigins;

  @Option(names = "--max-new-tokens", defaultValue = "512", description = "token budget of a request that gives no max_tokens (default: ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--max-batch", defaultValue = "16", description = "most requests decoded together (default: ${DEFAULT-VALUE})")
  int maxBatch;

  @Option(names = "--queue", defaultValue = "64", description = "most requests waiting; more get 429 (default: ${DEFAULT-VALUE})")
  int queue;

  @Mixin DeviceOption device;

  @Mixin WeightsOption weights;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    Map<String, Path> named = parseAdapters();
    checkOptions();
    boolean loopback = OpenAiServer.isLoopback(host);
    if (!loopback && apiKey == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--host " + host + " serves beyond this machine: "
          + "give --api-key KEY too (clients send it as \"Authorization: Bearer KEY\"), or keep --host 127.0.0.1");
    }
    Path base = model.require(spec.commandLine());
    BaseModelDir.require(base);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!loopback) {
      err.println("WARNING: listening on " + host + ": every machine that reaches this address can use the model "
          + "(with the API key). Plain HTTP: put it behind TLS beyond a trusted network.");
    }
    List<Path> adapterDirs = new ArrayList<>();
    for (Path p : named.values()) {
      adapterDirs.add(AdapterSpec.of(p).dir());
    }
    try (LocalModel model = LocalModel.open(base, weights.loadOptions(device));
         LoraModel lora = named.isEmpty() ? null : new LoraModel(model.decoder());
         VaultContext vault = index == null ? null : VaultContext.open(index, contextBudget.budget(), base)) {
      int i = 0;
      for (String name : named.keySet()) {
        lora.load(adapterDirs.get(i++), name);
      }
      GenerationConfig gen = GenerationConfig.read(base.resolve("generation_config.json"), model.decoder().config().eosTokenIds());
      CountDownLatch stop = new CountDownLatch(1);
      OpenAiServer.Builder sb = OpenAiServer.builder().model(model).lora(lora).servedModelName(servedModelName)
          .vault(vault == null ? null : vault.provider()).generationDefaults(gen).host(host).port(port).apiKey(apiKey)
          .defaultMaxTokens(maxNewTokens).maxBatch(maxBatch).queueCapacity(queue);
      for (String o : corsOrigins == null ? List.<String>of() : corsOrigins) {
        sb.corsOrigin(o);
      }
      try (OpenAiServer server = sb.build().start()) {
        Thread hook = new Thread(stop::countDown, "ltm-serve-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        out.printf("ltm serve: %s%n", server.url());
        out.printf("models: %s%n", String.join(", ", server.modelNames()));
        out.printf("try: curl %s/chat/completions -H 'Content-Type: application/json' -d '{\"model\": \"%s\", "
            + "\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}], \"max_tokens\": 32}'%n",
            server.url(), server.modelNames().get(0));
        out.println("Ctrl-C stops it.");
        out.flush();
        stop.await();
      }
    }
    return LtmCli.OK;
  }

  private Map<String, Path> parseAdapters() {
    Map<String, Path> named = new LinkedHashMap<>();
    for (String a : adapters == null ? List.<String>of() : adapters) {
      int eq = a.indexOf('=');
      if (eq <= 0 || eq == a.length() - 1) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--adapter needs NAME=DIR (e.g. --adapter poet=runs/poet/adapter) but got \"" + a + "\"");
      }
      String name = a.substring(0, eq);
      if (named.put(name, Path.of(a.substring(eq + 1))) != null) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--adapter name \"" + name + "\" is given twice");
      }
    }
    return named;
  }

  private void checkOptions() {
    String problem = null;
    if (port < 0 || port > 65535) {
      problem = "--port must be in [0, 65535] but got " + port;
    } else if (maxNewTokens < 1) {
      problem = "--max-new-tokens must be at least 1 but got " + maxNewTokens;
    } else if (maxBatch < 1) {
      problem = "--max-batch must be at least 1 but got " + maxBatch;
    } else if (queue < 1) {
      problem = "--queue must be at least 1 but got " + queue;
    } else if (contextBudget.budget() < 1) {
      problem = "--context-budget must be at least 1 but got " + contextBudget.budget();
    } else if (apiKey != null && apiKey.isBlank()) {
      problem = "--api-key must not be blank";
    }
    if (problem != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), problem);
    }
  }
}
