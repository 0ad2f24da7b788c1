package io.ltm.rag.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.rag.HashEmbedder;
import io.ltm.rag.index.FileStatus.Status;
import io.ltm.rag.search.RetrievalRequest;
import io.ltm.rag.search.SearchMode;
import io.ltm.rag.search.SearchResult;
import io.ltm.rag.search.VaultSearcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaultIndexerTest {
  @TempDir Path tmp;

  Path vault() {
    return tmp.resolve("My Vault");
  }

  Path index() {
    return tmp.resolve("index");
  }

  void write(String rel, String text) throws IOException {
    Path p = vault().resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text, StandardCharsets.UTF_8);
  }

  void sampleVault() throws IOException {
    write("Alpha.md", "---\ntags: [ml]\nstatus: draft\n---\n# Alpha\nAlpha talks about adapters and ranks.\n## Details\nThe rank of the adapter matrix is eight. See [[Beta]].\n");
    write("notes/Beta.md", "# Beta\nBeta explains learning rates and warmup schedules.\n\n# More\nBeta second section about batch sizes.\n");
    write("notes/Gamma.md", "Gamma is about gardening and tomatoes.\n");
    write("ru/Память.md", "---\nlang: ru\n---\n# Память\nЗдесь мои заметки о долговременной памяти модели.\n");
    write(".obsidian/workspace.md", "# ignored\nshould never be indexed\n");
    write("empty.md", "---\ntitle: Empty\n---\n");
  }

  VaultIndexer indexer(HashEmbedder e, int batch, IndexListener l) {
    return VaultIndexer.builder().vault(vault()).index(index()).embedder(e).batchSize(batch).listener(l).build();
  }

  static Map<String, Status> statuses(IndexReport r) {
    return r.files().stream().collect(Collectors.toMap(FileStatus::path, FileStatus::status));
  }

  /** The vectors of a note's chunks, read from Lucene's vector values; chunk documents keep no stored copy. */
  List<float[]> chunkVectors(String path) throws IOException {
    List<float[]> out = new ArrayList<>();
    try (org.apache.lucene.store.Directory dir = org.apache.lucene.store.FSDirectory.open(index());
        org.apache.lucene.index.DirectoryReader r = org.apache.lucene.index.DirectoryReader.open(dir)) {
      org.apache.lucene.search.IndexSearcher s = new org.apache.lucene.search.IndexSearcher(r);
      for (org.apache.lucene.search.ScoreDoc sd : s.search(new org.apache.lucene.search.TermQuery(
          new org.apache.lucene.index.Term(IndexSchema.CHUNK_OF, path)), 100).scoreDocs) {
        assertThat(s.storedFields().document(sd.doc).getFields()).noneMatch(f -> f.binaryValue() != null);
        float[] v = IndexSchema.vector(r, sd.doc);
        assertThat(v).isNotNull().hasSize(new HashEmbedder().dimension());
        out.add(v);
      }
    }
    return out;
  }

  @Test
  void indexesOnceThenOnlyWhatChanged() throws Exception {
    sampleVault();
    HashEmbedder e = new HashEmbedder();
    IndexReport first = indexer(e, 64, IndexListener.none()).run();
    assertThat(statuses(first)).containsOnly(
        Map.entry("Alpha.md", Status.INDEXED), Map.entry("notes/Beta.md", Status.INDEXED),
        Map.entry("notes/Gamma.md", Status.INDEXED), Map.entry("ru/Память.md", Status.INDEXED),
        Map.entry("empty.md", Status.SKIPPED));
    assertThat(first.files()).filteredOn(f -> f.path().equals("empty.md")).singleElement()
        .satisfies(f -> assertThat(f.detail()).isEqualTo("no text to index"));
    int chunks = first.files().stream().mapToInt(FileStatus::chunks).sum();
    assertThat(chunks).isEqualTo(6);
    assertThat(e.embedded.get()).isEqualTo(6);
    assertThat(first.chunksEmbedded()).isEqualTo(6);

    // no change: nothing read or embedded
    IndexReport again = indexer(e, 64, IndexListener.none()).run();
    assertThat(again.count(Status.UNCHANGED)).isEqualTo(5);
    assertThat(again.count(Status.INDEXED)).isZero();
    assertThat(e.embedded.get()).isEqualTo(6);

    // touched without change (new mtime): read, hash equal, still unchanged
    Files.setLastModifiedTime(vault().resolve("notes/Gamma.md"), FileTime.fromMillis(System.currentTimeMillis() + 5000));
    assertThat(statuses(indexer(e, 64, IndexListener.none()).run())).containsEntry("notes/Gamma.md", Status.UNCHANGED);
    assertThat(e.embedded.get()).isEqualTo(6);

    // one section edited: only that chunk is embedded again
    write("notes/Beta.md", "# Beta\nBeta explains learning rates and warmup schedules.\n\n# More\nBeta second section about gradient clipping.\n");
    IndexReport edit = indexer(e, 64, IndexListener.none()).run();
    assertThat(statuses(edit)).containsEntry("notes/Beta.md", Status.INDEXED);
    assertThat(edit.chunksEmbedded()).isEqualTo(1);
    assertThat(edit.chunksReused()).isEqualTo(1);
    assertThat(e.embedded.get()).isEqualTo(7);

    // rename: no embedding, old path gone, new path found, the very same vector read back from the index
    float[] gammaBefore = chunkVectors("notes/Gamma.md").get(0);
    Files.move(vault().resolve("notes/Gamma.md"), vault().resolve("Gamma renamed.md"));
    IndexReport rename = indexer(e, 64, IndexListener.none()).run();
    assertThat(rename.files()).filteredOn(f -> f.path().equals("Gamma renamed.md")).singleElement()
        .satisfies(f -> {
          assertThat(f.status()).isEqualTo(Status.INDEXED);
          assertThat(f.detail()).isEqualTo("renamed from notes/Gamma.md");
          assertThat(f.embedded()).isZero();
        });
    assertThat(statuses(rename)).containsEntry("notes/Gamma.md", Status.DELETED);
    assertThat(chunkVectors("Gamma renamed.md")).singleElement().isEqualTo(gammaBefore);
    assertThat(chunkVectors("notes/Gamma.md")).isEmpty();
    assertThat(e.embedded.get()).isEqualTo(7);

    // delete
    Files.delete(vault().resolve("notes/Beta.md"));
    assertThat(statuses(indexer(e, 64, IndexListener.none()).run())).containsEntry("notes/Beta.md", Status.DELETED);

    try (VaultSearcher s = VaultSearcher.open(index(), e)) {
      assertThat(s.noteCount()).isEqualTo(4); // Alpha, Gamma renamed, Память, empty
      assertThat(s.chunkCount()).isEqualTo(4);
      List<String> paths = s.search(RetrievalRequest.builder("tomatoes gardening").mode(SearchMode.BM25).build())
          .stream().map(SearchResult::path).toList();
      assertThat(paths).containsExactly("Gamma renamed.md");
      assertThat(s.search(RetrievalRequest.builder("warmup schedules").mode(SearchMode.BM25).build())).isEmpty();
    }
  }

  @Test
  void interruptedRunLeavesAWorkingIndexAndTheNextRunCompletes() throws Exception {
    for (int i = 0; i < 10; i++) {
      write("n" + i + ".md", "# Note " + i + "\nText of note number " + i + " about topic" + i + ".\n");
    }
    HashEmbedder e = new HashEmbedder();
    List<Integer> commits = new ArrayList<>();
    IndexListener crashAfterTwoBatches = new IndexListener() {
      @Override
      public void onCommit(int done, int toRead) {
        commits.add(done);
        if (commits.size() == 2) {
          throw new IllegalStateException("simulated kill");
        }
      }
    };
    assertThatThrownBy(() -> indexer(e, 3, crashAfterTwoBatches).run()).hasMessageContaining("simulated kill");
    assertThat(commits).containsExactly(3, 6);
    try (VaultSearcher s = VaultSearcher.open(index(), e)) {
      assertThat(s.noteCount()).isEqualTo(6);
      assertThat(s.search(RetrievalRequest.builder("topic1").mode(SearchMode.HYBRID).build()).get(0).path()).isEqualTo("n1.md");
    }
    e.embedded.set(6); // the query above was embedded too
    IndexReport rest = indexer(e, 3, IndexListener.none()).run();
    assertThat(rest.count(Status.UNCHANGED)).isEqualTo(6);
    assertThat(rest.count(Status.INDEXED)).isEqualTo(4);
    assertThat(e.embedded.get()).isEqualTo(10);
  }

  @Test
  void openSearcherSeesCommitsOfALaterRun() throws Exception {
    sampleVault();
    HashEmbedder e = new HashEmbedder();
    indexer(e, 64, IndexListener.none()).run();
    try (VaultSearcher s = VaultSearcher.open(index(), e)) {
      RetrievalRequest q = RetrievalRequest.builder("quantum chromodynamics").mode(SearchMode.BM25).build();
      assertThat(s.search(q)).isEmpty();
      write("Physics.md", "# Physics\nNotes on quantum chromodynamics.\n");
      indexer(e, 64, IndexListener.none()).run();
      assertThat(s.search(q)).extracting(SearchResult::path).containsExactly("Physics.md");
    }
  }

  @Test
  void anIndexOfAnOlderSchemaIsRebuilt() throws Exception {
    sampleVault();
    HashEmbedder e = new HashEmbedder();
    indexer(e, 64, IndexListener.none()).run();
    // mark the commit as schema 2 (vectors kept as stored fields then)
    try (org.apache.lucene.store.Directory dir = org.apache.lucene.store.FSDirectory.open(index());
        org.apache.lucene.index.IndexWriter w = new org.apache.lucene.index.IndexWriter(dir,
            new org.apache.lucene.index.IndexWriterConfig(IndexSchema.analyzer()))) {
      Map<String, String> data = new java.util.HashMap<>();
      w.getLiveCommitData().forEach(x -> data.put(x.getKey(), x.getValue()));
      data.put(IndexSchema.COMMIT_VERSION, "2");
      w.setLiveCommitData(data.entrySet());
      w.commit();
    }
    int before = e.embedded.get();
    IndexReport r = indexer(e, 64, IndexListener.none()).run();
    assertThat(r.count(Status.INDEXED)).isEqualTo(4);
    assertThat(e.embedded.get()).isEqualTo(before + 6);
    try (VaultSearcher s = VaultSearcher.open(index(), e)) {
      assertThat(s.commitData()).containsEntry(IndexSchema.COMMIT_VERSION, IndexSchema.VERSION);
      assertThat(s.noteCount()).isEqualTo(5);
    }
  }

  @Test
  void anotherModelRebuildsAndSearcherRefusesAMismatchedModel() throws Exception {
    sampleVault();
    indexer(new HashEmbedder("model-a"), 64, IndexListener.none()).run();
    HashEmbedder b = new HashEmbedder("model-b");
    IndexReport r = indexer(b, 64, IndexListener.none()).run();
    assertThat(r.count(Status.INDEXED)).isEqualTo(4);
    assertThat(b.embedded.get()).isEqualTo(6);
    assertThatThrownBy(() -> VaultSearcher.open(index(), new HashEmbedder("model-a")))
        .hasMessageContaining("model-b").hasMessageContaining("model-a");
    // another dimension too: the vector field is recreated
    HashEmbedder c = new HashEmbedder("model-c", 24);
    assertThat(indexer(c, 64, IndexListener.none()).run().count(Status.INDEXED)).isEqualTo(4);
    try (VaultSearcher s = VaultSearcher.open(index(), c)) {
      assertThat(s.search(RetrievalRequest.builder("Gamma\nGamma is about gardening and tomatoes.").mode(SearchMode.VECTOR).k(1).build()).get(0).path()).isEqualTo("notes/Gamma.md");
    }
  }

  @Test
  void badFilesAreReportedAndDoNotStopTheRun() throws Exception {
    sampleVault();
    Files.write(vault().resolve("binary.md"), new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, (byte) 0xc3});
    write("big.md", "# Big\n" + "word ".repeat(400));
    byte[] latin1 = "# Caf\u00e9\nA note about the caf\u00e9 terrace.\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    Files.write(vault().resolve("latin1.md"), latin1); // one stray Latin-1 byte per line: text, not binary
    IndexReport r = VaultIndexer.builder().vault(vault()).index(index()).embedder(new HashEmbedder())
        .maxFileBytes(1000).build().run();
    assertThat(r.files()).filteredOn(f -> f.path().equals("binary.md")).singleElement()
        .satisfies(f -> {
          assertThat(f.status()).isEqualTo(Status.FAILED);
          assertThat(f.detail()).contains("binary").contains("UTF-8 at line 1, column 1 (byte 0)");
        });
    assertThat(r.files()).filteredOn(f -> f.path().equals("latin1.md")).singleElement()
        .satisfies(f -> {
          assertThat(f.status()).isEqualTo(Status.INDEXED);
          assertThat(f.detail()).isEqualTo("invalid UTF-8 at line 1, column 6 (byte 5) read as U+FFFD");
        });
    assertThat(r.files()).filteredOn(f -> f.path().equals("big.md")).singleElement()
        .satisfies(f -> {
          assertThat(f.status()).isEqualTo(Status.SKIPPED);
          assertThat(f.detail()).contains("larger than 1000 bytes");
        });
    assertThat(r.count(Status.INDEXED)).isEqualTo(5);
    assertThatThrownBy(() -> VaultIndexer.builder().vault(tmp.resolve("nope")).index(index()).embedder(new HashEmbedder()).build().run())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope").hasMessageContaining("not a directory");
  }
}
