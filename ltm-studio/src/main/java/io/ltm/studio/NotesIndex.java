package io.ltm.studio;

import io.ltm.core.loop.ContextProvider;
import io.ltm.rag.embed.OnnxEmbedder;
import io.ltm.rag.index.IndexSchema;
import io.ltm.rag.loop.VaultContextProvider;
import io.ltm.rag.search.RetrievalRequest;
import io.ltm.rag.search.SearchMode;
import io.ltm.rag.search.SearchResult;
import io.ltm.rag.search.VaultSearcher;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The vault index the studio searches (Notes page) and grounds answers with (Ask page): the index
 * built by {@code ltm index}, opened with the embedding model recorded in it. Owns the searcher and
 * the embedder; close it after the server stopped. Thread-safe as {@link VaultSearcher} is.
 */
final class NotesIndex implements AutoCloseable {
  /** Tokens of retrieved context per question. */
  static final int CONTEXT_BUDGET = 768;

  private final OnnxEmbedder embedder;
  private final VaultSearcher searcher;
  private final VaultContextProvider provider;

  private NotesIndex(OnnxEmbedder embedder, VaultSearcher searcher) {
    this.embedder = embedder;
    this.searcher = searcher;
    this.provider = VaultContextProvider.builder().searcher(searcher).mode(SearchMode.HYBRID).expandLinks(true)
        .budget(CONTEXT_BUDGET).build();
  }

  /** @throws IllegalArgumentException when there is no index in {@code dir} */
  static NotesIndex open(Path dir) {
    Objects.requireNonNull(dir, "dir");
    String model;
    try (VaultSearcher probe = VaultSearcher.open(dir, null)) {
      model = probe.commitData().get(IndexSchema.COMMIT_MODEL);
    }
    OnnxEmbedder embedder = OnnxEmbedder.forModelId(model);
    try {
      return new NotesIndex(embedder, VaultSearcher.open(dir, embedder));
    } catch (RuntimeException e) {
      embedder.close();
      throw e;
    }
  }

  List<SearchResult> search(RetrievalRequest request) {
    return searcher.search(request);
  }

  String vaultName() {
    return searcher.vaultName();
  }

  int noteCount() {
    return searcher.noteCount();
  }

  ContextProvider provider() {
    return provider;
  }

  @Override
  public void close() {
    try {
      searcher.close();
    } finally {
      embedder.close();
    }
  }
}
