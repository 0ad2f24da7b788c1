package io.ltm.rag.search;

import io.ltm.rag.embed.Embedder;
import io.ltm.rag.graph.GraphExpander;
import io.ltm.rag.graph.LinkGraph;
import io.ltm.rag.index.IndexSchema;
import io.ltm.rag.index.Language;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.QueryBuilder;

/**
 * Answers {@link RetrievalRequest}s over an index written by {@link io.ltm.rag.index.VaultIndexer}:
 * BM25, HNSW vector search or both fused by reciprocal rank fusion ({@code 1/(60 + rank)} summed
 * over the two lists), filters, and optional link expansion through the vault's wikilink graph.
 *
 * <p>Every search first refreshes to the index's latest commit, so a searcher left open sees what an
 * indexer (in this or another process) commits meanwhile. Thread-safe; close it to release the index
 * files. It does not own the embedder.
 */
public final class VaultSearcher implements AutoCloseable {
  /** The rank constant of reciprocal rank fusion. */
  public static final int RRF_K = 60;
  /** The least number of candidates an HNSW search collects before the best are taken. */
  public static final int KNN_MIN_CANDIDATES = 400;

  private final Directory dir;
  private final SearcherManager manager;
  private final Embedder embedder;
  private final Analyzer analyzer = IndexSchema.analyzer();
  private volatile CachedGraph graph;

  private record CachedGraph(DirectoryReader reader, LinkGraph graph) {}

  private VaultSearcher(Directory dir, SearcherManager manager, Embedder embedder) {
    this.dir = dir;
    this.manager = manager;
    this.embedder = embedder;
  }

  /**
   * Opens the index in {@code indexDir}.
   *
   * @param embedder the model the index was built with, or null for BM25 only
   * @throws IllegalArgumentException when there is no index there or it was built with another model
   */
  public static VaultSearcher open(Path indexDir, Embedder embedder) {
    Objects.requireNonNull(indexDir, "indexDir");
    if (!Files.isDirectory(indexDir)) {
      throw new IllegalArgumentException(indexDir + ": no index here; build one with `ltm index VAULT --index " + indexDir + "`");
    }
    Directory dir = null;
    try {
      dir = FSDirectory.open(indexDir);
      if (!DirectoryReader.indexExists(dir)) {
        throw new IllegalArgumentException(indexDir + ": no index here; build one with `ltm index VAULT --index " + indexDir + "`");
      }
      SearcherManager manager = new SearcherManager(dir, null);
      VaultSearcher s = new VaultSearcher(dir, manager, embedder);
      Map<String, String> data = s.commitData();
      if (embedder != null && !embedder.modelId().equals(data.get(IndexSchema.COMMIT_MODEL))) {
        s.close();
        throw new IllegalArgumentException(indexDir + ": the index was built with embedding model '" + data.get(IndexSchema.COMMIT_MODEL)
            + "' but the searcher uses '" + embedder.modelId() + "'; pass the same --embedding-model as for indexing");
      }
      return s;
    } catch (IOException e) {
      closeQuietly(dir);
      throw new UncheckedIOException(indexDir + ": cannot open the index: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(dir);
      throw e;
    }
  }

  private static void closeQuietly(Directory d) {
    if (d != null) {
      try {
        d.close();
      } catch (IOException ignored) {
        // the first exception is the one reported
      }
    }
  }

  /** The commit user data of the index's latest commit (model, dimension, vault name, schema). */
  public Map<String, String> commitData() {
    return withSearcher(s -> ((DirectoryReader) s.getIndexReader()).getIndexCommit().getUserData());
  }

  /** The vault name used in Obsidian URIs. */
  public String vaultName() {
    return commitData().getOrDefault(IndexSchema.COMMIT_VAULT, "vault");
  }

  /** Number of notes in the index. */
  public int noteCount() {
    return withSearcher(s -> s.count(new TermQuery(new Term(IndexSchema.TYPE, IndexSchema.TYPE_NOTE))));
  }

  /** Number of chunks in the index. */
  public int chunkCount() {
    return withSearcher(s -> s.count(new TermQuery(new Term(IndexSchema.TYPE, IndexSchema.TYPE_CHUNK))));
  }

  /**
   * Runs {@code request}: results best first, at most {@code k}.
   *
   * @throws IllegalArgumentException when the mode needs vectors but the searcher has no embedder
   */
  public List<SearchResult> search(RetrievalRequest request) {
    Objects.requireNonNull(request, "request");
    if (request.mode() != SearchMode.BM25 && embedder == null) {
      throw new IllegalArgumentException("mode " + request.mode().name().toLowerCase(java.util.Locale.ROOT)
          + " needs the embedding model; open the searcher with one or use bm25");
    }
    if (request.mode() == SearchMode.BM25 && (!request.expandLinks() || embedder == null)) {
      return withSearcher(s -> run(s, request, () -> null));
    }
    // The query is embedded on another thread while this one runs the BM25 search.
    CompletableFuture<float[]> qv = CompletableFuture.supplyAsync(() -> embedder.embed(request.query()), EMBED_POOL);
    Supplier<float[]> vector = () -> {
      try {
        return qv.join();
      } catch (CompletionException e) {
        if (e.getCause() instanceof RuntimeException re) {
          throw re;
        }
        if (e.getCause() instanceof Error err) {
          throw err;
        }
        throw e;
      }
    };
    try {
      return withSearcher(s -> run(s, request, vector));
    } finally {
      qv.cancel(false); // no-op when done; never leaves work behind on an early failure
    }
  }

  /** Daemon threads that embed queries while the BM25 search runs. */
  private static final ExecutorService EMBED_POOL = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "ltm-query-embed");
    t.setDaemon(true);
    return t;
  });

  private interface SearcherFn<T> {
    T apply(IndexSearcher s) throws IOException;
  }

  private <T> T withSearcher(SearcherFn<T> fn) {
    try {
      manager.maybeRefresh();
      IndexSearcher s = manager.acquire();
      try {
        return fn.apply(s);
      } finally {
        manager.release(s);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("index search failed: " + e.getMessage(), e);
    }
  }

  private record Hit(int doc, double score) {}

  private List<SearchResult> run(IndexSearcher s, RetrievalRequest r, Supplier<float[]> qvs) throws IOException {
    Query filter = filter(r);
    Query userFilter = userFilter(r); // null without filters: only chunks have text fields and vectors
    Map<Integer, Double> scores = new LinkedHashMap<>();
    SearchResult.Source source;
    switch (r.mode()) {
      case BM25 -> {
        for (Hit h : bm25(s, r.query(), userFilter, r.candidates())) {
          scores.put(h.doc, h.score);
        }
        source = SearchResult.Source.BM25;
      }
      case VECTOR -> {
        for (Hit h : knn(s, qvs.get(), userFilter, r.candidates())) {
          scores.put(h.doc, h.score);
        }
        source = SearchResult.Source.VECTOR;
      }
      default -> {
        List<Hit> lex = bm25(s, r.query(), userFilter, r.candidates());
        List<Hit> vec = knn(s, qvs.get(), userFilter, r.candidates());
        for (int i = 0; i < lex.size(); i++) {
          scores.merge(lex.get(i).doc, 1.0 / (RRF_K + i + 1), Double::sum);
        }
        for (int i = 0; i < vec.size(); i++) {
          scores.merge(vec.get(i).doc, 1.0 / (RRF_K + i + 1), Double::sum);
        }
        source = SearchResult.Source.HYBRID;
      }
    }
    List<Map.Entry<Integer, Double>> ranked = new ArrayList<>(scores.entrySet());
    ranked.sort((a, b) -> {
      int c = Double.compare(b.getValue(), a.getValue());
      return c != 0 ? c : Integer.compare(a.getKey(), b.getKey());
    });
    String vault = vaultName(s);
    StoredFields stored = s.storedFields();
    if (!r.expandLinks()) {
      // materialise only what is returned
      List<SearchResult> out = new ArrayList<>();
      Map<String, Integer> perNote = new HashMap<>();
      for (Map.Entry<Integer, Double> e : ranked) {
        SearchResult res = result(stored.document(e.getKey(), RESULT_FIELDS), vault, e.getValue(), source);
        if (perNote.merge(res.path(), 1, Integer::sum) <= r.maxChunksPerNote()) {
          out.add(res);
          if (out.size() == r.k()) {
            break;
          }
        }
      }
      return out;
    }
    List<SearchResult> pool = new ArrayList<>();
    for (Map.Entry<Integer, Double> e : ranked) {
      pool.add(result(stored.document(e.getKey(), RESULT_FIELDS), vault, e.getValue(), source));
    }
    if (!pool.isEmpty()) {
      pool = expand(s, r, qvs.get(), filter, pool, vault);
    }
    return cap(pool, r);
  }

  private static final Set<String> RESULT_FIELDS = Set.of(IndexSchema.PATH, IndexSchema.TITLE, IndexSchema.HEADING,
      IndexSchema.LINE_FROM, IndexSchema.LINE_TO, IndexSchema.TEXT, IndexSchema.TAG);

  /** Best first, at most {@code maxChunksPerNote} per note, at most {@code k}. */
  private static List<SearchResult> cap(List<SearchResult> sorted, RetrievalRequest r) {
    List<SearchResult> out = new ArrayList<>();
    Map<String, Integer> perNote = new HashMap<>();
    for (SearchResult m : sorted) {
      if (perNote.merge(m.path(), 1, Integer::sum) <= r.maxChunksPerNote()) {
        out.add(m);
        if (out.size() == r.k()) {
          break;
        }
      }
    }
    return out;
  }

  /**
   * Link expansion. Scores are first made relative to the best candidate (1.0). The top {@code k}
   * notes are the seeds; every note within {@code depth} links of a seed (either direction) gets a
   * link score of {@code seedScore * decay^hops} (the best over the seeds, never from itself): a
   * candidate already found adds it to its own score (found directly and linked from a top hit is
   * stronger evidence than either), a note not found enters with its chunk closest to the query and
   * the link score alone.
   */
  private List<SearchResult> expand(IndexSearcher s, RetrievalRequest r, float[] qv, Query filter,
      List<SearchResult> pool, String vault) throws IOException {
    double top = pool.get(0).score();
    List<SearchResult> norm = new ArrayList<>();
    for (SearchResult h : pool) {
      norm.add(h.with(top > 0 ? h.score() / top : 1.0, h.source(), "", 0));
    }
    List<GraphExpander.Seed> seeds = new ArrayList<>();
    for (SearchResult h : cap(norm, RetrievalRequest.builder(r.query()).k(r.k()).maxChunksPerNote(1).build())) {
      seeds.add(new GraphExpander.Seed(h.path(), h.score()));
    }
    GraphExpander expander = new GraphExpander(graph(s));
    Map<String, GraphExpander.Expansion> bonus = new HashMap<>();
    for (GraphExpander.Seed seed : seeds) {
      // each seed expanded alone so that seeds boost each other too
      for (GraphExpander.Expansion x : expander.expand(List.of(seed), r.depth(), r.decay())) {
        GraphExpander.Expansion old = bonus.get(x.path());
        if (old == null || x.score() > old.score()) {
          bonus.put(x.path(), x);
        }
      }
    }
    List<SearchResult> merged = new ArrayList<>();
    java.util.Set<String> present = new java.util.HashSet<>();
    for (SearchResult h : norm) {
      present.add(h.path());
      GraphExpander.Expansion b = bonus.get(h.path());
      merged.add(b == null ? h : h.with(h.score() + b.score(), h.source(), b.from(), b.hops()));
    }
    StoredFields stored = s.storedFields();
    for (GraphExpander.Expansion x : bonus.values()) {
      if (present.contains(x.path())) {
        continue;
      }
      Integer best = bestChunk(s, x.path(), r.query(), qv, filter);
      if (best != null) {
        merged.add(result(stored.document(best, RESULT_FIELDS), vault, x.score(), SearchResult.Source.LINK).with(x.score(), SearchResult.Source.LINK, x.from(), x.hops()));
      }
    }
    merged.sort((a, b) -> Double.compare(b.score(), a.score()));
    return merged;
  }

  /** The chunk of a linked note closest to the query: by cosine when there is a query vector, else BM25, else the first. */
  private Integer bestChunk(IndexSearcher s, String path, String query, float[] qv, Query filter) throws IOException {
    Query inNote = new BooleanQuery.Builder()
        .add(new TermQuery(new Term(IndexSchema.CHUNK_OF, path)), BooleanClause.Occur.FILTER)
        .add(filter, BooleanClause.Occur.FILTER)
        .build();
    TopDocs all = s.search(inNote, 10_000);
    if (all.scoreDocs.length == 0) {
      return null;
    }
    StoredFields stored = s.storedFields();
    if (qv != null) {
      int best = all.scoreDocs[0].doc;
      double bestSim = Double.NEGATIVE_INFINITY;
      for (ScoreDoc sd : all.scoreDocs) {
        float[] v = IndexSchema.vector(s.getIndexReader(), sd.doc);
        double sim = v == null ? Double.NEGATIVE_INFINITY : dot(qv, v);
        if (sim > bestSim) {
          bestSim = sim;
          best = sd.doc;
        }
      }
      return best;
    }
    List<Hit> lex = bm25(s, query, inNote, 1);
    if (!lex.isEmpty()) {
      return lex.get(0).doc;
    }
    int first = all.scoreDocs[0].doc;
    int firstOrdinal = Integer.MAX_VALUE;
    for (ScoreDoc sd : all.scoreDocs) {
      int ord = stored.document(sd.doc, Set.of(IndexSchema.ORDINAL)).getField(IndexSchema.ORDINAL).numericValue().intValue();
      if (ord < firstOrdinal) {
        firstOrdinal = ord;
        first = sd.doc;
      }
    }
    return first;
  }

  private static double dot(float[] a, float[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  private LinkGraph graph(IndexSearcher s) throws IOException {
    DirectoryReader reader = (DirectoryReader) s.getIndexReader();
    CachedGraph g = graph;
    if (g != null && g.reader == reader) {
      return g.graph;
    }
    Map<String, List<String>> links = new LinkedHashMap<>();
    TermQuery notes = new TermQuery(new Term(IndexSchema.TYPE, IndexSchema.TYPE_NOTE));
    StoredFields stored = s.storedFields();
    for (ScoreDoc sd : s.search(notes, Math.max(1, s.count(notes))).scoreDocs) {
      Document d = stored.document(sd.doc, Set.of(IndexSchema.PATH, IndexSchema.LINK));
      List<String> l = new ArrayList<>();
      for (IndexableField f : d.getFields(IndexSchema.LINK)) {
        l.add(f.stringValue());
      }
      links.put(d.get(IndexSchema.PATH), l);
    }
    LinkGraph built = LinkGraph.of(links);
    graph = new CachedGraph(reader, built);
    return built;
  }

  private record CachedName(DirectoryReader reader, String name) {}

  private volatile CachedName vaultName;

  /** The vault name of the searcher's commit, read once per reader (listing a commit's files is not free). */
  private String vaultName(IndexSearcher s) throws IOException {
    DirectoryReader reader = (DirectoryReader) s.getIndexReader();
    CachedName c = vaultName;
    if (c == null || c.reader != reader) {
      c = new CachedName(reader, reader.getIndexCommit().getUserData().getOrDefault(IndexSchema.COMMIT_VAULT, "vault"));
      vaultName = c;
    }
    return c.name;
  }

  private static SearchResult result(Document d, String vault, double score, SearchResult.Source source) {
    String path = d.get(IndexSchema.PATH);
    String heading = d.get(IndexSchema.HEADING);
    List<String> headingPath = heading.isEmpty() ? List.of() : Arrays.asList(heading.split("\u001f", -1));
    List<String> tags = new ArrayList<>();
    for (IndexableField f : d.getFields(IndexSchema.TAG)) {
      tags.add(f.stringValue());
    }
    Citation c = new Citation(path, String.join(" > ", headingPath),
        d.getField(IndexSchema.LINE_FROM).numericValue().intValue(), d.getField(IndexSchema.LINE_TO).numericValue().intValue(),
        Citation.obsidianUri(vault, path));
    return new SearchResult(c, d.get(IndexSchema.TITLE), headingPath, d.get(IndexSchema.TEXT), tags, score, source, "", 0);
  }

  /** The request's own filters, or null when it has none. */
  private static Query userFilter(RetrievalRequest r) {
    return r.tags().isEmpty() && r.folder().isEmpty() && r.fields().isEmpty() ? null : filter(r);
  }

  /** Chunk documents that pass the request's filters. */
  private static Query filter(RetrievalRequest r) {
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    b.add(new TermQuery(new Term(IndexSchema.TYPE, IndexSchema.TYPE_CHUNK)), BooleanClause.Occur.FILTER);
    for (String t : r.tags()) {
      b.add(new TermQuery(new Term(IndexSchema.TAG, IndexSchema.filterValue(t))), BooleanClause.Occur.FILTER);
    }
    if (!r.folder().isEmpty()) {
      b.add(new TermQuery(new Term(IndexSchema.FOLDER, r.folder())), BooleanClause.Occur.FILTER);
    }
    r.fields().forEach((k, v) -> b.add(new TermQuery(new Term(IndexSchema.FIELD_PREFIX + k, IndexSchema.filterValue(v))), BooleanClause.Occur.FILTER));
    return b.build();
  }

  private List<Hit> bm25(IndexSearcher s, String text, Query filter, int n) throws IOException {
    BooleanQuery.Builder should = new BooleanQuery.Builder();
    int clauses = 0;
    for (Language lang : Language.values()) {
      Query q = new QueryBuilder(analyzer).createBooleanQuery(IndexSchema.textField(lang), text);
      if (q != null) {
        should.add(q, BooleanClause.Occur.SHOULD);
        clauses++;
      }
    }
    if (clauses == 0) {
      return List.of(); // only stop words
    }
    Query q = should.build();
    if (filter != null) {
      q = new BooleanQuery.Builder().add(q, BooleanClause.Occur.MUST).add(filter, BooleanClause.Occur.FILTER).build();
    }
    List<Hit> out = new ArrayList<>();
    for (ScoreDoc sd : s.search(q, n).scoreDocs) {
      out.add(new Hit(sd.doc, sd.score));
    }
    return out;
  }

  private static List<Hit> knn(IndexSearcher s, float[] qv, Query filter, int n) throws IOException {
    List<Hit> out = new ArrayList<>();
    // the HNSW search keeps at least KNN_MIN_CANDIDATES on its beam (recall), the best n are used
    int ef = Math.max(n, KNN_MIN_CANDIDATES);
    for (ScoreDoc sd : s.search(new KnnFloatVectorQuery(IndexSchema.VECTOR, qv, ef, filter), n).scoreDocs) {
      out.add(new Hit(sd.doc, 2 * sd.score - 1)); // Lucene's cosine score is (1 + cos) / 2
    }
    return out;
  }

  @Override
  public void close() {
    IOExceptionHolder h = new IOExceptionHolder();
    try {
      manager.close();
    } catch (IOException e) {
      h.e = e;
    }
    try {
      analyzer.close();
      dir.close();
    } catch (IOException e) {
      if (h.e == null) {
        h.e = e;
      }
    }
    if (h.e != null) {
      throw new UncheckedIOException(h.e);
    }
  }

  private static final class IOExceptionHolder {
    IOException e;
  }
}
