package io.ltm.studio;

import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.core.generate.TextGenerator;
import io.ltm.dataset.chat.Qwen3ChatTemplate;
import io.ltm.lora.generate.LocalGenerator;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link TextGenerator} over one adapter (or the base) of a loaded model, with an optional
 * <em>thinking budget</em> (the Qwen3 model card's recipe): with a budget {@code B > 0} and thinking
 * enabled, the prompt opens {@code <think>} itself, the model reasons for at most {@code B} tokens,
 * and when it has not closed the block by then {@code </think>} is appended and it answers with the
 * rest of the token budget. Without a budget ({@code B = 0}) it is exactly the engine's generation
 * (what {@code ltm loop} runs). The budget is what lets a random model fill both panes, and keeps
 * long-winded real models answering.
 *
 * <p>Thread-safe as {@link LocalGenerator} is: each generation selects its adapter on the calling
 * thread for its duration. Closing is left to the owner of the model.
 */
final class ThinkingGenerator implements TextGenerator {
  private final LocalModel model;
  private final LocalGenerator generator;
  private final LoraModel lora;
  private final String adapter;
  private final String name;
  private final int thinkBudget;

  /**
   * @param adapter an attached adapter's name, or {@link AdapterSelection#BASE}
   * @param thinkBudget reasoning tokens before {@code </think>} is forced; 0 for no budget
   */
  ThinkingGenerator(LocalModel model, LoraModel lora, String adapter, String name, int thinkBudget) {
    this.model = Objects.requireNonNull(model, "model");
    this.lora = Objects.requireNonNull(lora, "lora");
    this.adapter = Objects.requireNonNull(adapter, "adapter");
    this.name = Objects.requireNonNull(name, "name");
    if (thinkBudget < 0) {
      throw new IllegalArgumentException("thinkBudget must be >= 0 but got " + thinkBudget);
    }
    this.thinkBudget = thinkBudget;
    this.generator = model.generator();
  }

  @Override
  public String modelName() {
    return name;
  }

  @Override
  @SuppressWarnings("try") // the scope selects the adapter; the body does not use it
  public Generation doGenerate(GenerationRequest request) {
    try (AdapterSelection.Scope s = lora.use(adapter)) {
      boolean budgeted = thinkBudget > 0 && request.enableThinking() && model.thinkStartId() >= 0 && model.thinkEndId() >= 0
          && request.maxNewTokens() > 1;
      if (!budgeted) {
        return generator.doGenerate(request);
      }
      return budgeted(request);
    }
  }

  private Generation budgeted(GenerationRequest request) {
    String prompt = Qwen3ChatTemplate.get().renderPrompt(request.messages(), true).text();
    int[] head = model.tokenizer().encode(prompt + Qwen3ChatTemplate.THINK + "\n");
    int budget = Math.min(thinkBudget, request.maxNewTokens() - 1);
    Generation first = generator.generateFromIds(List.of(head), List.of(request.toBuilder().maxNewTokens(budget).build())).get(0);
    boolean closed = first.tokens().stream().anyMatch(t -> t.id() == model.thinkEndId());
    if (closed || first.finishReason() != Generation.FinishReason.LENGTH) {
      return first;
    }
    // Still thinking when the budget ran out: close the block and answer with what is left.
    int[] reasoningIds = first.tokens().stream().mapToInt(GeneratedToken::id).toArray();
    int[] close = model.tokenizer().encode("\n" + Qwen3ChatTemplate.THINK_END + "\n\n");
    int[] ids = new int[head.length + reasoningIds.length + close.length];
    System.arraycopy(head, 0, ids, 0, head.length);
    System.arraycopy(reasoningIds, 0, ids, head.length, reasoningIds.length);
    System.arraycopy(close, 0, ids, head.length + reasoningIds.length, close.length);
    int rest = request.maxNewTokens() - first.tokens().size();
    Generation second = generator.generateFromIds(List.of(ids), List.of(request.toBuilder().maxNewTokens(rest).build())).get(0);
    List<GeneratedToken> tokens = new ArrayList<>(first.tokens());
    tokens.addAll(second.tokens());
    String reasoning = first.reasoning().isEmpty() ? first.answer() : first.reasoning();
    return new Generation(name, reasoning.strip(), second.answer(), tokens, second.finishReason());
  }
}
