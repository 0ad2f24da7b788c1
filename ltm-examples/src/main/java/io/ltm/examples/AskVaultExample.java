package io.ltm.examples;

import io.ltm.rag.embed.OnnxEmbedder;
import io.ltm.rag.index.IndexReport;
import io.ltm.rag.index.TokenCounter;
import io.ltm.rag.index.VaultIndexer;
import io.ltm.rag.search.ContextBuilder;
import io.ltm.rag.search.RetrievalRequest;
import io.ltm.rag.search.SearchMode;
import io.ltm.rag.search.SearchResult;
import io.ltm.rag.search.VaultSearcher;
import java.nio.file.Path;
import java.util.List;

/**
 * Example: index an Obsidian vault (Lucene BM25 + HNSW vectors, the bundled all-MiniLM-L6-v2
 * embeddings, no network) and ask it a question: the best chunks with their citations ({@code path >
 * heading, lines a-b} and an {@code obsidian://} link), then the numbered context a model would get.
 *
 * <pre>{@code
 * java ... io.ltm.examples.AskVaultExample examples/vault /tmp/vault-index "how much GPU memory does the first experiment need"
 * }</pre>
 *
 * Indexing again only reads notes that changed. To ground the thinking loop in the vault, pass
 * {@link VaultContext#provider()} to {@code ThinkingLoop.Builder.contextProvider}.
 */
public final class AskVaultExample {
  private AskVaultExample() {}

  /** Indexes {@code vault} into {@code indexDir} (incrementally) and returns the top {@code k} hits for {@code question}. */
  public static List<SearchResult> ask(Path vault, Path indexDir, String question, int k) {
    try (OnnxEmbedder embedder = OnnxEmbedder.miniLm()) {
      IndexReport report = VaultIndexer.builder().vault(vault).index(indexDir).embedder(embedder).build().run();
      System.out.println("index: " + report.counts());
      try (VaultSearcher searcher = VaultSearcher.open(indexDir, embedder)) {
        List<SearchResult> hits = searcher.search(RetrievalRequest.builder(question)
            .k(k).mode(SearchMode.HYBRID).expandLinks(true).build());
        for (SearchResult hit : hits) {
          System.out.printf("%.4f  %s%n        %s%n", hit.score(), hit.citation().label(), hit.citation().uri());
        }
        // What a model is given: numbered chunks within a token budget, each headed by its citation.
        System.out.println(new ContextBuilder(800, TokenCounter.approximate()).build(hits).text());
        return hits;
      }
    }
  }

  /** {@code AskVaultExample VAULT INDEX_DIR QUESTION [K]}. */
  public static void main(String[] args) {
    if (args.length < 3) {
      System.err.println("usage: AskVaultExample VAULT INDEX_DIR QUESTION [K]");
      System.exit(2);
    }
    ask(Path.of(args[0]), Path.of(args[1]), args[2], args.length > 3 ? Integer.parseInt(args[3]) : 3);
  }
}
