package io.ltm.rag.index;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;

/**
 * The layout of an ltm vault index, shared by the indexer and the searcher. One Lucene index holds
 * two kinds of documents: one <em>note</em> document per vault note (path, content hash, mtime, size,
 * title, outgoing links) and one <em>chunk</em> document per chunk (stored metadata and text, BM25
 * text fields analysed per language, an HNSW vector with cosine similarity, read back through
 * {@link #vector(IndexReader, int)} rather than kept as a stored field).
 * The commit user data records the schema version, the embedding model and dimension and the vault
 * name.
 */
public final class IndexSchema {
  private IndexSchema() {}

  /** Schema version in the commit user data; a different version is rebuilt from scratch. */
  public static final String VERSION = "3";

  public static final String TYPE = "type";
  public static final String TYPE_NOTE = "note";
  public static final String TYPE_CHUNK = "chunk";

  /** Note documents: unique key. */
  public static final String NOTE_ID = "note_id";
  /** Chunk documents: the note they belong to. */
  public static final String CHUNK_OF = "chunk_of";
  /** Both kinds: the vault-relative path (stored). */
  public static final String PATH = "path";
  public static final String HASH = "hash";
  public static final String MTIME = "mtime";
  public static final String SIZE = "size";
  public static final String TITLE = "title";
  /** Note documents: each outgoing link as {@code linkpath} (stored, multi-valued). */
  public static final String LINK = "link";
  public static final String CHUNK_COUNT = "chunks";
  /** Note documents: the state a re-run compares, as doc values (read without stored fields). */
  public static final String DV_PATH = "dv_path";
  public static final String DV_HASH = "dv_hash";
  public static final String DV_MTIME = "dv_mtime";
  public static final String DV_SIZE = "dv_size";
  public static final String DV_CHUNKS = "dv_chunks";

  public static final String ORDINAL = "ordinal";
  public static final String HEADING = "heading";
  public static final String LINE_FROM = "line_from";
  public static final String LINE_TO = "line_to";
  public static final String TEXT = "text";
  public static final String LANG = "lang";
  /** Chunk documents: lower-cased tags (exact match filter). */
  public static final String TAG = "tag";
  /** Chunk documents: every enclosing folder (exact match filter). */
  public static final String FOLDER = "folder";
  /** Chunk documents: prefix of a frontmatter field, e.g. {@code fm.status}; values lower-cased. */
  public static final String FIELD_PREFIX = "fm.";
  public static final String VECTOR = "vec";
  /** Chunk documents: hash of model id and embedding text; finds reusable vectors. */
  public static final String CHUNK_HASH = "chunk_hash";

  public static final String COMMIT_VERSION = "ltm.schema";
  public static final String COMMIT_MODEL = "ltm.model";
  public static final String COMMIT_DIMENSION = "ltm.dimension";
  public static final String COMMIT_VAULT = "ltm.vault";

  /** The BM25 text field for a language: {@code text_en} or {@code text_ru}. */
  public static String textField(Language lang) {
    return "text_" + lang.code();
  }

  /** The analyzer for each text field: English or Russian stemming and stop words. */
  public static Analyzer analyzer() {
    return new PerFieldAnalyzerWrapper(new StandardAnalyzer(), Map.of(
        textField(Language.EN), new EnglishAnalyzer(),
        textField(Language.RU), new RussianAnalyzer()));
  }

  /** Filter values are matched lower-cased and trimmed. */
  public static String filterValue(String v) {
    return v.trim().toLowerCase(Locale.ROOT);
  }

  /**
   * The indexed vector of one chunk document, read from Lucene's own vector values (no stored
   * field); null when the document has none.
   *
   * @param reader a top-level reader
   * @param doc a document id of {@code reader}
   */
  public static float[] vector(IndexReader reader, int doc) throws IOException {
    List<LeafReaderContext> leaves = reader.leaves();
    LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
    FloatVectorValues values = leaf.reader().getFloatVectorValues(VECTOR);
    if (values == null) {
      return null;
    }
    int target = doc - leaf.docBase;
    return values.advance(target) == target ? values.vectorValue().clone() : null;
  }
}
