package io.ltm.lora.generate;

import io.ltm.core.generate.ChatMessage;
import java.util.List;

/**
 * The Qwen3 ChatML generation prompt, minimal: {@code <|im_start|>role\ncontent<|im_end|>\n} per
 * message, then {@code <|im_start|>assistant\n}, plus the empty {@code <think>\n\n</think>\n\n} when
 * thinking is off, as Qwen3's chat template does for {@code enable_thinking=false}. Earlier assistant
 * turns carry their answer only (the template drops their reasoning). The dataset module holds the
 * exact renderer; this one is private to generation until the two are unified.
 */
final class ChatPrompt {
  private ChatPrompt() {}

  static String render(List<ChatMessage> messages, boolean enableThinking) {
    StringBuilder sb = new StringBuilder();
    for (ChatMessage m : messages) {
      sb.append("<|im_start|>").append(m.role().templateName()).append('\n')
          .append(m.role() == ChatMessage.Role.ASSISTANT ? m.content().strip() : m.content())
          .append("<|im_end|>\n");
    }
    sb.append("<|im_start|>assistant\n");
    if (!enableThinking) {
      sb.append("<think>\n\n</think>\n\n");
    }
    return sb.toString();
  }
}
