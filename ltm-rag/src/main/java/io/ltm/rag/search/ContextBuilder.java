package io.ltm.rag.search;

import io.ltm.rag.index.TokenCounter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Packs search results into a token budget for a prompt, each chunk labelled with its citation:
 *
 * <pre>
 * [1] ideas/LTM_2.md &gt; Plan &gt; Data, lines 9-14
 * obsidian://open?vault=vault&amp;file=ideas%2FLTM_2
 * chunk text ...
 * </pre>
 *
 * Results are taken best first; one that does not fit in what is left of the budget is skipped and
 * smaller ones after it may still fit. Immutable and thread-safe.
 */
public final class ContextBuilder {
  private final int budget;
  private final TokenCounter counter;

  /**
   * @param budget tokens the packed context may use (>= 1)
   * @param counter how tokens are counted (e.g. the generator's tokenizer)
   */
  public ContextBuilder(int budget, TokenCounter counter) {
    if (budget < 1) {
      throw new IllegalArgumentException("budget must be >= 1 but got " + budget);
    }
    this.budget = budget;
    this.counter = Objects.requireNonNull(counter, "counter");
  }

  /** The packed context. */
  public RetrievedContext build(List<SearchResult> results) {
    StringBuilder sb = new StringBuilder();
    List<SearchResult> used = new ArrayList<>();
    int tokens = 0;
    for (SearchResult r : results) {
      String block = "[" + (used.size() + 1) + "] " + r.citation().label() + "\n" + r.citation().uri() + "\n" + r.text().strip() + "\n\n";
      int t = counter.count(block);
      if (tokens + t <= budget) {
        sb.append(block);
        tokens += t;
        used.add(r);
      }
    }
    return new RetrievedContext(sb.toString().stripTrailing(), used, tokens);
  }

  /**
   * A packed context.
   *
   * @param text the labelled chunks, ready for a prompt
   * @param included the results in it, in the order of their labels {@code [1]}, {@code [2]}, ...
   * @param tokens tokens it uses by the builder's counter
   */
  public record RetrievedContext(String text, List<SearchResult> included, int tokens) {
    public RetrievedContext {
      Objects.requireNonNull(text, "text");
      included = List.copyOf(included);
    }
  }
}
