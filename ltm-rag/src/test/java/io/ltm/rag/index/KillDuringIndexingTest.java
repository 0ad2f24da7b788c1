package io.ltm.rag.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.rag.HashEmbedder;
import io.ltm.rag.search.RetrievalRequest;
import io.ltm.rag.search.SearchMode;
import io.ltm.rag.search.VaultSearcher;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real indexer process (SIGKILL, no shutdown hooks) in the middle of a run, then checks
 * that the index opens and answers and that the next run completes the work.
 */
class KillDuringIndexingTest {
  @TempDir Path tmp;

  /** The indexer process: a vault, an index, one note per batch, and a slow fake embedder. */
  public static void main(String[] args) {
    HashEmbedder slow = new HashEmbedder() {
      @Override
      public java.util.List<float[]> embedAll(java.util.List<String> texts) {
        try {
          Thread.sleep(40);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return super.embedAll(texts);
      }
    };
    VaultIndexer.builder().vault(Path.of(args[0])).index(Path.of(args[1])).embedder(slow).batchSize(1).build().run();
  }

  @Test
  void killedIndexerLeavesAnIndexThatAnswersAndTheNextRunCompletes() throws Exception {
    Path vault = tmp.resolve("vault");
    Path index = tmp.resolve("index");
    Files.createDirectories(vault);
    int notes = 200;
    for (int i = 0; i < notes; i++) {
      Files.writeString(vault.resolve("n" + i + ".md"), "# Note " + i + "\nBody of note " + i + " with word w" + i + ".\n");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        KillDuringIndexingTest.class.getName(), vault.toString(), index.toString())
        .redirectErrorStream(true).redirectOutput(tmp.resolve("child.log").toFile()).start();
    // wait for a few commits, then kill without warning
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && commits(index) < 3) {
      Thread.sleep(20);
    }
    assertThat(p.isAlive()).as("indexer still running when killed; log: %s", tmp.resolve("child.log")).isTrue();
    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    assertThat(commits(index)).isGreaterThanOrEqualTo(1);

    HashEmbedder e = new HashEmbedder();
    int partial;
    try (VaultSearcher s = VaultSearcher.open(index, e)) {
      partial = s.noteCount();
      assertThat(partial).isBetween(1, notes - 1);
      assertThat(s.search(RetrievalRequest.builder("note").mode(SearchMode.BM25).build())).isNotEmpty();
    }
    // a killed writer leaves write.lock behind; Lucene's native lock is released with the process
    IndexReport rest = VaultIndexer.builder().vault(vault).index(index).embedder(e).build().run();
    assertThat(rest.count(FileStatus.Status.UNCHANGED)).isEqualTo(partial);
    assertThat(rest.count(FileStatus.Status.INDEXED)).isEqualTo(notes - partial);
    try (VaultSearcher s = VaultSearcher.open(index, e)) {
      assertThat(s.noteCount()).isEqualTo(notes);
      assertThat(s.search(RetrievalRequest.builder("w199").mode(SearchMode.BM25).build()).get(0).path()).isEqualTo("n199.md");
    }
  }

  private static long commits(Path index) throws Exception {
    if (!Files.isDirectory(index)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(index)) {
      return s.map(x -> x.getFileName().toString()).filter(n -> n.startsWith("segments_"))
          .mapToLong(n -> Long.parseLong(n.substring("segments_".length()), Character.MAX_RADIX)).max().orElse(0);
    }
  }
}
