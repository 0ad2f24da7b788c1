package io.ltm.bench;

import io.ltm.core.vault.Note;
import io.ltm.core.vault.Vault;
import io.ltm.rag.index.Chunker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ltm-rag's {@link Chunker} over every note of {@code examples/vault} (31 notes, parsed once): one
 * score is the whole vault. The limit beside it is one pass over the same notes' bodies (counting
 * whitespace-separated words, the chunker's token measure).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class ChunkerJmh {
  private List<Note> notes;
  private List<String> texts;
  private Chunker chunker;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Path vault = Path.of("examples/vault");
    if (!Files.isDirectory(vault)) {
      throw new IllegalStateException("run from the repository root (examples/vault is read)");
    }
    notes = Vault.read(vault).notes();
    texts = notes.stream().map(Note::body).toList();
    chunker = Chunker.defaults();
  }

  /** Chunks of every note of the vault. */
  @Benchmark
  public int chunkVault() {
    int n = 0;
    for (Note note : notes) {
      n += chunker.chunk(note).size();
    }
    return n;
  }

  /** Limit: one pass over the notes' characters, counting words. */
  @Benchmark
  public int onePassLimit() {
    int words = 0;
    for (String t : texts) {
      boolean in = false;
      for (int i = 0; i < t.length(); i++) {
        boolean space = Character.isWhitespace(t.charAt(i));
        if (!space && !in) {
          words++;
        }
        in = !space;
      }
    }
    return words;
  }
}
