package io.ltm.rag.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.core.generate.TextGenerator;
import io.ltm.core.loop.ContextSnippet;
import io.ltm.core.loop.Probe;
import io.ltm.core.loop.ThinkingLoop;
import io.ltm.rag.embed.Embedder;
import io.ltm.rag.index.VaultIndexer;
import io.ltm.rag.search.SearchMode;
import io.ltm.rag.search.VaultSearcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultContextProviderTest {
  @TempDir static Path tmp;
  static VaultSearcher searcher;

  /** A tiny deterministic embedder (hashed bag of words), enough to build an index; searches here use BM25. */
  static final class HashEmbedder implements Embedder {
    @Override
    public String modelId() {
      return "test-hash-16";
    }

    @Override
    public int dimension() {
      return 16;
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
      List<float[]> out = new ArrayList<>();
      for (String t : texts) {
        float[] v = new float[16];
        for (String w : t.toLowerCase(Locale.ROOT).split("\\W+")) {
          v[Math.floorMod(w.hashCode(), 16)] += 1;
        }
        v[0] += 1e-3f;
        double n = 0;
        for (float x : v) {
          n += x * x;
        }
        for (int i = 0; i < 16; i++) {
          v[i] /= (float) Math.sqrt(n);
        }
        out.add(v);
      }
      return out;
    }
  }

  static void write(Path vault, String rel, String text) throws IOException {
    Path p = vault.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  @BeforeAll
  static void index() throws IOException {
    Path vault = tmp.resolve("Seed Vault");
    write(vault, "ml/LoRA basics.md", String.join("\n",
        "---", "tags: [ml]", "---",
        "# LoRA basics",
        "Low-rank adaptation freezes the base weights and trains two small matrices per layer.",
        "",
        "## Rank and alpha",
        "The rank r sets the adapter size; alpha scales the update by alpha over r.",
        ""));
    write(vault, "cooking/Bread.md", "# Bread\nSourdough bread needs flour, water, salt and a starter.\n");
    Path index = tmp.resolve("index");
    HashEmbedder e = new HashEmbedder();
    VaultIndexer.builder().vault(vault).index(index).embedder(e).build().run();
    searcher = VaultSearcher.open(index, null);
  }

  @AfterAll
  static void close() {
    searcher.close();
  }

  @Test
  void snippetsCarryTheChunkCitationAndObsidianLink() {
    VaultContextProvider p = VaultContextProvider.builder().searcher(searcher).mode(SearchMode.BM25).expandLinks(false).build();
    List<ContextSnippet> s = p.retrieve("what do rank and alpha set in an adapter?", "en");
    assertThat(s).isNotEmpty();
    ContextSnippet first = s.get(0);
    assertThat(first.citation()).isEqualTo("ml/LoRA basics.md > LoRA basics > Rank and alpha, lines 7-8");
    assertThat(first.uri()).isEqualTo("obsidian://open?vault=Seed%20Vault&file=ml%2FLoRA%20basics");
    assertThat(first.text()).contains("alpha scales the update");
    assertThat(s).noneMatch(x -> x.citation().startsWith("cooking/"));
    assertThat(p.retrieve("  ", "en")).isEmpty();
  }

  @Test
  void theBudgetLimitsTheSnippets() {
    VaultContextProvider big = VaultContextProvider.builder().searcher(searcher).mode(SearchMode.BM25).expandLinks(false).build();
    VaultContextProvider tiny = VaultContextProvider.builder().searcher(searcher).mode(SearchMode.BM25).expandLinks(false)
        .budget(5).build();
    assertThat(big.retrieve("adapter weights layer rank", "en")).hasSizeGreaterThan(0);
    assertThat(tiny.retrieve("adapter weights layer rank", "en")).isEmpty();
    assertThatThrownBy(() -> VaultContextProvider.builder().searcher(searcher).k(0).build()).hasMessageContaining("k must be >= 1");
    assertThatThrownBy(() -> VaultContextProvider.builder().build()).hasMessageContaining("searcher");
  }

  @Test
  void theLoopShowsTheRetrievedNotesWithCitations() throws IOException {
    List<GenerationRequest> seen = new ArrayList<>();
    TextGenerator g = new TextGenerator() {
      @Override
      public String modelName() {
        return "fake";
      }

      @Override
      public Generation doGenerate(GenerationRequest request) {
        seen.add(request);
        return new Generation("fake", "r", "a" + seen.size(), List.of(), Generation.FinishReason.EOS);
      }
    };
    ThinkingLoop loop = ThinkingLoop.builder().generator(g).iterations(1)
        .contextProvider(VaultContextProvider.builder().searcher(searcher).mode(SearchMode.BM25).build()).build();
    loop.run(List.of(Probe.of("p", "What does alpha scale in LoRA?")), tmp.resolve("traces.jsonl"));
    String user = seen.get(0).messages().get(0).content();
    assertThat(user).startsWith(ThinkingLoop.CONTEXT_HEADER_EN + "\n\n[1] ml/LoRA basics.md > LoRA basics > Rank and alpha, lines 7-8\n"
        + "obsidian://open?vault=Seed%20Vault&file=ml%2FLoRA%20basics\nThe rank r sets the adapter size");
    assertThat(user).endsWith("\n\nWhat does alpha scale in LoRA?");
  }
}
