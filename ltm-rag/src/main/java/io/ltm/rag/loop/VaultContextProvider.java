package io.ltm.rag.loop;

import io.ltm.core.loop.ContextProvider;
import io.ltm.core.loop.ContextSnippet;
import io.ltm.rag.index.TokenCounter;
import io.ltm.rag.search.ContextBuilder;
import io.ltm.rag.search.RetrievalRequest;
import io.ltm.rag.search.SearchMode;
import io.ltm.rag.search.SearchResult;
import io.ltm.rag.search.VaultSearcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Grounds the {@link io.ltm.core.loop.ThinkingLoop} in a vault: for each probe, searches the index
 * ({@link VaultSearcher}), packs the best chunks into a token budget ({@link ContextBuilder}) and
 * hands them to the loop as {@link ContextSnippet}s whose citation is the chunk's note path, heading
 * path and line range, with its Obsidian link. Defaults: {@value #DEFAULT_K} results, hybrid search,
 * link expansion on, a budget of {@value #DEFAULT_BUDGET} tokens by {@link TokenCounter#approximate()}.
 *
 * <p>Thread-safe when the searcher is (it is). Does not own the searcher: whoever opened it closes it.
 */
public final class VaultContextProvider implements ContextProvider {
  /** Default results asked of the searcher. */
  public static final int DEFAULT_K = 5;
  /** Default token budget of the packed context. */
  public static final int DEFAULT_BUDGET = 768;

  private final VaultSearcher searcher;
  private final int k;
  private final SearchMode mode;
  private final boolean expandLinks;
  private final ContextBuilder packer;

  private VaultContextProvider(Builder b) {
    this.searcher = b.searcher;
    this.k = b.k;
    this.mode = b.mode;
    this.expandLinks = b.expandLinks;
    this.packer = new ContextBuilder(b.budget, b.counter);
  }

  /** A builder; {@link Builder#searcher} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The snippets for {@code query}, best first, within the budget. The language is not used: the
   * index picks the analyzer per note and the query runs against all of them. */
  @Override
  public List<ContextSnippet> retrieve(String query, String lang) {
    return snippets(results(query, k));
  }

  /**
   * The search results behind {@link #retrieve}, with their full {@link io.ltm.rag.search.Citation}s:
   * the best {@code k} hits for {@code query} (hybrid or the configured mode, link expansion as
   * configured), those that fit the token budget, best first; empty for a blank query.
   *
   * @throws IllegalArgumentException when {@code k < 1}
   */
  public List<SearchResult> results(String query, int k) {
    Objects.requireNonNull(query, "query");
    if (k < 1) {
      throw new IllegalArgumentException("k must be >= 1 but got " + k);
    }
    if (query.isBlank()) {
      return List.of();
    }
    List<SearchResult> results = searcher.search(
        RetrievalRequest.builder(query).k(k).mode(mode).expandLinks(expandLinks).build());
    List<SearchResult> out = new ArrayList<>();
    for (SearchResult r : packer.build(results).included()) {
      if (!r.text().isBlank()) {
        out.add(r);
      }
    }
    return out;
  }

  /** {@code results} as the loop's snippets: the text, the citation's label and its Obsidian link. */
  public static List<ContextSnippet> snippets(List<SearchResult> results) {
    List<ContextSnippet> out = new ArrayList<>();
    for (SearchResult r : results) {
      out.add(new ContextSnippet(r.text(), r.citation().label(), r.citation().uri()));
    }
    return out;
  }

  /** Builds a {@link VaultContextProvider}; {@link #build()} checks the values. */
  public static final class Builder {
    private VaultSearcher searcher;
    private int k = DEFAULT_K;
    private SearchMode mode = SearchMode.HYBRID;
    private boolean expandLinks = true;
    private int budget = DEFAULT_BUDGET;
    private TokenCounter counter = TokenCounter.approximate();

    private Builder() {}

    /** The open index to search (required; not closed by the provider). */
    public Builder searcher(VaultSearcher searcher) {
      this.searcher = searcher;
      return this;
    }

    /** Results asked of the searcher, at least 1. */
    public Builder k(int k) {
      this.k = k;
      return this;
    }

    /** Search mode; BM25 needs no embedder. */
    public Builder mode(SearchMode mode) {
      this.mode = mode;
      return this;
    }

    /** Whether to follow wikilinks from the top hits. */
    public Builder expandLinks(boolean expandLinks) {
      this.expandLinks = expandLinks;
      return this;
    }

    /** Tokens the packed context may use, at least 1. */
    public Builder budget(int budget) {
      this.budget = budget;
      return this;
    }

    /** How the budget counts tokens (e.g. the generator's tokenizer). */
    public Builder counter(TokenCounter counter) {
      this.counter = counter;
      return this;
    }

    public VaultContextProvider build() {
      Objects.requireNonNull(searcher, "searcher must be set");
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(counter, "counter");
      if (k < 1) {
        throw new IllegalArgumentException("k must be >= 1 but got " + k);
      }
      if (budget < 1) {
        throw new IllegalArgumentException("budget must be >= 1 but got " + budget);
      }
      return new VaultContextProvider(this);
    }
  }
}
