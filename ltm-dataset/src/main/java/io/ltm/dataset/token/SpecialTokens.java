package io.ltm.dataset.token;

import java.util.OptionalInt;

/**
 * The ids of the tokens ChatML training needs, resolved and checked when a tokenizer loads.
 *
 * @param imStart {@code <|im_start|>}
 * @param imEnd {@code <|im_end|>}
 * @param think {@code <think>}
 * @param thinkEnd {@code </think>}
 * @param eos the configured {@code eos_token} (Qwen3: {@code <|im_end|>})
 * @param pad the configured {@code pad_token} (Qwen3: {@code <|endoftext|>}), else eos
 * @param endOfText {@code <|endoftext|>}: the document separator appended to plain-text examples
 * @param bos the configured {@code bos_token}, empty when none (Qwen3 has none)
 */
public record SpecialTokens(int imStart, int imEnd, int think, int thinkEnd, int eos, int pad, int endOfText, OptionalInt bos) {}
