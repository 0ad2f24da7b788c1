package io.ltm.dataset.chat;

import io.ltm.core.generate.ChatMessage;
import io.ltm.core.scene.Scene;
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
