package io.ltm.dataset.token;

/**
 * Which tokens of a chat example count in the loss; all others get the label {@link Labels#IGNORE}
 * ({@code -100}, PyTorch's {@code ignore_index}). Spans are character spans of every assistant turn
 * of the rendered ChatML text; a token counts when its first character lies in a span.
 */
public enum LossTarget {
  /**
   * The default: everything the model writes in an assistant turn — {@code <think>\n}, the
   * reasoning, {@code \n</think>\n\n}, the answer and the closing {@code <|im_end|>}. Not the
   * {@code <|im_start|>assistant\n} header (the prompt supplies it at inference).
   */
  ASSISTANT,
  /** The answer and the closing {@code <|im_end|>} only (the think block is context). */
  ANSWER,
  /** The think block only, {@code <think>} through {@code </think>\n\n}. */
  THINK,
  /** Every token (continued-pretraining style; used for notes). */
  ALL
}
