package io.ltm.bench;

import io.ltm.rag.embed.OnnxEmbedder;
import io.ltm.rag.index.FileStatus;
import io.ltm.rag.index.IndexReport;
import io.ltm.rag.index.IndexSchema;
import io.ltm.rag.index.VaultIndexer;
import io.ltm.rag.search.RetrievalRequest;
import io.ltm.rag.search.SearchMode;
import io.ltm.rag.search.VaultSearcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.store.FSDirectory;

/**
 * End-to-end retrieval benchmark on a generated vault: full index time, no-change and one-note
 * re-runs, query latency including the query embedding, and HNSW recall@10 against exact
 * brute-force cosine over the same stored vectors (the exact limit), with both latencies side by
 * side. Writes a Markdown table to stdout and to {@code --out}.
 *
 * <pre>
 * java -cp ... io.ltm.bench.RagBench [--notes 10000] [--queries 200] [--work DIR] [--out FILE] [--words-from examples/vault]
 * </pre>
 *
 * The generated notes are English text drawn from the words of the example vault (Zipf-like), 2 to
 * 4 sections each, with wikilinks, tags and frontmatter, so chunking, analysis and embedding do the
 * same work as on a real vault.
 */
public final class RagBench {
  private RagBench() {}

  private static final int[] EFS = {10, 25, 50, 100, 200, 400};

  public static void main(String[] args) throws Exception {
    int notes = 10_000;
    int queries = 200;
    Path work = Path.of("target/ragbench");
    Path out = null;
    Path wordsFrom = Path.of("examples/vault");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--notes" -> notes = Integer.parseInt(args[++i]);
        case "--queries" -> queries = Integer.parseInt(args[++i]);
        case "--work" -> work = Path.of(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--words-from" -> wordsFrom = Path.of(args[++i]);
        case "--probe-index" -> {
          try (OnnxEmbedder embedder = OnnxEmbedder.miniLm()) {
            Random r = new Random(7);
            List<String> words = vocabulary(wordsFrom);
            List<String> qs = new ArrayList<>();
            for (int q = 0; q < queries; q++) {
              qs.add(sentence(words, r, 3 + r.nextInt(5)));
            }
            for (String[] row : hnswVsExact(Path.of(args[++i]), embedder, qs)) {
              System.out.println("| " + String.join(" | ", row) + " |");
            }
          }
          return;
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; usage: RagBench [--notes N] [--queries Q] [--work DIR] [--out FILE] [--words-from VAULT]");
      }
    }
    if (!Files.isDirectory(wordsFrom)) {
      throw new IllegalArgumentException(wordsFrom + ": not found; pass --words-from with a folder of .md notes (e.g. examples/vault) to draw words from");
    }
    List<String> words = vocabulary(wordsFrom);
    Path vault = work.resolve("vault");
    Path index = work.resolve("index");
    deleteTree(work);
    Random rnd = new Random(42);
    long g0 = System.nanoTime();
    for (int i = 0; i < notes; i++) {
      writeNote(vault, i, notes, words, rnd, 0);
    }
    double genS = (System.nanoTime() - g0) / 1e9;
    List<String[]> rows = new ArrayList<>();
    int cores = Runtime.getRuntime().availableProcessors();
    try (OnnxEmbedder embedder = OnnxEmbedder.miniLm()) {
      RecordingEmbedder recording = new RecordingEmbedder(embedder);
      VaultIndexer indexer = VaultIndexer.builder().vault(vault).index(index).embedder(recording).build();
      IndexReport full = indexer.run();
      check(full.count(FileStatus.Status.INDEXED) == notes, "full run indexed " + full.summary());
      int chunks = full.chunksEmbedded();
      rows.add(row("full index", fmt(full.seconds()) + " s", String.format(Locale.ROOT, "%.1f notes/s, %.1f chunks/s (%d chunks, %d cores)",
          notes / full.seconds(), chunks / full.seconds(), chunks, cores)));
      // The limit of the full run: embedding exactly the texts the indexer embedded, in the same batches.
      List<List<String>> batches = recording.batches();
      recording.stopRecording();
      long e0 = System.nanoTime();
      int embeddedAgain = 0;
      for (List<String> b : batches) {
        embedder.embedAll(b);
        embeddedAgain += b.size();
      }
      double embedS = (System.nanoTime() - e0) / 1e9;
      check(embeddedAgain == chunks, "re-embedded " + embeddedAgain + " texts, the run embedded " + chunks);
      rows.add(row("embedding alone (limit)", fmt(1000 * embedS / embeddedAgain) + " ms/chunk",
          String.format(Locale.ROOT, "the same %d chunk texts in the same %d batches: %.1f s, %.0f%% of the full run",
              embeddedAgain, batches.size(), embedS, 100 * embedS / full.seconds())));

      IndexReport same = indexer.run();
      check(same.count(FileStatus.Status.UNCHANGED) == notes, "no-change run: " + same.summary());
      rows.add(row("no-change re-run", fmt(same.seconds()) + " s", notes + " notes unchanged, " + same.filesRead()
          + " files read, " + same.chunksEmbedded() + " chunks embedded (counted by the indexer)"));

      writeNote(vault, notes / 2, notes, words, rnd, 1);
      IndexReport one = indexer.run();
      check(one.count(FileStatus.Status.INDEXED) == 1, "one-note run: " + one.summary());
      rows.add(row("one note changed", fmt(one.seconds()) + " s", one.chunksEmbedded() + " chunks embedded, " + one.chunksReused() + " reused (goal < 1 s)"));

      try (VaultSearcher searcher = VaultSearcher.open(index, embedder)) {
        List<String> qs = new ArrayList<>();
        for (int i = 0; i < queries; i++) {
          qs.add(sentence(words, rnd, 3 + rnd.nextInt(5)));
        }
        for (SearchMode mode : SearchMode.values()) {
          for (int i = 0; i < Math.min(20, queries); i++) {
            searcher.search(RetrievalRequest.builder(qs.get(i)).mode(mode).build()); // warm-up
          }
          double[] ms = new double[queries];
          for (int i = 0; i < queries; i++) {
            long t = System.nanoTime();
            searcher.search(RetrievalRequest.builder(qs.get(i)).mode(mode).k(5).build());
            ms[i] = (System.nanoTime() - t) / 1e6;
          }
          Arrays.sort(ms);
          rows.add(row("query " + mode.name().toLowerCase(Locale.ROOT) + " p50 / p99",
              fmt(ms[queries / 2]) + " / " + fmt(ms[(int) Math.min(queries - 1, Math.ceil(queries * 0.99) - 1)]) + " ms",
              mode == SearchMode.BM25 ? "no embedding" : "includes the query embedding (goal p50 < 30 ms)"));
        }
        double[] q0 = new double[queries];
        for (int i = 0; i < queries; i++) {
          long t = System.nanoTime();
          embedder.embed(qs.get(i));
          q0[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(q0);
        rows.add(row("query embedding alone p50", fmt(q0[queries / 2]) + " ms", "all-MiniLM-L6-v2, ONNX Runtime"));
        rows.addAll(hnswVsExact(index, embedder, qs));
      }
    }
    StringBuilder md = new StringBuilder();
    md.append(String.format(Locale.ROOT, "Generated vault: %d notes (%.1f s to write), %d queries, %d cores, Java %s.%n%n",
        notes, genS, queries, cores, System.getProperty("java.version")));
    md.append("| measure | value | notes |\n|---|---|---|\n");
    for (String[] r : rows) {
      md.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    System.out.print(md);
    if (out != null) {
      Files.createDirectories(out.toAbsolutePath().getParent());
      Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
      Files.writeString(tmp, md);
      Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /** HNSW top-10 (Lucene) against exact cosine over the same vectors read back from the index. */
  private static List<String[]> hnswVsExact(Path index, OnnxEmbedder embedder, List<String> qs) throws IOException {
    List<String[]> rows = new ArrayList<>();
    try (FSDirectory dir = FSDirectory.open(index); DirectoryReader reader = DirectoryReader.open(dir)) {
      IndexSearcher s = new IndexSearcher(reader);
      TermQuery chunks = new TermQuery(new Term(IndexSchema.TYPE, IndexSchema.TYPE_CHUNK));
      ScoreDoc[] all = s.search(chunks, Math.max(1, s.count(chunks))).scoreDocs;
      int n = all.length;
      int dim = embedder.dimension();
      float[] flat = new float[n * dim]; // (chunk, dim), unit rows
      int[] docs = new int[n];
      for (int i = 0; i < n; i++) {
        System.arraycopy(IndexSchema.vector(reader, all[i].doc), 0, flat, i * dim, dim);
        docs[i] = all[i].doc;
      }
      List<float[]> qv = embedder.embedAll(qs);
      double recall = 0;
      double recall50 = 0;
      double[] recallEf = new double[EFS.length];
      double[] wideMs = new double[qs.size()];
      double[] hnswMs = new double[qs.size()];
      double[] exactMs = new double[qs.size()];
      for (int q = 0; q < qs.size(); q++) {
        float[] v = qv.get(q);
        long t0 = System.nanoTime();
        ScoreDoc[] approx = s.search(new KnnFloatVectorQuery(IndexSchema.VECTOR, v, 10), 10).scoreDocs;
        hnswMs[q] = (System.nanoTime() - t0) / 1e6;
        long t1 = System.nanoTime();
        Integer[] order = exactTop10(flat, dim, v);
        exactMs[q] = (System.nanoTime() - t1) / 1e6;
        Set<Integer> exact = new HashSet<>();
        for (int i : order) {
          exact.add(docs[i]);
        }
        int hit = 0;
        for (ScoreDoc sd : approx) {
          if (exact.contains(sd.doc)) {
            hit++;
          }
        }
        recall += hit / (double) exact.size();
        // as VaultSearcher asks: max(candidates, KNN_MIN_CANDIDATES) on the beam, best 10 kept
        long t2 = System.nanoTime();
        ScoreDoc[] wide = s.search(new KnnFloatVectorQuery(IndexSchema.VECTOR, v, VaultSearcher.KNN_MIN_CANDIDATES), 10).scoreDocs;
        wideMs[q] = (System.nanoTime() - t2) / 1e6;
        int hit50 = 0;
        for (ScoreDoc sd : wide) {
          if (exact.contains(sd.doc)) {
            hit50++;
          }
        }
        recall50 += hit50 / (double) exact.size();
        for (int e = 0; e < EFS.length; e++) {
          int hitE = 0;
          for (ScoreDoc sd : s.search(new KnnFloatVectorQuery(IndexSchema.VECTOR, v, EFS[e]), 10).scoreDocs) {
            if (exact.contains(sd.doc)) {
              hitE++;
            }
          }
          recallEf[e] += hitE / (double) exact.size();
        }
      }
      Arrays.sort(hnswMs);
      Arrays.sort(exactMs);
      int m = qs.size() / 2;
      rows.add(row("HNSW recall@10 vs exact, beam 10", String.format(Locale.ROOT, "%.3f", recall / qs.size()), n + " vectors; graph built with Lucene defaults (M 16, construction beam 100)"));
      Arrays.sort(wideMs);
      rows.add(row("HNSW recall@10 vs exact, beam " + VaultSearcher.KNN_MIN_CANDIDATES, String.format(Locale.ROOT, "%.3f", recall50 / qs.size()),
          "what VaultSearcher uses (beam max(" + VaultSearcher.KNN_MIN_CANDIDATES + ", candidates)), goal >= 0.95; p50 " + fmt(wideMs[qs.size() / 2]) + " ms"));
      StringBuilder curve = new StringBuilder();
      for (int e = 0; e < EFS.length; e++) {
        curve.append(e == 0 ? "" : ", ").append(EFS[e]).append(": ").append(String.format(Locale.ROOT, "%.3f", recallEf[e] / qs.size()));
      }
      rows.add(row("HNSW recall@10 by beam width", curve.toString(), "beam (k of KnnFloatVectorQuery) -> recall@10"));
      rows.add(row("vector search p50: HNSW (beam " + VaultSearcher.KNN_MIN_CANDIDATES + ") / exact brute force", fmt(wideMs[m]) + " / " + fmt(exactMs[m]) + " ms",
          String.format(Locale.ROOT, "HNSW %.1fx faster than the exact scan (search only, no embedding; beam 10: %s ms)", exactMs[m] / wideMs[m], fmt(hnswMs[m]))));
    }
    return rows;
  }

  private static Integer[] exactTop10(float[] flat, int dim, float[] q) {
    int n = flat.length / dim;
    double[] sim = new double[n];
    for (int i = 0; i < n; i++) {
      double d = 0;
      int off = i * dim;
      for (int j = 0; j < dim; j++) {
        d += flat[off + j] * q[j];
      }
      sim[i] = d;
    }
    java.util.PriorityQueue<Integer> heap = new java.util.PriorityQueue<>(Comparator.comparingDouble(i -> sim[i]));
    for (int i = 0; i < n; i++) {
      heap.add(i);
      if (heap.size() > 10) {
        heap.poll();
      }
    }
    return heap.toArray(new Integer[0]);
  }

  private static void writeNote(Path vault, int i, int total, List<String> words, Random rnd, int version) throws IOException {
    Path p = vault.resolve("folder" + (i % 20)).resolve("Note " + i + ".md");
    Files.createDirectories(p.getParent());
    StringBuilder sb = new StringBuilder();
    sb.append("---\ntags: [t").append(i % 50).append(", bench]\ndate: 2025-01-").append(1 + i % 28).append("\n---\n");
    sb.append("# Note ").append(i).append("\n").append(sentence(words, rnd, 20 + rnd.nextInt(30))).append("\n");
    int sections = 1 + rnd.nextInt(3);
    for (int k = 0; k < sections; k++) {
      sb.append("\n## ").append(sentence(words, rnd, 2 + rnd.nextInt(3))).append("\n");
      sb.append(sentence(words, rnd, 30 + rnd.nextInt(50)));
      sb.append(" See [[Note ").append(rnd.nextInt(total)).append("]].\n");
    }
    if (version > 0) {
      sb.append("\n## Revision ").append(version).append("\n").append(sentence(words, rnd, 30)).append("\n");
    }
    Files.writeString(p, sb);
  }

  private static String sentence(List<String> words, Random rnd, int n) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      // Zipf-like: small indices (frequent words) more often
      int idx = (int) Math.min(words.size() - 1, Math.floor(Math.pow(rnd.nextDouble(), 2.5) * words.size()));
      sb.append(i == 0 ? "" : " ").append(words.get(idx));
    }
    return sb.toString();
  }

  private static List<String> vocabulary(Path vault) throws IOException {
    java.util.Map<String, Integer> freq = new java.util.HashMap<>();
    try (Stream<Path> files = Files.walk(vault)) {
      for (Path f : files.filter(x -> x.toString().endsWith(".md")).toList()) {
        for (String w : Files.readString(f).toLowerCase(Locale.ROOT).split("[^a-z]+")) {
          if (w.length() > 1) {
            freq.merge(w, 1, Integer::sum);
          }
        }
      }
    }
    List<String> ws = new ArrayList<>(freq.keySet());
    ws.sort(Comparator.comparing((String w) -> -freq.get(w)).thenComparing(w -> w));
    if (ws.size() < 200) {
      throw new IllegalArgumentException(vault + ": only " + ws.size() + " distinct English words; need at least 200 to generate text");
    }
    return ws;
  }

  private static String[] row(String a, String b, String c) {
    return new String[] {a, b, c};
  }

  private static String fmt(double x) {
    return String.format(Locale.ROOT, x >= 100 ? "%.0f" : x >= 10 ? "%.1f" : "%.2f", x);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("benchmark invariant failed: " + what);
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }

  /** Passes every call to the real embedder and keeps the texts of each call, so the limit embeds the same ones. */
  static final class RecordingEmbedder implements io.ltm.rag.embed.Embedder {
    private final io.ltm.rag.embed.Embedder inner;
    private final List<List<String>> batches = new ArrayList<>();
    private boolean recording = true;

    RecordingEmbedder(io.ltm.rag.embed.Embedder inner) {
      this.inner = inner;
    }

    List<List<String>> batches() {
      return List.copyOf(batches);
    }

    void stopRecording() {
      recording = false;
    }

    @Override
    public String modelId() {
      return inner.modelId();
    }

    @Override
    public int dimension() {
      return inner.dimension();
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
      if (recording) {
        batches.add(List.copyOf(texts));
      }
      return inner.embedAll(texts);
    }
  }
}
