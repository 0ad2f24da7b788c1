package io.ltm.rag.search;

/** How candidates are found. */
public enum SearchMode {
  /** BM25 over the language-analysed text fields only. */
  BM25,
  /** HNSW nearest neighbours of the query embedding only (cosine). */
  VECTOR,
  /** Both lists fused by reciprocal rank fusion (k = 60). */
  HYBRID;

  /** Parses {@code hybrid}, {@code bm25} or {@code vector} (any case). */
  public static SearchMode parse(String s) {
    for (SearchMode m : values()) {
      if (m.name().equalsIgnoreCase(s.trim())) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown search mode '" + s + "', expected hybrid, bm25 or vector");
  }
}
