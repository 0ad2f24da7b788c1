package io.ltm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.LoadOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ltm generate}: chat generation with a base model, streaming reasoning and answer. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Generate a reply to a prompt (Qwen3 chat format), streaming the reasoning and the answer.")
public final class GenerateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--base", required = true, description = "model directory (Hugging Face layout)")
  Path base;

  @Option(names = "--prompt", required = true, description = "the user message")
  String prompt;

  @Option(names = "--system", description = "an optional system message")
  String system;

  @Option(names = "--max-new-tokens", defaultValue = "512", description = "token budget (default: ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default: ${DEFAULT-VALUE})")
  double temperature;

  @Option(names = "--top-p", defaultValue = "1", description = "nucleus sampling mass (default: ${DEFAULT-VALUE})")
  double topP;

  @Option(names = "--top-k", defaultValue = "0", description = "0 = off (default: ${DEFAULT-VALUE})")
  int topK;

  @Option(names = "--repetition-penalty", defaultValue = "1", description = "1 = off (default: ${DEFAULT-VALUE})")
  double repetitionPenalty;

  @Option(names = "--seed", defaultValue = "0", description = "sampling seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--stop", description = "stop string (repeatable)")
  List<String> stop;

  @Option(names = "--no-think", description = "switch thinking off (enable_thinking=false)")
  boolean noThink;

  @Option(names = "--adapter", description = "LoRA adapter: its folder (PEFT layout), a training run folder or its checkpoint-N folder; repeat to compare several side by side")
  List<Path> adapters;

  @Option(names = "--with-base", description = "with --adapter: also generate with the base model, first")
  boolean withBase;

  @Option(names = "--json", description = "print one JSON object at the end instead of streaming")
  boolean json;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE})")
  String device;

  @Option(names = "--verbose", description = "print stack traces")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    checkOptions();
    BaseModelDir.require(base);
    List<Path> adapterDirs = new java.util.ArrayList<>();
    if (adapters != null) {
      for (Path a : adapters) {
        adapterDirs.add(io.ltm.examples.AdapterSpec.of(a).dir()); // a PEFT folder, a run folder or checkpoint-N
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    GenerationRequest.Builder b = GenerationRequest.builder()
        .maxNewTokens(maxNewTokens).temperature(temperature).topP(topP).topK(topK)
        .repetitionPenalty(repetitionPenalty).seed(seed).enableThinking(!noThink)
        .stopStrings(stop == null ? List.of() : stop);
    b.messages(system == null
        ? List.of(io.ltm.core.generate.ChatMessage.user(prompt))
        : List.of(io.ltm.core.generate.ChatMessage.system(system), io.ltm.core.generate.ChatMessage.user(prompt)));
    if (!json) {
      b.listener(t -> {
        out.print(t.text());
        out.flush();
      });
    }
    GenerationRequest request = b.build();
    try (LocalModel model = LocalModel.open(base, LoadOptions.on(LoadOptions.parseDevice(device)));
         io.ltm.lora.lora.LoraModel lora = adapters == null || adapters.isEmpty() ? null
             : new io.ltm.lora.lora.LoraModel(model.decoder())) {
      // Variants: the base alone, or (optionally the base and) each adapter, switched without reloading.
      List<String> names = new java.util.ArrayList<>();
      List<String> labels = new java.util.ArrayList<>();
      if (lora == null || withBase) {
        names.add(io.ltm.lora.lora.AdapterSelection.BASE);
        labels.add(null); // the base: "adapter": null in --json, as in trace records
      }
      if (lora != null) {
        for (int i = 0; i < adapters.size(); i++) {
          String name = "adapter-" + (i + 1);
          lora.load(adapterDirs.get(i), name);
          names.add(name);
          labels.add(adapters.get(i).toString());
        }
      }
      for (int v = 0; v < names.size(); v++) {
        if (lora != null) {
          lora.selection().setDefault(names.get(v));
          if (!json) {
            out.printf("%s== %s ==%n", v == 0 ? "" : "\n", labels.get(v) == null ? "base" : labels.get(v));
          }
        }
        generateOnce(model, request, out, lora != null, labels.get(v));
      }
    }
    return LtmCli.OK;
  }

  /** Flag values checked here so the message names the flag (a usage error, exit 2). */
  private void checkOptions() {
    String problem = null;
    if (maxNewTokens < 1) {
      problem = "--max-new-tokens must be at least 1 but got " + maxNewTokens;
    } else if (!Double.isFinite(temperature) || temperature < 0) {
      problem = "--temperature must be 0 (greedy) or more but got " + temperature;
    } else if (!(topP > 0 && topP <= 1)) {
      problem = "--top-p must be in (0, 1] but got " + topP;
    } else if (topK < 0) {
      problem = "--top-k must be 0 (off) or more but got " + topK;
    } else if (!Double.isFinite(repetitionPenalty) || repetitionPenalty <= 0) {
      problem = "--repetition-penalty must be more than 0 (1 = off) but got " + repetitionPenalty;
    }
    if (problem != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), problem);
    }
  }

  private void generateOnce(LocalModel model, GenerationRequest request, PrintWriter out, boolean labelled,
      String label) throws Exception {
    long start = System.nanoTime();
    Generation g = model.generator().generate(request);
    double seconds = (System.nanoTime() - start) / 1e9;
    if (json) {
      ObjectMapper m = new ObjectMapper();
      ObjectNode o = m.createObjectNode();
      o.put("model", g.model());
      if (labelled) {
        o.put("adapter", label); // null for the base
      }
      o.put("reasoning", g.reasoning());
      o.put("answer", g.answer());
      ArrayNode ids = o.putArray("ids");
      ArrayNode lps = o.putArray("logprobs");
      ArrayNode ents = o.putArray("entropies");
      for (GeneratedToken t : g.tokens()) {
        ids.add(t.id());
        lps.add(t.logprob());
        ents.add(t.entropy());
      }
      o.put("finish_reason", g.finishReason().name().toLowerCase(Locale.ROOT));
      o.put("seconds", seconds);
      out.println(m.writeValueAsString(o));
    } else {
      out.println();
      spec.commandLine().getErr().printf("[%d tokens in %.2f s, %.1f tokens/s, finish: %s]%n", g.tokens().size(),
          seconds, g.tokens().size() / seconds, g.finishReason().name().toLowerCase(Locale.ROOT));
    }
    out.flush();
  }
}
