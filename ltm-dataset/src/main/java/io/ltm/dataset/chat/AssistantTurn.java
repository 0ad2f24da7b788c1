package io.ltm.dataset.chat;

/**
 * Where one assistant turn sits in a rendered ChatML text, as UTF-16 {@code char} offsets into
 * {@link RenderedChat#text()} (the same indices {@link String#substring(int, int)} takes).
 *
 * <pre>
 * &lt;|im_start|&gt;assistant\n&lt;think&gt;\n...\n&lt;/think&gt;\n\n answer &lt;|im_end|&gt;\n
 * ^start                   ^bodyStart          ^thinkEnd ^contentEnd ^imEndEnd ^end
 * </pre>
 *
 * @param messageIndex index of the message in the rendered list
 * @param start offset of {@code <|im_start|>}
 * @param bodyStart offset just after {@code <|im_start|>assistant\n}: where the model's own output begins
 * @param thinkEnd offset just after {@code </think>\n\n}; equal to {@code bodyStart} when the template
 *     rendered no think block for this turn
 * @param contentEnd offset of the closing {@code <|im_end|>}
 * @param imEndEnd offset just after the closing {@code <|im_end|>}
 * @param end offset just after the {@code \n} that follows {@code <|im_end|>}
 */
public record AssistantTurn(
    int messageIndex, int start, int bodyStart, int thinkEnd, int contentEnd, int imEndEnd, int end) {
  public AssistantTurn {
    if (!(0 <= start && start < bodyStart && bodyStart <= thinkEnd && thinkEnd <= contentEnd
        && contentEnd < imEndEnd && imEndEnd < end)) {
      throw new IllegalArgumentException("assistant turn offsets out of order: " + start + ", " + bodyStart
          + ", " + thinkEnd + ", " + contentEnd + ", " + imEndEnd + ", " + end);
    }
  }

  /** True when the template rendered a {@code <think>...</think>} block in this turn. */
  public boolean hasThinkBlock() {
    return thinkEnd > bodyStart;
  }
}
