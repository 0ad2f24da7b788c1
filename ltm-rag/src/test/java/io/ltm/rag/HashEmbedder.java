package io.ltm.rag;

import io.ltm.rag.embed.Embedder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fast deterministic embedder for index tests: hashed bag of lower-cased words, unit length. Texts
 * sharing words are close. Counts how many texts it embedded.
 */
public class HashEmbedder implements Embedder {
  public final AtomicInteger embedded = new AtomicInteger();
  private final String id;
  private final int dim;

  public HashEmbedder() {
    this("hash-64");
  }

  public HashEmbedder(String id) {
    this(id, 64);
  }

  public HashEmbedder(String id, int dim) {
    this.id = id;
    this.dim = dim;
  }

  @Override
  public String modelId() {
    return id;
  }

  @Override
  public int dimension() {
    return dim;
  }

  @Override
  public List<float[]> embedAll(List<String> texts) {
    List<float[]> out = new ArrayList<>();
    for (String t : texts) {
      float[] v = new float[dim];
      for (String w : t.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
        if (!w.isEmpty()) {
          v[Math.floorMod(w.hashCode(), dim)] += 1;
        }
      }
      v[0] += 0.01f;
      double n = 0;
      for (float x : v) {
        n += x * x;
      }
      for (int i = 0; i < dim; i++) {
        v[i] /= (float) Math.sqrt(n);
      }
      out.add(v);
    }
    embedded.addAndGet(texts.size());
    return out;
  }
}
