package io.ltm.lora.generate;

import java.util.Arrays;

/**
 * Turns generated ids into text pieces one token at a time. Byte-level BPE splits a multi-byte UTF-8
 * character over several tokens; decoding such a token alone gives U+FFFD. This decoder holds the
 * tokens since the last complete piece and emits their text only once it no longer ends in an
 * incomplete character, so the concatenated pieces equal the decoded whole. Not thread-safe.
 */
final class StreamingDetokenizer {
  private static final char REPLACEMENT = '\uFFFD';

  private final ModelTokenizer tokenizer;
  private int[] pending = new int[16];
  private int count;

  StreamingDetokenizer(ModelTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** Adds {@code id} and returns the text that is now complete (often empty for a partial character). */
  String push(int id) {
    if (count == pending.length) {
      pending = Arrays.copyOf(pending, count * 2);
    }
    pending[count++] = id;
    String text = tokenizer.decode(pending, 0, count);
    if (!text.isEmpty() && text.charAt(text.length() - 1) == REPLACEMENT && count < 8) {
      return ""; // an incomplete UTF-8 sequence: wait for the next token (at most 4 bytes, so a few tokens)
    }
    count = 0;
    return text;
  }

  /** Whatever is still held (an incomplete character at the end of generation), decoded as is. */
  String flush() {
    String text = count == 0 ? "" : tokenizer.decode(pending, 0, count);
    count = 0;
    return text;
  }
}
