package io.ltm.examples;

import io.ltm.core.loop.ContextProvider;
import io.ltm.dataset.token.HfTokenizer;
import io.ltm.rag.embed.OnnxEmbedder;
import io.ltm.rag.index.IndexSchema;
import io.ltm.rag.index.IndexReport;
import io.ltm.rag.index.TokenCounter;
import io.ltm.rag.index.VaultIndexer;
import io.ltm.rag.loop.VaultContextProvider;
import io.ltm.rag.search.SearchMode;
import io.ltm.rag.search.VaultSearcher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * An open vault index with the embedding model it was built with, serving as the thinking loop's
 * {@link ContextProvider} (hybrid search with link expansion, packed into a token budget). Owns the
 * searcher and the embedder: close it after the loop.
 */
public final class VaultContext implements AutoCloseable {
  private final OnnxEmbedder embedder;
  private final VaultSearcher searcher;
  private final HfTokenizer tokenizer;
  private final VaultContextProvider provider;

  private VaultContext(OnnxEmbedder embedder, VaultSearcher searcher, int budget, HfTokenizer tokenizer) {
    this.embedder = embedder;
    this.searcher = searcher;
    this.tokenizer = tokenizer;
    TokenCounter counter = tokenizer == null ? TokenCounter.approximate() : text -> tokenizer.encode(text).length();
    this.provider = VaultContextProvider.builder().searcher(searcher).mode(SearchMode.HYBRID).expandLinks(true)
        .budget(budget).counter(counter).build();
  }

  /**
   * Opens the index in {@code indexDir} (built by {@code ltm index}) with the embedding model
   * recorded in it; the budget is counted in approximate tokens ({@link TokenCounter#approximate()}),
   * which undercounts a subword tokenizer (Russian text most): with a model at hand use
   * {@link #open(Path, int, Path)}.
   *
   * @param budget tokens of context per probe
   * @throws IllegalArgumentException when there is no index there or its model is unknown
   */
  public static VaultContext open(Path indexDir, int budget) {
    return open(indexDir, budget, (HfTokenizer) null);
  }

  /**
   * Opens the index as {@link #open(Path, int)} does, counting the budget with the model's own tokenizer
   * (the {@code tokenizer.json} in {@code modelDir}), so the context takes exactly {@code budget} of the
   * model's tokens at most.
   *
   * @param modelDir a model folder holding {@code tokenizer.json}
   * @throws IOException when the tokenizer cannot be read
   */
  public static VaultContext open(Path indexDir, int budget, Path modelDir) throws IOException {
    HfTokenizer tok = HfTokenizer.load(Objects.requireNonNull(modelDir, "modelDir"));
    try {
      return open(indexDir, budget, tok);
    } catch (RuntimeException e) {
      tok.close();
      throw e;
    }
  }

  private static VaultContext open(Path indexDir, int budget, HfTokenizer tokenizer) {
    Objects.requireNonNull(indexDir, "indexDir");
    String model;
    try (VaultSearcher probe = VaultSearcher.open(indexDir, null)) {
      model = probe.commitData().get(IndexSchema.COMMIT_MODEL);
    }
    OnnxEmbedder embedder = OnnxEmbedder.forModelId(model);
    try {
      return new VaultContext(embedder, VaultSearcher.open(indexDir, embedder), budget, tokenizer);
    } catch (RuntimeException e) {
      embedder.close();
      throw e;
    }
  }

  /**
   * Builds or updates the index of {@code vault} in {@code indexDir} with the bundled
   * all-MiniLM-L6-v2 model (only changed notes are embedded again).
   */
  public static IndexReport index(Path vault, Path indexDir) {
    try (OnnxEmbedder embedder = OnnxEmbedder.miniLm()) {
      return VaultIndexer.builder().vault(vault).index(indexDir).embedder(embedder).build().run();
    }
  }

  /**
   * The provider for {@link io.ltm.core.loop.ThinkingLoop.Builder#contextProvider} (and for {@code ltm
   * serve}, which asks it for the results with their citations).
   */
  public VaultContextProvider provider() {
    return provider;
  }

  @Override
  public void close() {
    try {
      searcher.close();
    } finally {
      try {
        embedder.close();
      } finally {
        if (tokenizer != null) {
          tokenizer.close();
        }
      }
    }
  }
}
