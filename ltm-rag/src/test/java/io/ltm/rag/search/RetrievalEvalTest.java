package io.ltm.rag.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.rag.embed.OnnxEmbedder;
import io.ltm.rag.index.FileStatus;
import io.ltm.rag.index.IndexReport;
import io.ltm.rag.index.VaultIndexer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Retrieval quality on the example vault: hand-written queries (English and Russian, some
 * answerable only through a linked note) with their relevant notes, in
 * {@code src/test/resources/eval/example-vault-queries.tsv}. Ranks are per note (one chunk per
 * note, ten notes). Reports recall@5 and MRR@10 per mode and writes the table to
 * {@code target/retrieval-eval.md}; the floors are the measured values rounded down.
 */
class RetrievalEvalTest {
  @TempDir static Path tmp;
  static OnnxEmbedder embedder;
  static VaultSearcher searcher;

  record Query(String lang, String kind, String text, Set<String> relevant) {}

  record Score(double recall5, double mrr) {}

  @BeforeAll
  static void build() {
    embedder = OnnxEmbedder.miniLm();
    Path index = tmp.resolve("index");
    IndexReport r = VaultIndexer.builder().vault(Path.of("../examples/vault")).index(index).embedder(embedder).build().run();
    assertThat(r.count(FileStatus.Status.FAILED)).isZero();
    assertThat(r.count(FileStatus.Status.INDEXED)).isGreaterThanOrEqualTo(30);
    searcher = VaultSearcher.open(index, embedder);
  }

  @AfterAll
  static void close() {
    searcher.close();
    embedder.close();
  }

  static List<Query> queries() throws IOException {
    List<Query> out = new ArrayList<>();
    try (InputStream in = RetrievalEvalTest.class.getResourceAsStream("/eval/example-vault-queries.tsv")) {
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t");
        Set<String> rel = new LinkedHashSet<>();
        for (String p : f[3].split(" \\| ")) {
          rel.add(p.trim());
        }
        out.add(new Query(f[0], f[1], f[2], rel));
      }
    }
    return out;
  }

  static Score score(List<Query> qs, SearchMode mode, boolean expand) {
    double recall = 0;
    double mrr = 0;
    for (Query q : qs) {
      List<String> ranked = searcher.search(RetrievalRequest.builder(q.text).mode(mode).k(10).maxChunksPerNote(1).expandLinks(expand).build())
          .stream().map(SearchResult::path).toList();
      if (System.getenv("EVAL_DEBUG") != null && q.kind.equals("linked")) {
        System.out.println(mode + " " + expand + " " + q.text + " -> " + ranked);
      }
      long hit5 = ranked.stream().limit(5).filter(q.relevant::contains).count();
      recall += (double) hit5 / q.relevant.size();
      for (int i = 0; i < ranked.size(); i++) {
        if (q.relevant.contains(ranked.get(i))) {
          mrr += 1.0 / (i + 1);
          break;
        }
      }
    }
    return new Score(recall / qs.size(), mrr / qs.size());
  }

  @Test
  void hybridBeatsEachSingleModeAndStaysAboveTheMeasuredFloors() throws IOException {
    List<Query> all = queries();
    assertThat(all.size()).isGreaterThanOrEqualTo(30);
    Map<String, List<Query>> subsets = new LinkedHashMap<>();
    subsets.put("all", all);
    subsets.put("en", all.stream().filter(q -> q.lang.equals("en")).toList());
    subsets.put("ru", all.stream().filter(q -> q.lang.equals("ru")).toList());
    subsets.put("linked", all.stream().filter(q -> q.kind.equals("linked")).toList());
    Map<String, Map<String, Score>> table = new LinkedHashMap<>();
    String[] modes = {"bm25", "vector", "hybrid", "hybrid+links"};
    for (String m : modes) {
      Map<String, Score> row = new LinkedHashMap<>();
      subsets.forEach((name, qs) -> row.put(name, score(qs, m.equals("bm25") ? SearchMode.BM25 : m.equals("vector") ? SearchMode.VECTOR : SearchMode.HYBRID, m.endsWith("links"))));
      table.put(m, row);
    }
    StringBuilder md = new StringBuilder("| mode |");
    subsets.forEach((name, qs) -> md.append(" recall@5 ").append(name).append(" (").append(qs.size()).append(") | MRR ").append(name).append(" |"));
    md.append("\n|---|").append("---|---|".repeat(subsets.size())).append('\n');
    table.forEach((m, row) -> {
      md.append("| ").append(m).append(" |");
      row.values().forEach(s -> md.append(String.format(Locale.ROOT, " %.3f | %.3f |", s.recall5, s.mrr)));
      md.append('\n');
    });
    LoggerFactory.getLogger(RetrievalEvalTest.class).info("retrieval evaluation on examples/vault:\n{}", md);
    Files.createDirectories(Path.of("target"));
    Files.writeString(Path.of("target/retrieval-eval.md"), md.toString());

    Score bm25 = table.get("bm25").get("all");
    Score vector = table.get("vector").get("all");
    Score hybrid = table.get("hybrid").get("all");
    Score links = table.get("hybrid+links").get("all");
    assertThat(hybrid.recall5).isGreaterThan(bm25.recall5).isGreaterThan(vector.recall5);
    assertThat(hybrid.mrr).isGreaterThan(bm25.mrr).isGreaterThan(vector.mrr);
    // floors: the values measured when the test was written (all-MiniLM-L6-v2, default chunker), rounded down
    assertThat(bm25.recall5).isGreaterThanOrEqualTo(0.80);
    assertThat(bm25.mrr).isGreaterThanOrEqualTo(0.68);
    assertThat(vector.recall5).isGreaterThanOrEqualTo(0.80);
    assertThat(vector.mrr).isGreaterThanOrEqualTo(0.75);
    assertThat(hybrid.recall5).isGreaterThanOrEqualTo(0.86);
    assertThat(hybrid.mrr).isGreaterThanOrEqualTo(0.77);
    assertThat(links.recall5).isGreaterThanOrEqualTo(0.86);
    assertThat(links.mrr).isGreaterThanOrEqualTo(0.77);
    assertThat(table.get("hybrid+links").get("linked").mrr).isGreaterThanOrEqualTo(table.get("hybrid").get("linked").mrr);
  }
}
