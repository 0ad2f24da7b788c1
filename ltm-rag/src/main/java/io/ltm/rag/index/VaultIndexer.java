package io.ltm.rag.index;

import io.ltm.core.vault.Note;
import io.ltm.core.vault.NoteLink;
import io.ltm.rag.embed.Embedder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.lucene.document.BinaryDocValuesField;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.IndexableField;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds and incrementally updates the Lucene index of an Obsidian vault (see {@link IndexSchema}).
 *
 * <p>A run scans the vault ({@code *.md} files, dot-folders skipped), compares each file with the
 * index and touches only what changed: a file whose mtime and size match the index is not even
 * read; a file whose content hash matches is kept; a changed or new note is re-chunked, and only the
 * chunks whose text is not already in the index are embedded (a renamed note, or the unchanged
 * sections of an edited one, reuse their stored vectors; a renamed note keeps the vectors computed
 * under its old title); notes gone from the vault are removed. When
 * the embedding model differs from the one the index was built with, everything is re-embedded.
 *
 * <p>Crash safety: changes are committed every {@link Builder#batchSize(int)} notes; a note's old
 * and new documents change in the same commit, so a run killed at any moment leaves the last commit,
 * which opens and answers queries, and the next run completes the work. Readers (other processes
 * too) keep querying while a run writes and see each commit when they refresh. Only one run may
 * write an index at a time (Lucene's write lock).
 *
 * <p>An instance is immutable and may run many times, but not concurrently on the same index. It
 * does not own the embedder.
 */
public final class VaultIndexer {
  private static final Logger LOG = LoggerFactory.getLogger(VaultIndexer.class);
  /** Default number of notes per commit. */
  public static final int DEFAULT_BATCH_SIZE = 64;
  /** Default largest note read, in bytes; larger files are skipped. */
  public static final long DEFAULT_MAX_FILE_BYTES = 5L << 20;
  /** A run with fewer changed notes than a batch does not merge while the index has at most this many segments. */
  static final int MAX_SEGMENTS_WITHOUT_MERGE = 40;

  private final Path vault;
  private final Path indexDir;
  private final Embedder embedder;
  private final Chunker chunker;
  private final NoteReader reader;
  private final int batchSize;
  private final long maxFileBytes;
  private final IndexListener listener;

  private VaultIndexer(Builder b) {
    this.vault = b.vault;
    this.indexDir = b.index;
    this.embedder = b.embedder;
    this.chunker = b.chunker;
    this.reader = b.reader;
    this.batchSize = b.batchSize;
    this.maxFileBytes = b.maxFileBytes;
    this.listener = b.listener;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** What the index holds for one note. */
  private record Indexed(String path, String hash, long mtime, long size, int chunks) {}

  /** One vault file found by the scan. */
  private record Scanned(String path, Path file, long mtime, long size) {}

  /**
   * Runs the indexer once.
   *
   * @throws IllegalArgumentException when the vault is not a directory
   * @throws IllegalStateException when another run holds the index's write lock
   * @throws UncheckedIOException when the index cannot be written; committed batches stay
   */
  public IndexReport run() {
    long t0 = System.nanoTime();
    if (!Files.isDirectory(vault)) {
      throw new IllegalArgumentException(vault + ": not a directory; pass the vault's root folder");
    }
    try {
      Files.createDirectories(indexDir);
    } catch (IOException e) {
      throw new UncheckedIOException(indexDir + ": cannot create the index directory", e);
    }
    IndexWriterConfig cfg = new IndexWriterConfig(IndexSchema.analyzer())
        .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND)
        .setRAMBufferSizeMB(64)
        .setCommitOnClose(false);
    try (Directory dir = FSDirectory.open(indexDir)) {
      boolean fresh = !DirectoryReader.indexExists(dir);
      IndexWriter writer;
      try {
        writer = new IndexWriter(dir, cfg);
      } catch (LockObtainFailedException e) {
        throw new IllegalStateException(indexDir + ": the index is being written by another indexer (write.lock held); wait for it to finish", e);
      }
      try {
        IndexReport report = update(writer, fresh);
        long c0 = System.nanoTime();
        writer.close();
        LOG.debug("close: {} ms", (System.nanoTime() - c0) / 1_000_000);
        return new IndexReport(report.files(), report.filesRead(), report.chunksEmbedded(), report.chunksReused(),
            (System.nanoTime() - t0) / 1e9);
      } catch (RuntimeException | IOException | Error e) {
        try {
          writer.rollback(); // drops what was not committed; the last commit stays
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(indexDir + ": " + e.getMessage(), e);
    }
  }

  private IndexReport update(IndexWriter writer, boolean fresh) throws IOException {
    Map<String, String> commitData = new HashMap<>();
    Iterable<Map.Entry<String, String>> live = writer.getLiveCommitData();
    if (live != null) {
      live.forEach(e -> commitData.put(e.getKey(), e.getValue()));
    }
    String model = embedder.modelId();
    String dim = Integer.toString(embedder.dimension());
    boolean rebuild = writer.getDocStats().numDocs > 0
        && (!IndexSchema.VERSION.equals(commitData.get(IndexSchema.COMMIT_VERSION))
            || !model.equals(commitData.get(IndexSchema.COMMIT_MODEL))
            || !dim.equals(commitData.get(IndexSchema.COMMIT_DIMENSION)));
    if (rebuild) {
      LOG.info("{}: built with model {} (schema {}), now {} (schema {}): rebuilding", indexDir,
          commitData.get(IndexSchema.COMMIT_MODEL), commitData.get(IndexSchema.COMMIT_VERSION), model, IndexSchema.VERSION);
      writer.deleteAll();
    }
    Map<String, String> newData = new HashMap<>();
    newData.put(IndexSchema.COMMIT_VERSION, IndexSchema.VERSION);
    newData.put(IndexSchema.COMMIT_MODEL, model);
    newData.put(IndexSchema.COMMIT_DIMENSION, dim);
    newData.put(IndexSchema.COMMIT_VAULT, vault.toAbsolutePath().normalize().getFileName() == null
        ? "vault" : vault.toAbsolutePath().normalize().getFileName().toString());
    writer.setLiveCommitData(newData.entrySet(), false); // written with the next commit; alone it is no change

    long o0 = System.nanoTime();
    try (DirectoryReader snapshot = DirectoryReader.open(writer)) {
      LOG.debug("snapshot reader: {} segments in {} ms", snapshot.leaves().size(), (System.nanoTime() - o0) / 1_000_000);
      IndexSearcher searcher = new IndexSearcher(snapshot);
      long t0 = System.nanoTime();
      Map<String, Indexed> indexed = rebuild ? Map.of() : loadNotes(searcher);
      long t1 = System.nanoTime();
      Map<String, Scanned> scanned = scan();
      LOG.debug("index state: {} notes in {} ms; scan: {} files in {} ms", indexed.size(), (t1 - t0) / 1_000_000,
          scanned.size(), (System.nanoTime() - t1) / 1_000_000);
      Map<String, FileStatus> statuses = new TreeMap<>();
      List<Scanned> toRead = new ArrayList<>();
      for (Scanned s : scanned.values()) {
        Indexed old = indexed.get(s.path);
        if (old != null && old.mtime == s.mtime && old.size == s.size) {
          statuses.put(s.path, new FileStatus(s.path, FileStatus.Status.UNCHANGED, "", old.chunks, 0));
        } else {
          toRead.add(s);
        }
      }
      // Deleted notes: their hashes let a new path claim them as a rename.
      Map<String, String> deletedByHash = new HashMap<>();
      boolean changed = rebuild || fresh;
      for (Indexed old : indexed.values()) {
        if (!scanned.containsKey(old.path)) {
          writer.deleteDocuments(new Term(IndexSchema.NOTE_ID, old.path), new Term(IndexSchema.CHUNK_OF, old.path));
          deletedByHash.putIfAbsent(old.hash, old.path);
          statuses.put(old.path, new FileStatus(old.path, FileStatus.Status.DELETED, "", 0, 0));
          changed = true;
        }
      }
      int changes = toRead.size() + (int) statuses.values().stream().filter(st -> st.status() == FileStatus.Status.DELETED).count();
      if (!rebuild && !fresh && changes < batchSize && snapshot.leaves().size() <= MAX_SEGMENTS_WITHOUT_MERGE) {
        // A small run adds one small segment. Merging it now would make close() wait for (or
        // abort) a merge of big segments; runs with more changes merge, and so does any run once
        // small segments pile up.
        writer.getConfig().setMergePolicy(NoMergePolicy.INSTANCE);
      }
      listener.onStart(scanned.size(), toRead.size());
      for (FileStatus st : statuses.values()) {
        listener.onFile(st);
      }
      int embedded = 0;
      int reused = 0;
      int read = 0;
      for (int from = 0; from < toRead.size(); from += batchSize) {
        List<Scanned> batch = toRead.subList(from, Math.min(toRead.size(), from + batchSize));
        int[] counts = indexBatch(writer, searcher, batch, indexed, deletedByHash, statuses);
        embedded += counts[0];
        reused += counts[1];
        read += counts[2];
        if (Thread.currentThread().isInterrupted()) {
          throw new IllegalStateException("indexing interrupted; the next run completes the work");
        }
        writer.commit();
        changed = false;
        listener.onCommit(from + batch.size(), toRead.size());
      }
      if (changed || writer.hasUncommittedChanges()) {
        long k0 = System.nanoTime();
        writer.commit();
        LOG.debug("final commit: {} ms", (System.nanoTime() - k0) / 1_000_000);
      }
      return new IndexReport(new ArrayList<>(statuses.values()), read, embedded, reused, 0);
    }
  }

  /** Indexes one batch of files; returns {embedded, reused}. */
  private int[] indexBatch(IndexWriter writer, IndexSearcher snapshot, List<Scanned> batch,
      Map<String, Indexed> indexed, Map<String, String> deletedByHash, Map<String, FileStatus> statuses) throws IOException {
    record Pending(Scanned file, String hash, Note note, List<Chunk> chunks, String detail) {}
    List<Pending> pending = new ArrayList<>();
    List<String> toEmbed = new ArrayList<>();
    Map<String, float[]> vectors = new HashMap<>();
    int read = 0;
    for (Scanned s : batch) {
      FileStatus done = null;
      try {
        if (s.size > maxFileBytes) {
          done = new FileStatus(s.path, FileStatus.Status.SKIPPED, "larger than " + maxFileBytes + " bytes", 0, 0);
          writer.updateDocument(new Term(IndexSchema.NOTE_ID, s.path), noteDoc(s, "", s.path, List.of(), 0));
          writer.deleteDocuments(new Term(IndexSchema.CHUNK_OF, s.path));
        } else {
          byte[] bytes = Files.readAllBytes(s.file);
          read++;
          String hash = sha256(bytes);
          Indexed old = indexed.get(s.path);
          if (old != null && old.hash.equals(hash)) {
            // Touched but not changed: record the new mtime so the next run skips reading it.
            Document stored = storedNote(snapshot, s.path);
            List<String> links = new ArrayList<>();
            for (IndexableField f : stored.getFields(IndexSchema.LINK)) {
              links.add(f.stringValue());
            }
            writer.updateDocument(new Term(IndexSchema.NOTE_ID, s.path), noteDoc(s, hash, stored.get(IndexSchema.TITLE), links, old.chunks));
            done = new FileStatus(s.path, FileStatus.Status.UNCHANGED, "", old.chunks, 0);
          } else {
            String text = decode(bytes);
            java.util.Optional<io.ltm.core.problem.Utf8Error> bad = text.indexOf('\uFFFD') >= 0
                ? io.ltm.core.problem.Utf8Error.find(bytes) : java.util.Optional.empty();
            if (bad.isPresent() && text.indexOf('\0') >= 0) {
              throw new IllegalArgumentException("a binary file, not text (NUL bytes; not valid UTF-8 at "
                  + bad.get().describe() + ")");
            }
            if (bad.isPresent()) {
              LOG.warn("{}: not valid UTF-8 at {}; invalid bytes indexed as U+FFFD; re-save the note as UTF-8", s.path,
                  bad.get().describe());
            }
            Note note = reader.read(s.path, text);
            if (!note.path().equals(s.path)) {
              throw new IllegalStateException("note reader returned path " + note.path());
            }
            List<Chunk> chunks = chunker.chunk(note);
            String detail = old == null && deletedByHash.containsKey(hash) ? "renamed from " + deletedByHash.get(hash) : "";
            if (chunks.isEmpty()) {
              detail = "no text to index";
            } else if (bad.isPresent()) {
              detail = "invalid UTF-8 at " + bad.get().describe() + " read as U+FFFD";
            }
            pending.add(new Pending(s, hash, note, chunks, detail));
            // A rename has the same content: its chunks are the old ones in the same order.
            Map<Integer, float[]> renamed = old == null && deletedByHash.containsKey(hash)
                ? vectorsByOrdinal(snapshot, deletedByHash.get(hash)) : Map.of();
            for (Chunk c : chunks) {
              String key = chunkHash(c);
              if (!vectors.containsKey(key)) {
                float[] v = storedVector(snapshot, key);
                if (v == null) {
                  v = renamed.get(c.ordinal());
                }
                vectors.put(key, v);
                if (v == null) {
                  toEmbed.add(key);
                }
              }
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        String msg = String.valueOf(e.getMessage());
        LOG.warn("{}: {}", s.path, msg);
        Indexed old = indexed.get(s.path);
        done = new FileStatus(s.path, FileStatus.Status.FAILED, msg, old == null ? 0 : old.chunks, 0);
      }
      if (done != null) {
        statuses.put(s.path, done);
        listener.onFile(done);
      }
    }
    // One embedding call for every chunk of the batch whose text is new.
    Map<String, String> textByKey = new LinkedHashMap<>();
    for (Pending p : pending) {
      for (Chunk c : p.chunks) {
        String key = chunkHash(c);
        if (vectors.get(key) == null) {
          textByKey.putIfAbsent(key, c.embeddingText());
        }
      }
    }
    List<String> keys = new ArrayList<>(textByKey.keySet());
    List<float[]> fresh = keys.isEmpty() ? List.of() : embedder.embedAll(new ArrayList<>(textByKey.values()));
    for (int i = 0; i < keys.size(); i++) {
      vectors.put(keys.get(i), fresh.get(i));
    }
    int embedded = 0;
    int reused = 0;
    for (Pending p : pending) {
      String path = p.file.path;
      writer.deleteDocuments(new Term(IndexSchema.CHUNK_OF, path));
      List<Document> docs = new ArrayList<>();
      int noteEmbedded = 0;
      for (Chunk c : p.chunks) {
        String key = chunkHash(c);
        if (textByKey.containsKey(key)) {
          noteEmbedded++;
          textByKey.remove(key); // count a text embedded once per batch
        } else {
          reused++;
        }
        docs.add(chunkDoc(c, key, vectors.get(key)));
      }
      embedded += noteEmbedded;
      writer.addDocuments(docs);
      List<String> links = new ArrayList<>();
      for (NoteLink l : p.note.links()) {
        links.add(l.linkpath());
      }
      writer.updateDocument(new Term(IndexSchema.NOTE_ID, path), noteDoc(p.file, p.hash, p.note.title(), links, p.chunks.size()));
      FileStatus st = p.chunks.isEmpty()
          ? new FileStatus(path, FileStatus.Status.SKIPPED, p.detail, 0, 0)
          : new FileStatus(path, FileStatus.Status.INDEXED, p.detail, p.chunks.size(), noteEmbedded);
      statuses.put(path, st);
      listener.onFile(st);
    }
    return new int[] {embedded, reused, read};
  }

  private static float[] storedVector(IndexSearcher snapshot, String chunkHash) throws IOException {
    TopDocs td = snapshot.search(new TermQuery(new Term(IndexSchema.CHUNK_HASH, chunkHash)), 1);
    if (td.scoreDocs.length == 0) {
      return null;
    }
    return IndexSchema.vector(snapshot.getIndexReader(), td.scoreDocs[0].doc);
  }

  private static Map<Integer, float[]> vectorsByOrdinal(IndexSearcher snapshot, String path) throws IOException {
    Map<Integer, float[]> out = new HashMap<>();
    TermQuery q = new TermQuery(new Term(IndexSchema.CHUNK_OF, path));
    StoredFields fields = snapshot.storedFields();
    for (ScoreDoc sd : snapshot.search(q, Math.max(1, snapshot.count(q))).scoreDocs) {
      Document d = fields.document(sd.doc, java.util.Set.of(IndexSchema.ORDINAL));
      float[] v = IndexSchema.vector(snapshot.getIndexReader(), sd.doc);
      if (v != null) {
        out.put(d.getField(IndexSchema.ORDINAL).numericValue().intValue(), v);
      }
    }
    return out;
  }

  private String chunkHash(Chunk c) {
    return sha256((embedder.modelId() + "\n" + c.embeddingText()).getBytes(StandardCharsets.UTF_8));
  }

  private static Document noteDoc(Scanned s, String hash, String title, List<String> links, int chunks) {
    Document d = new Document();
    d.add(new StringField(IndexSchema.TYPE, IndexSchema.TYPE_NOTE, Field.Store.NO));
    d.add(new StringField(IndexSchema.NOTE_ID, s.path, Field.Store.NO));
    d.add(new StoredField(IndexSchema.PATH, s.path));
    d.add(new StoredField(IndexSchema.HASH, hash));
    d.add(new StoredField(IndexSchema.MTIME, s.mtime));
    d.add(new StoredField(IndexSchema.SIZE, s.size));
    d.add(new StoredField(IndexSchema.TITLE, title));
    d.add(new StoredField(IndexSchema.CHUNK_COUNT, chunks));
    d.add(new BinaryDocValuesField(IndexSchema.DV_PATH, new BytesRef(s.path)));
    d.add(new BinaryDocValuesField(IndexSchema.DV_HASH, new BytesRef(hash)));
    d.add(new NumericDocValuesField(IndexSchema.DV_MTIME, s.mtime));
    d.add(new NumericDocValuesField(IndexSchema.DV_SIZE, s.size));
    d.add(new NumericDocValuesField(IndexSchema.DV_CHUNKS, chunks));
    for (String l : links) {
      d.add(new StoredField(IndexSchema.LINK, l));
    }
    return d;
  }

  private static Document chunkDoc(Chunk c, String chunkHash, float[] vector) {
    Document d = new Document();
    d.add(new StringField(IndexSchema.TYPE, IndexSchema.TYPE_CHUNK, Field.Store.NO));
    d.add(new StringField(IndexSchema.CHUNK_OF, c.notePath(), Field.Store.NO));
    d.add(new StoredField(IndexSchema.PATH, c.notePath()));
    d.add(new StoredField(IndexSchema.ORDINAL, c.ordinal()));
    d.add(new StoredField(IndexSchema.TITLE, c.title()));
    d.add(new StoredField(IndexSchema.HEADING, String.join("\u001f", c.headingPath())));
    d.add(new StoredField(IndexSchema.LINE_FROM, c.lineFrom()));
    d.add(new StoredField(IndexSchema.LINE_TO, c.lineTo()));
    d.add(new StoredField(IndexSchema.TEXT, c.text()));
    d.add(new StringField(IndexSchema.LANG, c.lang().code(), Field.Store.YES));
    String head = c.headingPath().isEmpty() ? c.title() : c.title() + "\n" + String.join("\n", c.headingPath());
    d.add(new TextField(IndexSchema.textField(c.lang()), head + "\n" + c.text(), Field.Store.NO));
    for (String t : c.tags()) {
      d.add(new StringField(IndexSchema.TAG, IndexSchema.filterValue(t), Field.Store.YES));
    }
    for (String f : c.folders()) {
      d.add(new StringField(IndexSchema.FOLDER, f, Field.Store.NO));
    }
    c.fields().forEach((k, vs) -> {
      for (String v : vs) {
        d.add(new StringField(IndexSchema.FIELD_PREFIX + k, IndexSchema.filterValue(v), Field.Store.NO));
      }
    });
    d.add(new StringField(IndexSchema.CHUNK_HASH, chunkHash, Field.Store.NO));
    d.add(new KnnFloatVectorField(IndexSchema.VECTOR, vector, VectorSimilarityFunction.COSINE));
    return d;
  }

  /** The state of every indexed note, from doc values only (no stored fields are decompressed). */
  private static Map<String, Indexed> loadNotes(IndexSearcher searcher) throws IOException {
    Map<String, Indexed> out = new HashMap<>();
    for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
      LeafReader r = leaf.reader();
      BinaryDocValues paths = r.getBinaryDocValues(IndexSchema.DV_PATH);
      if (paths == null) {
        continue;
      }
      BinaryDocValues hashes = r.getBinaryDocValues(IndexSchema.DV_HASH);
      NumericDocValues mtimes = r.getNumericDocValues(IndexSchema.DV_MTIME);
      NumericDocValues sizes = r.getNumericDocValues(IndexSchema.DV_SIZE);
      NumericDocValues chunks = r.getNumericDocValues(IndexSchema.DV_CHUNKS);
      Bits live = r.getLiveDocs();
      for (int doc = paths.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = paths.nextDoc()) {
        if (live != null && !live.get(doc)) {
          continue;
        }
        if (!hashes.advanceExact(doc) || !mtimes.advanceExact(doc) || !sizes.advanceExact(doc) || !chunks.advanceExact(doc)) {
          throw new IllegalStateException("note document " + doc + " lacks doc values; delete the index directory and index again");
        }
        Indexed ix = new Indexed(paths.binaryValue().utf8ToString(), hashes.binaryValue().utf8ToString(),
            mtimes.longValue(), sizes.longValue(), (int) chunks.longValue());
        out.put(ix.path, ix);
      }
    }
    return out;
  }

  private static Document storedNote(IndexSearcher searcher, String path) throws IOException {
    TopDocs td = searcher.search(new TermQuery(new Term(IndexSchema.NOTE_ID, path)), 1);
    if (td.scoreDocs.length == 0) {
      throw new IllegalStateException(path + ": note document vanished from the index snapshot");
    }
    return searcher.storedFields().document(td.scoreDocs[0].doc);
  }

  private Map<String, Scanned> scan() throws IOException {
    Map<String, Scanned> out = new TreeMap<>();
    Path root = vault.toAbsolutePath().normalize();
    Path index = indexDir.toAbsolutePath().normalize();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
        if (!d.equals(root) && (d.getFileName().toString().startsWith(".") || d.equals(index))) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
        String name = f.getFileName().toString();
        if (attrs.isRegularFile() && name.endsWith(".md") && !name.startsWith(".")) {
          String rel = root.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/");
          out.put(rel, new Scanned(rel, f, attrs.lastModifiedTime().toMillis(), attrs.size()));
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path f, IOException e) {
        LOG.warn("{}: cannot read: {}", f, e.getMessage());
        return FileVisitResult.CONTINUE;
      }
    });
    return out;
  }

  /** The file's text; invalid UTF-8 becomes U+FFFD (as the vault reader does), a BOM is dropped. */
  private static String decode(byte[] bytes) {
    String s = new String(bytes, StandardCharsets.UTF_8);
    return s.startsWith("\uFEFF") ? s.substring(1) : s;
  }

  private static Note parseNote(String path, String text) {
    io.ltm.core.vault.ParsedNote parsed = io.ltm.core.vault.NoteParser.parse(path, text);
    for (io.ltm.core.problem.Problem p : parsed.problems()) {
      LOG.debug("{}", p.format());
    }
    return parsed.note();
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Builds a {@link VaultIndexer}; the checks run in {@link #build()}. Not thread-safe. */
  public static final class Builder {
    private Path vault;
    private Path index;
    private Embedder embedder;
    private Chunker chunker = Chunker.defaults();
    private NoteReader reader = VaultIndexer::parseNote;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private long maxFileBytes = DEFAULT_MAX_FILE_BYTES;
    private IndexListener listener = IndexListener.none();

    private Builder() {}

    /** The vault's root folder (required). */
    public Builder vault(Path vault) {
      this.vault = vault;
      return this;
    }

    /** The index directory (required); created when missing. */
    public Builder index(Path index) {
      this.index = index;
      return this;
    }

    /** The embedding model (required); the caller closes it. */
    public Builder embedder(Embedder embedder) {
      this.embedder = embedder;
      return this;
    }

    /** How notes are split; default {@link Chunker#defaults()}. */
    public Builder chunker(Chunker chunker) {
      this.chunker = chunker;
      return this;
    }

    /** How a file's text becomes a note; default ltm-core's {@code NoteParser}. */
    public Builder noteReader(NoteReader reader) {
      this.reader = reader;
      return this;
    }

    /** Notes per commit; default {@value VaultIndexer#DEFAULT_BATCH_SIZE}. */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Larger files are skipped; default 5 MiB. */
    public Builder maxFileBytes(long maxFileBytes) {
      this.maxFileBytes = maxFileBytes;
      return this;
    }

    /** Progress callbacks; default none. */
    public Builder listener(IndexListener listener) {
      this.listener = listener;
      return this;
    }

    public VaultIndexer build() {
      Objects.requireNonNull(vault, "vault must be set");
      Objects.requireNonNull(index, "index must be set");
      Objects.requireNonNull(embedder, "embedder must be set");
      Objects.requireNonNull(chunker, "chunker");
      Objects.requireNonNull(reader, "noteReader must be set");
      Objects.requireNonNull(listener, "listener");
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be >= 1 but got " + batchSize);
      }
      if (maxFileBytes < 1) {
        throw new IllegalArgumentException("maxFileBytes must be >= 1 but got " + maxFileBytes);
      }
      return new VaultIndexer(this);
    }
  }
}
