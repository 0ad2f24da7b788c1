package io.ltm.cli;

import io.ltm.cli.options.BaseModelOption;
import io.ltm.cli.options.DeviceOption;
import io.ltm.cli.options.VerboseOption;
import io.ltm.cli.options.WeightsOption;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.lora.generate.LocalModel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ltm score}: teacher-forced log-probabilities of given tokens under a base model. */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = "Log-probabilities of tokens under a model: logprobs[i] = log p(ids[i+1] | ids[0..i]).")
public final class ScoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin BaseModelOption model;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  static final class Input {
    @Option(names = "--ids", split = ",", description = "token ids, comma separated")
    List<Integer> ids;

    @Option(names = "--text", description = "text to tokenize (no special tokens added)")
    String text;
  }

  @Option(names = "--adapter", description = "LoRA adapter applied to the base model: its folder (PEFT layout), a training run folder or its checkpoint-N folder")
  Path adapter;

  @Option(names = "--json", description = "print {\"ids\":[...],\"logprobs\":[...]}")
  boolean json;

  @Mixin DeviceOption device;

  @Mixin WeightsOption weights;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    Path base = model.require(spec.commandLine());
    BaseModelDir.require(base);
    // a PEFT folder, a training run folder (its adapter/) or a checkpoint-N folder, as `ltm loop` takes
    Path adapterDir = adapter == null ? null : io.ltm.examples.AdapterSpec.of(adapter).dir();
    try (LocalModel model = LocalModel.open(base, weights.loadOptions(device));
         io.ltm.lora.lora.LoraModel lora = adapter == null ? null : new io.ltm.lora.lora.LoraModel(model.decoder())) {
      if (lora != null) {
        lora.load(adapterDir, "adapter");
        lora.selection().setDefault("adapter");
      }
      List<Integer> ids = input.ids != null ? input.ids : model.scorer().tokenize(input.text);
      if (ids.size() < 2) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "scoring needs at least two tokens but got " + ids.size());
      }
      double[] lp = model.scorer().logprobs(ids);
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        ArrayNode a = o.putArray("ids");
        ids.forEach(a::add);
        ArrayNode l = o.putArray("logprobs");
        for (double v : lp) {
          l.add(v);
        }
        out.println(m.writeValueAsString(o));
      } else {
        double sum = 0;
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < lp.length; i++) {
          sum += lp[i];
          String piece = model.tokenizer().decode(new int[] {ids.get(i + 1)}).replace("\n", "\\n");
          rows.add(String.format("%5d %8d %10.4f  %s", i + 1, ids.get(i + 1), lp[i], piece));
        }
        out.printf("%5s %8s %10s  %s%n", "pos", "id", "logprob", "token");
        rows.forEach(out::println);
        out.printf("tokens scored: %d, total logprob: %.4f, perplexity: %.3f%n", lp.length, sum, Math.exp(-sum / lp.length));
      }
      out.flush();
    }
    return LtmCli.OK;
  }
}
