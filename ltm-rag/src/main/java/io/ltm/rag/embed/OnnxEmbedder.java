package io.ltm.rag.embed;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.OnnxEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.PoolingMode;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An {@link Embedder} running a BERT-style sentence-embedding model with ONNX Runtime in-process,
 * through LangChain4j's ONNX embedding support. {@link #miniLm()} is the shipped default
 * (all-MiniLM-L6-v2 from its Maven artifact, 384 dimensions, English); {@link #fromDirectory(Path)}
 * loads a user's model directory holding {@code model.onnx} and {@code tokenizer.json} (for instance
 * a multilingual model for Russian notes). Nothing is downloaded. Texts longer than the model's
 * window are split by the library and their embeddings averaged. Thread-safe; close it to stop its
 * worker threads.
 */
public final class OnnxEmbedder implements Embedder {
  /** The {@link #modelId()} of the shipped default model. */
  public static final String MINILM_ID = "all-MiniLM-L6-v2";
  /** Prefix of the {@link #modelId()} of a model loaded from a directory: {@code onnx:<pooling>:<absolute dir>}. */
  public static final String ONNX_PREFIX = "onnx:";

  private final EmbeddingModel model;
  private final String id;
  private final int dimension;
  private final ExecutorService pool;

  private OnnxEmbedder(String id, java.util.function.Function<ExecutorService, EmbeddingModel> factory) {
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    this.pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "ltm-embed");
      t.setDaemon(true);
      return t;
    });
    try {
      this.model = factory.apply(pool);
      this.id = id;
      this.dimension = model.embed("dimension probe").content().vector().length;
    } catch (RuntimeException | Error e) {
      pool.shutdownNow();
      throw e;
    }
  }

  /** The shipped all-MiniLM-L6-v2 model (384 dimensions, mean pooling, English). */
  public static OnnxEmbedder miniLm() {
    return new OnnxEmbedder(MINILM_ID, AllMiniLmL6V2EmbeddingModel::new);
  }

  /** A user model directory with mean pooling; see {@link #fromDirectory(Path, PoolingMode)}. */
  public static OnnxEmbedder fromDirectory(Path dir) {
    return fromDirectory(dir, PoolingMode.MEAN);
  }

  /**
   * Loads {@code dir/model.onnx} with {@code dir/tokenizer.json} (a Hugging Face fast tokenizer).
   * The model must take {@code input_ids}, {@code attention_mask} (and optionally
   * {@code token_type_ids}) and return the last hidden state, as sentence-transformers exports do.
   *
   * @throws IllegalArgumentException naming the missing file when the directory is incomplete
   */
  public static OnnxEmbedder fromDirectory(Path dir, PoolingMode pooling) {
    Objects.requireNonNull(dir, "dir");
    Path onnx = dir.resolve("model.onnx");
    Path tokenizer = dir.resolve("tokenizer.json");
    for (Path p : List.of(onnx, tokenizer)) {
      if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException(p + ": missing; an embedding model directory needs model.onnx and tokenizer.json");
      }
    }
    String id = ONNX_PREFIX + pooling.name().toLowerCase(java.util.Locale.ROOT) + ":" + dir.toAbsolutePath().normalize();
    try {
      return new OnnxEmbedder(id, pool -> new OnnxEmbeddingModel(onnx, tokenizer, pooling, pool));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(dir + ": cannot load the ONNX embedding model: " + e.getMessage(), e);
    }
  }

  /**
   * Loads the model a {@link #modelId()} names: the shipped default for {@link #MINILM_ID}, else the
   * directory and pooling recorded in an {@code onnx:<pooling>:<dir>} id (as stored in an index).
   *
   * @throws IllegalArgumentException when the id names neither
   */
  public static OnnxEmbedder forModelId(String modelId) {
    if (MINILM_ID.equals(modelId)) {
      return miniLm();
    }
    if (modelId != null && modelId.startsWith(ONNX_PREFIX)) {
      String rest = modelId.substring(ONNX_PREFIX.length());
      int colon = rest.indexOf(':');
      if (colon > 0) {
        PoolingMode pooling = PoolingMode.valueOf(rest.substring(0, colon).toUpperCase(java.util.Locale.ROOT));
        return fromDirectory(Path.of(rest.substring(colon + 1)), pooling);
      }
    }
    throw new IllegalArgumentException("unknown embedding model '" + modelId + "'; pass the model directory");
  }

  @Override
  public String modelId() {
    return id;
  }

  @Override
  public int dimension() {
    return dimension;
  }

  @Override
  public List<float[]> embedAll(List<String> texts) {
    List<TextSegment> segments = new ArrayList<>(texts.size());
    for (int i = 0; i < texts.size(); i++) {
      String t = texts.get(i);
      if (t == null || t.isBlank()) {
        throw new IllegalArgumentException("text " + i + " is " + (t == null ? "null" : "blank") + "; only non-blank text can be embedded");
      }
      segments.add(TextSegment.from(t));
    }
    if (segments.isEmpty()) {
      return List.of();
    }
    List<Embedding> embeddings = model.embedAll(segments).content();
    List<float[]> out = new ArrayList<>(embeddings.size());
    for (Embedding e : embeddings) {
      out.add(normalized(e.vector()));
    }
    return out;
  }

  private static float[] normalized(float[] v) {
    double s = 0;
    for (float x : v) {
      s += (double) x * x;
    }
    float[] out = v.clone();
    if (s > 0) {
      float inv = (float) (1 / Math.sqrt(s));
      for (int i = 0; i < out.length; i++) {
        out[i] *= inv;
      }
    }
    return out;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
