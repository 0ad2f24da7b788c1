package io.ltm.rag.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.rag.embed.OnnxEmbedder;
import io.ltm.rag.index.TokenCounter;
import io.ltm.rag.index.VaultIndexer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultSearcherTest {
  @TempDir static Path tmp;
  static OnnxEmbedder embedder;
  static VaultSearcher searcher;

  static void write(Path vault, String rel, String text) throws IOException {
    Path p = vault.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  @BeforeAll
  static void build() throws IOException {
    Path vault = tmp.resolve("Research Vault");
    write(vault, "ml/LoRA basics.md", String.join("\n",
        "---", "tags: [ml, lora]", "status: done", "---",
        "# LoRA basics",
        "Low-rank adaptation freezes the base weights and trains two small matrices per layer.",
        "",
        "## Rank and alpha",
        "The rank r sets the adapter size; alpha scales the update by alpha over r.",
        "Related: [[Training plan]]."));
    write(vault, "ml/Training plan.md", String.join("\n",
        "---", "tags: [plan]", "status: draft", "---",
        "# Training plan",
        "Batch size sixteen, cosine schedule, three epochs on the scene dataset."));
    write(vault, "cooking/Bread.md", "# Bread\nSourdough bread needs flour, water, salt and a starter.\n");
    write(vault, "ru/Память.md", String.join("\n",
        "---", "lang: ru", "tags: [память]", "---",
        "# Память и заметки",
        "Долговременная память модели строится из заметки, которую я пишу каждый день."));
    embedder = OnnxEmbedder.miniLm();
    Path index = tmp.resolve("index");
    VaultIndexer.builder().vault(vault).index(index).embedder(embedder).build().run();
    searcher = VaultSearcher.open(index, embedder);
  }

  @AfterAll
  static void close() {
    searcher.close();
    embedder.close();
  }

  static List<String> paths(List<SearchResult> rs) {
    return rs.stream().map(SearchResult::path).distinct().toList();
  }

  @Test
  void russianMorphologyMatchesOtherWordForms() {
    // the note says "заметки" (title) and "заметки" / "заметки," forms; the query uses "заметками"
    List<SearchResult> r = searcher.search(RetrievalRequest.builder("заметками о памяти").mode(SearchMode.BM25).build());
    assertThat(paths(r)).containsExactly("ru/Память.md");
    List<SearchResult> r2 = searcher.search(RetrievalRequest.builder("заметка").mode(SearchMode.BM25).build());
    assertThat(paths(r2)).containsExactly("ru/Память.md");
  }

  @Test
  void englishStemmingAndVectorParaphrase() {
    assertThat(paths(searcher.search(RetrievalRequest.builder("adapters ranks").mode(SearchMode.BM25).build())).get(0))
        .isEqualTo("ml/LoRA basics.md");
    List<SearchResult> v = searcher.search(RetrievalRequest.builder("how to bake a loaf").mode(SearchMode.VECTOR).k(1).build());
    assertThat(v).singleElement().satisfies(x -> {
      assertThat(x.path()).isEqualTo("cooking/Bread.md");
      assertThat(x.source()).isEqualTo(SearchResult.Source.VECTOR);
      assertThat(x.score()).isBetween(0.0, 1.0);
    });
    List<SearchResult> h = searcher.search(RetrievalRequest.builder("low-rank adapter matrices").build());
    assertThat(h.get(0).path()).isEqualTo("ml/LoRA basics.md");
    assertThat(h.get(0).source()).isEqualTo(SearchResult.Source.HYBRID);
    // RRF: a chunk first in both lists scores 2/61
    assertThat(h.get(0).score()).isLessThanOrEqualTo(2.0 / 61 + 1e-12);
  }

  @Test
  void citationsCarryFileLinesHeadingsAndObsidianUri() {
    SearchResult r = searcher.search(RetrievalRequest.builder("alpha over r scaling").mode(SearchMode.BM25).k(1).build()).get(0);
    assertThat(r.citation().path()).isEqualTo("ml/LoRA basics.md");
    assertThat(r.citation().heading()).isEqualTo("LoRA basics > Rank and alpha");
    assertThat(r.citation().lineFrom()).isEqualTo(8);
    assertThat(r.citation().lineTo()).isEqualTo(10);
    assertThat(r.citation().uri()).isEqualTo("obsidian://open?vault=Research%20Vault&file=ml%2FLoRA%20basics");
    assertThat(r.text()).contains("alpha scales").contains("Related: Training plan.").doesNotContain("[[");
  }

  @Test
  void filtersByTagFolderAndField() {
    RetrievalRequest.Builder q = RetrievalRequest.builder("plan for training adapters").k(10);
    assertThat(paths(searcher.search(q.tags(List.of("#PLAN")).build()))).containsExactly("ml/Training plan.md");
    assertThat(paths(searcher.search(RetrievalRequest.builder("bread flour").k(10).folder("ml/").build())))
        .allMatch(p -> p.startsWith("ml/")).isNotEmpty();
    assertThat(paths(searcher.search(RetrievalRequest.builder("adapter").k(10).field("status", "Done").build())))
        .containsExactly("ml/LoRA basics.md");
    assertThat(searcher.search(RetrievalRequest.builder("adapter").tags(List.of("nope")).build())).isEmpty();
  }

  @Test
  void linkExpansionBringsInLinkedNotesWithDecay() {
    RetrievalRequest base = RetrievalRequest.builder("low-rank adaptation rank alpha").mode(SearchMode.BM25).k(3).maxChunksPerNote(1).build();
    assertThat(paths(searcher.search(base))).doesNotContain("ml/Training plan.md");
    List<SearchResult> ex = searcher.search(RetrievalRequest.builder("low-rank adaptation rank alpha").mode(SearchMode.BM25)
        .k(3).maxChunksPerNote(1).expandLinks(true).decay(0.9).build());
    assertThat(ex.get(0).path()).isEqualTo("ml/LoRA basics.md");
    assertThat(ex.get(0).score()).isEqualTo(1.0);
    SearchResult linked = ex.stream().filter(x -> x.path().equals("ml/Training plan.md")).findFirst().orElseThrow();
    assertThat(linked.source()).isEqualTo(SearchResult.Source.LINK);
    assertThat(linked.linkedFrom()).isEqualTo("ml/LoRA basics.md");
    assertThat(linked.hops()).isEqualTo(1);
    assertThat(linked.score()).isEqualTo(0.9);
  }

  @Test
  void contextBuilderPacksWithinBudgetWithLabels() {
    List<SearchResult> rs = searcher.search(RetrievalRequest.builder("adapter training bread memory").k(4).maxChunksPerNote(1).build());
    assertThat(rs).hasSize(4);
    TokenCounter tc = TokenCounter.approximate();
    ContextBuilder.RetrievedContext all = new ContextBuilder(10_000, tc).build(rs);
    assertThat(all.included()).hasSize(4);
    assertThat(all.text()).startsWith("[1] " + rs.get(0).citation().label() + "\n" + rs.get(0).citation().uri());
    assertThat(all.text()).contains("[4] ");
    int budget = all.tokens() / 2;
    ContextBuilder.RetrievedContext half = new ContextBuilder(budget, tc).build(rs);
    assertThat(half.tokens()).isLessThanOrEqualTo(budget).isPositive();
    assertThat(tc.count(half.text())).isLessThanOrEqualTo(budget);
    assertThat(half.included().size()).isBetween(1, 3);
    assertThat(rs).containsSubsequence(half.included());
  }

  @Test
  void badRequestsAreClearErrors() {
    assertThatThrownBy(() -> RetrievalRequest.builder(" ").build()).hasMessageContaining("query");
    assertThatThrownBy(() -> RetrievalRequest.builder("x").k(0).build()).hasMessageContaining("k must be");
    assertThatThrownBy(() -> RetrievalRequest.builder("x").decay(1.5).build()).hasMessageContaining("decay");
    assertThatThrownBy(() -> SearchMode.parse("fuzzy")).hasMessageContaining("hybrid, bm25 or vector");
    assertThatThrownBy(() -> VaultSearcher.open(tmp.resolve("none"), null)).hasMessageContaining("no index");
    try (VaultSearcher lexical = VaultSearcher.open(tmp.resolve("index"), null)) {
      assertThat(lexical.search(RetrievalRequest.builder("bread").mode(SearchMode.BM25).build())).isNotEmpty();
      assertThatThrownBy(() -> lexical.search(RetrievalRequest.builder("bread").build())).hasMessageContaining("needs the embedding model");
    }
  }
}
