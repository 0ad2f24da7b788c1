package io.ltm.rag.search;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to retrieve. Build with {@link #builder(String)}; the defaults are applied and the ranges
 * checked in {@link Builder#build()}. Filters narrow the candidates before ranking (and the notes
 * reached by link expansion too); all given filters must hold.
 *
 * @param query the user's text (required, not blank)
 * @param k results to return; default {@value #DEFAULT_K}, 1..1000
 * @param mode default {@link SearchMode#HYBRID}
 * @param tags every one must be a tag of the note (case-insensitive, without {@code #}); default none
 * @param folder the note must lie in this folder or below (vault-relative, no trailing slash);
 *     default empty (anywhere)
 * @param fields frontmatter field name to required value (case-insensitive value; a list field
 *     matches when any element does); default none
 * @param expandLinks follow links and backlinks of the top hits; default false
 * @param depth links followed when expanding; default {@value #DEFAULT_DEPTH}, 1..5
 * @param decay score factor per link followed; default {@value #DEFAULT_DECAY}, in (0, 1]
 * @param maxChunksPerNote at most this many chunks of one note; default {@value #DEFAULT_MAX_PER_NOTE}
 * @param candidates length of each candidate list before fusion; default max(50, 5k)
 */
public record RetrievalRequest(
    String query, int k, SearchMode mode, List<String> tags, String folder, Map<String, String> fields,
    boolean expandLinks, int depth, double decay, int maxChunksPerNote, int candidates) {

  public static final int DEFAULT_K = 5;
  public static final int DEFAULT_DEPTH = 1;
  public static final double DEFAULT_DECAY = 0.5;
  public static final int DEFAULT_MAX_PER_NOTE = 2;

  public RetrievalRequest {
    tags = List.copyOf(tags);
    fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  public static Builder builder(String query) {
    return new Builder(query);
  }

  /** Builds a {@link RetrievalRequest}. Not thread-safe. */
  public static final class Builder {
    private final String query;
    private int k = DEFAULT_K;
    private SearchMode mode = SearchMode.HYBRID;
    private List<String> tags = List.of();
    private String folder = "";
    private final Map<String, String> fields = new LinkedHashMap<>();
    private boolean expandLinks;
    private int depth = DEFAULT_DEPTH;
    private double decay = DEFAULT_DECAY;
    private int maxChunksPerNote = DEFAULT_MAX_PER_NOTE;
    private int candidates = -1;

    private Builder(String query) {
      this.query = query;
    }

    public Builder k(int k) {
      this.k = k;
      return this;
    }

    public Builder mode(SearchMode mode) {
      this.mode = mode;
      return this;
    }

    public Builder tags(List<String> tags) {
      this.tags = tags;
      return this;
    }

    public Builder folder(String folder) {
      this.folder = folder;
      return this;
    }

    public Builder field(String name, String value) {
      fields.put(name, value);
      return this;
    }

    public Builder expandLinks(boolean expandLinks) {
      this.expandLinks = expandLinks;
      return this;
    }

    public Builder depth(int depth) {
      this.depth = depth;
      return this;
    }

    public Builder decay(double decay) {
      this.decay = decay;
      return this;
    }

    public Builder maxChunksPerNote(int maxChunksPerNote) {
      this.maxChunksPerNote = maxChunksPerNote;
      return this;
    }

    public Builder candidates(int candidates) {
      this.candidates = candidates;
      return this;
    }

    /** The request; throws {@link IllegalArgumentException} naming the field that is out of range. */
    public RetrievalRequest build() {
      if (query == null || query.isBlank()) {
        throw new IllegalArgumentException("query must not be blank");
      }
      if (k < 1 || k > 1000) {
        throw new IllegalArgumentException("k must be in 1..1000 but got " + k);
      }
      Objects.requireNonNull(mode, "mode");
      Objects.requireNonNull(tags, "tags");
      for (String t : tags) {
        if (t == null || t.isBlank()) {
          throw new IllegalArgumentException("tags must not contain blank values");
        }
      }
      String f = Objects.requireNonNull(folder, "folder").trim();
      while (f.endsWith("/")) {
        f = f.substring(0, f.length() - 1);
      }
      if (depth < 1 || depth > 5) {
        throw new IllegalArgumentException("depth must be in 1..5 but got " + depth);
      }
      if (!(decay > 0 && decay <= 1)) {
        throw new IllegalArgumentException("decay must be in (0, 1] but got " + decay);
      }
      if (maxChunksPerNote < 1) {
        throw new IllegalArgumentException("maxChunksPerNote must be >= 1 but got " + maxChunksPerNote);
      }
      int c = candidates < 0 ? Math.max(50, 5 * k) : candidates;
      if (c < k) {
        throw new IllegalArgumentException("candidates must be >= k=" + k + " but got " + c);
      }
      List<String> cleanTags = tags.stream().map(t -> t.startsWith("#") ? t.substring(1) : t).toList();
      return new RetrievalRequest(query, k, mode, cleanTags, f, fields, expandLinks, depth, decay, maxChunksPerNote, c);
    }
  }
}
