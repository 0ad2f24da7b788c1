package io.ltm.rag.index;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.util.BytesRef;

/**
 * The layout of an ltm vault index, shared by the indexer and the searcher. One Lucene index holds
 * two kinds of documents: one <em>note</em> document per vault note (path, content hash, mtime, size,
 * title, outgoing links) and one <em>chunk</em> document per chunk (stored metadata and text, BM25
 * text fields analysed per language, an HNSW vector with cosine similarity and a stored copy of it).
 * The commit user data records the schema version, the embedding model and dimension and the vault
 * name.
 */
public final class IndexSchema {
  private IndexSchema() {}

  /** Schema version in the commit user data; a different version is rebuilt from scratch. */
  public static final String VERSION = "1";

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
  public static final String VECTOR_BYTES = "vec_bytes";
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

  /** Little-endian bytes of a vector, for the stored copy. */
  public static BytesRef vectorBytes(float[] v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return new BytesRef(b.array());
  }

  /** The vector stored by {@link #vectorBytes(float[])}. */
  public static float[] vector(BytesRef bytes) {
    float[] v = new float[bytes.length / Float.BYTES];
    ByteBuffer.wrap(bytes.bytes, bytes.offset, bytes.length).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
    return v;
  }
}
