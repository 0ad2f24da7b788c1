package io.ltm.dataset.chat;

import io.ltm.core.generate.ChatMessage;
import io.ltm.core.generate.ChatMessage.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Renders chat messages to Qwen3 ChatML text, byte for byte what the Qwen3 {@code chat_template}
 * (the one in Qwen3's {@code tokenizer_config.json}) renders through transformers'
 * {@code apply_chat_template} for the same messages, without tools. A Java port of that template,
 * not a Jinja engine; equality is proven against fixtures rendered by Jinja2 itself
 * ({@code ltm-dataset/src/test/python/render_chat_fixtures.py}).
 *
 * <h2>Contract (what the template does, and so what this class does)</h2>
 * <ul>
 *   <li>A first {@code system} message renders as {@code <|im_start|>system\n{content}<|im_end|>\n};
 *       a later system message renders like a user message.
 *   <li>{@code user} messages render as {@code <|im_start|>user\n{content}<|im_end|>\n}, content
 *       verbatim (no stripping).
 *   <li>The <em>last query</em> is the last user message whose content is not wrapped in
 *       {@code <tool_response>...</tool_response>}; without one, it is the last message.
 *   <li>An assistant message's reasoning is {@link ChatMessage#reasoning()}. This class maps an
 *       empty reasoning to an <em>absent</em> {@code reasoning_content} key (the template then
 *       takes the reasoning from a {@code <think>...</think>} written inside the content, if the
 *       content contains {@code </think>}).
 *   <li>Assistant turns after the last query render their reasoning:
 *       {@code <|im_start|>assistant\n<think>\n{reasoning stripped of \n}\n</think>\n\n{content with
 *       leading \n removed}<|im_end|>\n} — the last message always (an empty think block when it has
 *       no reasoning), earlier ones only when their reasoning is non-empty. Every other assistant
 *       turn, in particular those before the last query, drops its reasoning:
 *       {@code <|im_start|>assistant\n{content}<|im_end|>\n}. So in multi-turn conversations only the
 *       final exchange carries thinking, as Qwen3 is served.
 *   <li>With a generation prompt the text ends in {@code <|im_start|>assistant\n}, followed by
 *       {@code <think>\n\n</think>\n\n} when thinking is disabled. {@code enable_thinking} changes
 *       nothing else.
 * </ul>
 * Tools and tool calls are not supported (scenes have none); a {@code tool} role does not exist in
 * {@link ChatMessage}. Stateless and thread-safe.
 */
public final class Qwen3ChatTemplate {
  /** Starts a turn; a single special token in Qwen3's vocabulary. */
  public static final String IM_START = "<|im_start|>";
  /** Ends a turn; Qwen3's eos token. */
  public static final String IM_END = "<|im_end|>";
  /** Opens the reasoning block. */
  public static final String THINK = "<think>";
  /** Closes the reasoning block. */
  public static final String THINK_END = "</think>";

  private static final Qwen3ChatTemplate INSTANCE = new Qwen3ChatTemplate();

  private Qwen3ChatTemplate() {}

  /** The renderer (stateless). */
  public static Qwen3ChatTemplate get() {
    return INSTANCE;
  }

  /** A full conversation for training: no generation prompt. */
  public RenderedChat renderForTraining(List<ChatMessage> messages) {
    return render(messages, false, true);
  }

  /** A prompt for generation: the messages, then {@code <|im_start|>assistant\n}. */
  public RenderedChat renderPrompt(List<ChatMessage> messages, boolean enableThinking) {
    return render(messages, true, enableThinking);
  }

  /**
   * Renders {@code messages} as the template does.
   *
   * @param messages at least one message
   * @param addGenerationPrompt transformers' {@code add_generation_prompt}
   * @param enableThinking transformers' {@code enable_thinking}; only {@code false} changes the text
   *     (an empty think block after the generation prompt)
   * @throws IllegalArgumentException when {@code messages} is empty
   */
  public RenderedChat render(List<ChatMessage> messages, boolean addGenerationPrompt, boolean enableThinking) {
    Objects.requireNonNull(messages, "messages");
    if (messages.isEmpty()) {
      throw new IllegalArgumentException("a chat needs at least one message");
    }
    int n = messages.size();
    StringBuilder sb = new StringBuilder(estimate(messages));
    if (messages.get(0).role() == Role.SYSTEM) {
      sb.append(IM_START).append("system\n").append(messages.get(0).content()).append(IM_END).append('\n');
    }
    int lastQuery = n - 1;
    for (int i = n - 1; i >= 0; i--) {
      ChatMessage m = messages.get(i);
      if (m.role() == Role.USER && !isToolResponse(m.content())) {
        lastQuery = i;
        break;
      }
    }
    List<AssistantTurn> turns = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ChatMessage m = messages.get(i);
      if (m.role() == Role.USER || (m.role() == Role.SYSTEM && i > 0)) {
        sb.append(IM_START).append(m.role().templateName()).append('\n').append(m.content()).append(IM_END).append('\n');
      } else if (m.role() == Role.ASSISTANT) {
        String content = m.content();
        String reasoning = m.reasoning();
        if (reasoning.isEmpty() && content.contains(THINK_END)) {
          // Python: content.split('</think>')[-1].lstrip('\n') and
          // content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n')
          String before = content.substring(0, content.indexOf(THINK_END));
          String after = content.substring(content.lastIndexOf(THINK_END) + THINK_END.length());
          content = stripLeadingNewlines(after);
          String r = stripTrailingNewlines(before);
          int open = r.lastIndexOf(THINK);
          reasoning = stripLeadingNewlines(open < 0 ? r : r.substring(open + THINK.length()));
        }
        int start = sb.length();
        sb.append(IM_START).append("assistant\n");
        int bodyStart = sb.length();
        int thinkEnd = bodyStart;
        if (i > lastQuery && (i == n - 1 || !reasoning.isEmpty())) {
          sb.append(THINK).append('\n').append(stripNewlines(reasoning)).append('\n').append(THINK_END).append("\n\n");
          thinkEnd = sb.length();
          sb.append(stripLeadingNewlines(content));
        } else {
          sb.append(content);
        }
        int contentEnd = sb.length();
        sb.append(IM_END);
        int imEndEnd = sb.length();
        sb.append('\n');
        turns.add(new AssistantTurn(i, start, bodyStart, thinkEnd, contentEnd, imEndEnd, sb.length()));
      }
    }
    if (addGenerationPrompt) {
      sb.append(IM_START).append("assistant\n");
      if (!enableThinking) {
        sb.append(THINK).append("\n\n").append(THINK_END).append("\n\n");
      }
    }
    String text = sb.toString();
    int promptEnd = addGenerationPrompt || turns.isEmpty() ? text.length() : turns.get(0).bodyStart();
    return new RenderedChat(text, turns, promptEnd);
  }

  private static boolean isToolResponse(String content) {
    return content.startsWith("<tool_response>") && content.endsWith("</tool_response>");
  }

  private static int estimate(List<ChatMessage> messages) {
    int len = 64;
    for (ChatMessage m : messages) {
      len += m.content().length() + m.reasoning().length() + 48;
    }
    return len;
  }

  /** Python's {@code s.lstrip('\n')}. */
  static String stripLeadingNewlines(String s) {
    int b = 0;
    while (b < s.length() && s.charAt(b) == '\n') {
      b++;
    }
    return s.substring(b);
  }

  /** Python's {@code s.rstrip('\n')}. */
  static String stripTrailingNewlines(String s) {
    int e = s.length();
    while (e > 0 && s.charAt(e - 1) == '\n') {
      e--;
    }
    return s.substring(0, e);
  }

  /** Python's {@code s.strip('\n')}. */
  static String stripNewlines(String s) {
    return stripTrailingNewlines(stripLeadingNewlines(s));
  }
}
