package io.ltm.dataset.token;

import io.ltm.dataset.chat.AssistantTurn;
import io.ltm.dataset.chat.RenderedChat;
import java.util.ArrayList;
import java.util.List;

/**
 * Computes training labels from character spans: label {@code i} is {@code inputIds[i]} when token
 * {@code i} counts in the loss, else {@link #IGNORE}. Labels are aligned with the inputs as in
 * Hugging Face causal LMs (the model shifts them); the first token of every example is always
 * {@link #IGNORE}, since nothing in its own example predicts it (as transformers'
 * {@code DataCollatorWithFlattening} does for packed sequences).
 *
 * <p>A token counts when its first character lies in a counted span {@code [from, to)}. The
 * special tokens and the {@code \n\n} after {@code </think>} are separate tokens in Qwen3's
 * byte-level BPE, so the spans fall on token boundaries exactly.
 */
public final class Labels {
  /** The label of a token that does not count (PyTorch's {@code ignore_index}). */
  public static final int IGNORE = -100;

  private Labels() {}

  /**
   * The counted character spans of {@code chat} for {@code target}, as {@code [from, to)} pairs in
   * text order.
   *
   * @param labelNewlineAfterImEnd also count the {@code \n} after each assistant {@code <|im_end|>}
   *     (TRL's {@code qwen3_training.jinja} puts it inside {@code {% generation %}})
   */
  public static List<int[]> spans(RenderedChat chat, LossTarget target, boolean labelNewlineAfterImEnd) {
    return spans(chat, target, labelNewlineAfterImEnd, false);
  }

  /**
   * As {@link #spans(RenderedChat, LossTarget, boolean)}, optionally also counting each assistant
   * turn's {@code <|im_start|>assistant\n} header (for {@link LossTarget#ASSISTANT} only). With both
   * flags set the mask equals TRL's assistant-only loss with its {@code qwen3_training.jinja}, whose
   * {@code {% generation %}} block wraps the whole turn from {@code <|im_start|>} to the {@code \n}
   * after {@code <|im_end|>}.
   */
  public static List<int[]> spans(RenderedChat chat, LossTarget target, boolean labelNewlineAfterImEnd,
      boolean labelHeader) {
    List<int[]> spans = new ArrayList<>();
    if (target == LossTarget.ALL) {
      spans.add(new int[] {0, chat.text().length()});
      return spans;
    }
    for (AssistantTurn t : chat.assistantTurns()) {
      int end = labelNewlineAfterImEnd ? t.end() : t.imEndEnd();
      switch (target) {
        case ASSISTANT -> spans.add(new int[] {labelHeader ? t.start() : t.bodyStart(), end});
        case ANSWER -> spans.add(new int[] {t.thinkEnd(), end});
        case THINK -> {
          if (t.hasThinkBlock()) {
            spans.add(new int[] {t.bodyStart(), t.thinkEnd()});
          }
        }
        default -> throw new AssertionError(target);
      }
    }
    return spans;
  }

  /** Labels for {@code encoded} given counted spans in text order. */
  public static int[] fromSpans(Encoded encoded, List<int[]> spans) {
    int n = encoded.length();
    int[] ids = encoded.idsUnsafe();
    int[] starts = encoded.startsUnsafe();
    int[] labels = new int[n];
    int s = 0;
    for (int i = 0; i < n; i++) {
      int pos = starts[i];
      while (s < spans.size() && spans.get(s)[1] <= pos) {
        s++;
      }
      boolean counted = s < spans.size() && pos >= spans.get(s)[0] && pos < spans.get(s)[1];
      labels[i] = counted ? ids[i] : IGNORE;
    }
    if (n > 0) {
      labels[0] = IGNORE;
    }
    return labels;
  }
}
