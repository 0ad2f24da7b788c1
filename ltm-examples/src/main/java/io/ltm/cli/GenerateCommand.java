package io.ltm.cli;

import io.ltm.cli.options.AdapterOption;
import io.ltm.cli.options.BaseModelOption;
import io.ltm.cli.options.DeviceOption;
import io.ltm.cli.options.SamplingOptions;
import io.ltm.cli.options.SystemPromptOption;
import io.ltm.cli.options.VerboseOption;
import io.ltm.cli.options.WeightsOption;
import io.ltm.core.loop.GenerationSettings;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.lora.generate.LocalModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Mixin BaseModelOption model;

  @Option(names = "--prompt", required = true, description = "the user message")
  String prompt;

  @Mixin SystemPromptOption system;

  @Mixin SamplingOptions sampling;

  @Option(names = "--stop", description = "stop string (repeatable)")
  List<String> stop;

  @Mixin AdapterOption adapter;

  @Option(names = "--with-base", description = "with --adapter: also generate with the base model, first")
  boolean withBase;

  @Option(names = "--json", description = "print one JSON object at the end instead of streaming")
  boolean json;

  @Mixin DeviceOption device;

  @Mixin WeightsOption weights;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    GenerationSettings s = sampling.settings(spec.commandLine());
    Path base = model.require(spec.commandLine());
    BaseModelDir.require(base);
    List<Path> adapters = adapter.adapters();
    List<Path> adapterDirs = new java.util.ArrayList<>();
    for (Path a : adapters) {
      adapterDirs.add(io.ltm.examples.AdapterSpec.of(a).dir()); // a PEFT folder, a run folder or checkpoint-N
    }
    PrintWriter out = spec.commandLine().getOut();
    GenerationRequest.Builder b = GenerationRequest.builder()
        .maxNewTokens(s.maxNewTokens()).temperature(s.temperature()).topP(s.topP()).topK(s.topK())
        .repetitionPenalty(s.repetitionPenalty()).seed(s.seed()).enableThinking(s.enableThinking())
        .stopStrings(stop == null ? List.of() : stop);
    b.messages(system.system() == null
        ? List.of(io.ltm.core.generate.ChatMessage.user(prompt))
        : List.of(io.ltm.core.generate.ChatMessage.system(system.system()), io.ltm.core.generate.ChatMessage.user(prompt)));
    if (!json) {
      b.listener(t -> {
        out.print(t.text());
        out.flush();
      });
    }
    GenerationRequest request = b.build();
    try (LocalModel model = LocalModel.open(base, weights.loadOptions(device));
         io.ltm.lora.lora.LoraModel lora = adapters.isEmpty() ? null
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
