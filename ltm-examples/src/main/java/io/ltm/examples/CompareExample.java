package io.ltm.examples;

import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.lora.generate.AdapterGenerator;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Example: the base model and the base with an adapter answer the same prompt, one base load. Then
 * the base's answer is scored under the adapter: the mean log-probability difference on the same
 * tokens (Schulman's k1 estimate of how far the adapter moved the model on this text).
 *
 * <pre>{@code
 * java ... io.ltm.examples.CompareExample BASE_DIR ADAPTER_DIR "Why does the first LoRA run keep being postponed?"
 * }</pre>
 */
public final class CompareExample {
  private CompareExample() {}

  /**
   * What the comparison found.
   *
   * @param base the base model's generation
   * @param adapter the adapter's generation
   * @param meanLogprobShift mean over the base's generated tokens of log p_adapter - log p_base
   */
  public record Result(Generation base, Generation adapter, double meanLogprobShift) {}

  /** Greedy generations with base and adapter, and the adapter's log-probability shift on the base's tokens. */
  public static Result compare(Path baseDir, Path adapterDir, String prompt, int maxNewTokens) throws Exception {
    try (LocalModel model = LocalModel.open(baseDir); LoraModel lora = new LoraModel(model.decoder())) {
      lora.load(adapterDir, "adapter");
      GenerationRequest request = GenerationRequest.builder().prompt(prompt).maxNewTokens(maxNewTokens)
          .temperature(0.0).build();                                     // greedy: differences are the adapter's
      Generation base = new AdapterGenerator(model, lora, AdapterSelection.BASE).generate(request);
      Generation tuned = new AdapterGenerator(model, lora, "adapter").generate(request);

      // Score prompt + base answer under the adapter; compare with the base's own logprobs.
      List<Integer> ids = new ArrayList<>();
      for (int id : model.generator().promptIds(request)) {
        ids.add(id);
      }
      base.tokens().forEach(t -> ids.add(t.id()));
      double[] underAdapter;
      try (AdapterSelection.Scope use = lora.use("adapter")) {
        underAdapter = model.scorer().logprobs(ids);                     // logprobs[i] = log p(ids[i+1] | ids[..i])
      }
      int first = ids.size() - base.tokens().size() - 1;               // logprob index of the first generated token
      double shift = 0;
      for (int i = 0; i < base.tokens().size(); i++) {
        GeneratedToken t = base.tokens().get(i);
        shift += underAdapter[first + i] - t.logprob();
      }
      return new Result(base, tuned, base.tokens().isEmpty() ? 0 : shift / base.tokens().size());
    }
  }

  /** {@code CompareExample BASE_DIR ADAPTER_DIR PROMPT [MAX_NEW_TOKENS]}. */
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: CompareExample BASE_DIR ADAPTER_DIR PROMPT [MAX_NEW_TOKENS]");
      System.exit(2);
    }
    int maxNew = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    Result r = compare(Path.of(args[0]), Path.of(args[1]), args[2], maxNew);
    System.out.println("== base\n<think>" + r.base().reasoning() + "</think>\n" + r.base().answer());
    System.out.println("== adapter\n<think>" + r.adapter().reasoning() + "</think>\n" + r.adapter().answer());
    System.out.printf("mean log p_adapter - log p_base on the base's answer: %+.5f nats/token%n", r.meanLogprobShift());
  }
}
