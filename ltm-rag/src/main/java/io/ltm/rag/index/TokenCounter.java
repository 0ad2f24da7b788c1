package io.ltm.rag.index;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts the tokens of a text for budgets (chunk sizes, context packing). Implementations are
 * thread-safe. The default approximates a subword tokenizer from below: every run of letters or
 * digits counts one token and every other visible character one more. A caller with the real
 * tokenizer (e.g. Qwen3's) can pass its own counter.
 */
@FunctionalInterface
public interface TokenCounter {

  /** The number of tokens in {@code text}. */
  int count(String text);

  /** The default approximate counter (words and punctuation marks). */
  static TokenCounter approximate() {
    return Approximate.INSTANCE;
  }

  /** The default counter's implementation. */
  final class Approximate implements TokenCounter {
    static final Approximate INSTANCE = new Approximate();
    private static final Pattern TOKEN = Pattern.compile("[\\p{L}\\p{N}]+|[^\\s\\p{L}\\p{N}]");

    private Approximate() {}

    @Override
    public int count(String text) {
      Matcher m = TOKEN.matcher(text);
      int n = 0;
      while (m.find()) {
        n++;
      }
      return n;
    }
  }
}
