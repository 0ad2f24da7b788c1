package io.ltm.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.loop.ContextSnippet;
import io.ltm.dataset.token.HfTokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The context budget counts the model's own tokens when a model is given (Russian text overshoots otherwise). */
class VaultContextTest {
  static final Path VAULT = Path.of("../examples/vault");
  static final Path TOKENIZER = Path.of("../examples/tokenizer/qwen3");
  static final int BUDGET = 200;
  static final String QUERY = "Что значит «помнить» для модели? Память и заметки, внешняя память";

  @TempDir static Path tmp;
  static Path index;

  @BeforeAll
  static void indexVault() {
    index = tmp.resolve("index");
    VaultContext.index(VAULT, index);
  }

  /** The model's tokens in the blocks the provider packed: label line, link line and text, as ContextBuilder writes them. */
  static int realTokens(HfTokenizer tok, List<ContextSnippet> snippets) {
    int n = 0;
    for (int i = 0; i < snippets.size(); i++) {
      ContextSnippet s = snippets.get(i);
      n += tok.encode("[" + (i + 1) + "] " + s.citation() + "\n" + s.uri() + "\n" + s.text().strip() + "\n\n").length();
    }
    return n;
  }

  @Test
  void budgetInTheModelsTokensHoldsForRussianNotes() throws Exception {
    try (HfTokenizer tok = HfTokenizer.load(TOKENIZER)) {
      List<ContextSnippet> approx;
      try (VaultContext c = VaultContext.open(index, BUDGET)) {
        approx = c.provider().retrieve(QUERY, "ru");
      }
      List<ContextSnippet> exact;
      try (VaultContext c = VaultContext.open(index, BUDGET, TOKENIZER)) {
        exact = c.provider().retrieve(QUERY, "ru");
      }
      assertThat(exact).isNotEmpty();
      assertThat(realTokens(tok, exact)).as("model tokens with the model's counter").isLessThanOrEqualTo(BUDGET);
      // The approximate counter (one token per word) undercounts Cyrillic subwords: the same budget overshoots.
      assertThat(realTokens(tok, approx)).as("model tokens with the approximate counter").isGreaterThan(BUDGET);
    }
  }
}
