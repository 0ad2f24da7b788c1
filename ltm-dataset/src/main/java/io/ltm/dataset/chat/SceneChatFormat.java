package io.ltm.dataset.chat;

import io.ltm.core.generate.ChatMessage;
import io.ltm.core.scene.Scene;
import io.ltm.core.scene.ScoringText;
import io.ltm.core.scene.Step;
import io.ltm.core.scene.StepKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns a {@link Scene} into chat messages:
 * <ul>
 *   <li>a system message when a system prompt is set (stripped; none when blank);
 *   <li>the user message: the scene's {@code context} and {@code prompt}, each stripped of
 *       surrounding white space, joined by one blank line ({@code context + "\n\n" + prompt}); just
 *       the prompt when the context is blank;
 *   <li>the assistant message: content = the answer, stripped; reasoning = the steps rendered by
 *       the {@link StepStyle} and joined by a blank line.
 * </ul>
 * Stripping keeps the text stable under YAML block scalars ({@code |} adds a final newline) and
 * matches what the Qwen3 template does to reasoning anyway. Immutable and thread-safe.
 */
public final class SceneChatFormat {
  /** The separator between steps, and between context and prompt. */
  public static final String BLANK_LINE = "\n\n";

  private final String systemPrompt;
  private final StepStyle stepStyle;

  /**
   * @param systemPrompt the system message, or null/blank for none
   * @param stepStyle how steps are rendered
   */
  public SceneChatFormat(String systemPrompt, StepStyle stepStyle) {
    this.systemPrompt = systemPrompt == null ? "" : systemPrompt.strip();
    this.stepStyle = Objects.requireNonNull(stepStyle, "stepStyle");
  }

  /** No system prompt, plain steps. */
  public static SceneChatFormat plain() {
    return new SceneChatFormat(null, StepStyle.PLAIN);
  }

  /** The system prompt ("" for none). */
  public String systemPrompt() {
    return systemPrompt;
  }

  /** The step style. */
  public StepStyle stepStyle() {
    return stepStyle;
  }

  /** The user message's text for {@code scene}. */
  public String userText(Scene scene) {
    String context = scene.context().strip();
    String prompt = scene.prompt().strip();
    return context.isEmpty() ? prompt : context + BLANK_LINE + prompt;
  }

  /** The messages and metadata for {@code scene}. */
  public ChatExample toExample(Scene scene) {
    Objects.requireNonNull(scene, "scene");
    List<ChatMessage> messages = new ArrayList<>(3);
    if (!systemPrompt.isEmpty()) {
      messages.add(ChatMessage.system(systemPrompt));
    }
    messages.add(ChatMessage.user(userText(scene)));
    StringBuilder reasoning = new StringBuilder();
    List<StepKind> kinds = new ArrayList<>(scene.thought().size());
    List<Integer> offsets = new ArrayList<>(scene.thought().size());
    for (Step step : scene.thought()) {
      if (reasoning.length() > 0) {
        reasoning.append(BLANK_LINE);
      }
      offsets.add(reasoning.length());
      kinds.add(step.kind());
      reasoning.append(stepStyle.render(step));
    }
    messages.add(ChatMessage.assistant(scene.answer().strip(), reasoning.toString()));
    return new ChatExample(scene.id(), scene.lang(), messages, kinds, offsets);
  }

  /**
   * The scene cut for scoring exactly as {@link #toExample} renders it for training through the Qwen3
   * template ({@link Qwen3ChatTemplate#renderForTraining}): prefix = the ChatML up to and including
   * {@code <|im_start|>assistant\n<think>\n}, the reasoning, {@code \n</think>\n\n}, the answer. The
   * pieces concatenated (plus {@code <|im_end|>\n}) are the training text.
   */
  public ScoringText scoringText(Scene scene) {
    RenderedChat r = Qwen3ChatTemplate.get().renderForTraining(toExample(scene).messages());
    AssistantTurn t = r.assistantTurns().get(r.assistantTurns().size() - 1);
    String open = Qwen3ChatTemplate.THINK + "\n";
    String close = "\n" + Qwen3ChatTemplate.THINK_END + "\n\n";
    String text = r.text();
    if (!t.hasThinkBlock() || !text.startsWith(open, t.bodyStart())) {
      throw new IllegalStateException("scene '" + scene.id() + "': the template rendered no think block");
    }
    int reasoningStart = t.bodyStart() + open.length();
    int reasoningEnd = t.thinkEnd() - close.length();
    return new ScoringText(text.substring(0, reasoningStart), text.substring(reasoningStart, reasoningEnd), close,
        text.substring(t.thinkEnd(), t.contentEnd()));
  }

  /** The prompt messages only (system + user), e.g. to ask a model the scene's question. */
  public List<ChatMessage> promptMessages(Scene scene) {
    List<ChatMessage> messages = new ArrayList<>(2);
    if (!systemPrompt.isEmpty()) {
      messages.add(ChatMessage.system(systemPrompt));
    }
    messages.add(ChatMessage.user(userText(scene)));
    return messages;
  }
}
