package io.ltm.lora.generate;

import io.ltm.lora.io.CheckpointException;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.GenerationConfig;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.KvCache;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model directory opened for use: the {@link Decoder}, its {@link ModelTokenizer} and the EOS ids
 * (from generation_config.json, config.json, and the tokenizer's {@code <|im_end|>}). Hands out a
 * {@link LocalGenerator} ({@link io.ltm.core.generate.TextGenerator}) and a {@link LocalScorer}
 * ({@link io.ltm.core.generate.TokenScorer}) that share it. Close it to free the weights and the
 * tokenizer; thread-safe for concurrent generations and scoring.
 */
public final class LocalModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalModel.class);

  private final String name;
  private final Decoder decoder;
  private final ModelTokenizer tokenizer;
  private final List<Integer> eosIds;
  private final int thinkStart;
  private final int thinkEnd;
  private final TensorDType kvCache;

  /** Wraps an already loaded decoder and tokenizer; this model then owns and closes both. */
  public LocalModel(String name, Decoder decoder, ModelTokenizer tokenizer, GenerationConfig generation) {
    this(name, decoder, tokenizer, generation, TensorDType.F32);
  }

  /** As the other constructor, with generations keeping their KV cache in {@code kvCache} (F32 or F16). */
  public LocalModel(String name, Decoder decoder, ModelTokenizer tokenizer, GenerationConfig generation,
      TensorDType kvCache) {
    KvCache.elementType(kvCache); // an early error for a type no cache holds
    decoder.prepare(kvCache); // an f16 cache's attention kernel compiled before any prefill (see Decoder#prepare)
    this.kvCache = kvCache;
    this.name = name;
    this.decoder = decoder;
    this.tokenizer = tokenizer;
    Set<Integer> eos = new LinkedHashSet<>(generation.eosTokenIds());
    eos.addAll(decoder.config().eosTokenIds());
    int imEnd = tokenizer.tokenId("<|im_end|>");
    if (imEnd >= 0) {
      eos.add(imEnd);
    }
    eos.removeIf(id -> id < 0 || id >= decoder.config().vocabSize());
    this.eosIds = List.copyOf(new ArrayList<>(eos));
    this.thinkStart = tokenizer.tokenId("<think>");
    this.thinkEnd = tokenizer.tokenId("</think>");
    if (tokenizer.tokenId("<|im_start|>") < 0) {
      LOG.warn("{}: the tokenizer has no <|im_start|> token. ltm renders Qwen3's chat template (prompts and training "
          + "data), which this tokenizer splits into plain text: expect a non-Qwen model to answer poorly", name);
    }
  }

  /**
   * Opens {@code modelDir}: config.json, the safetensors, tokenizer.json and generation_config.json.
   *
   * @throws CheckpointException naming the file when anything is missing or malformed
   */
  public static LocalModel open(Path modelDir, LoadOptions options) {
    ModelTokenizer tok = ModelTokenizer.load(modelDir);
    try {
      Decoder decoder = DecoderLoader.load(modelDir, options);
      GenerationConfig gen = GenerationConfig.read(modelDir.resolve("generation_config.json"), decoder.config().eosTokenIds());
      Path fileName = modelDir.toAbsolutePath().normalize().getFileName();
      return new LocalModel(fileName == null ? modelDir.toString() : fileName.toString(), decoder, tok, gen, options.kvCache());
    } catch (RuntimeException e) {
      tok.close();
      throw e;
    }
  }

  /** Opens {@code modelDir} in f32 on the CPU. */
  public static LocalModel open(Path modelDir) {
    return open(modelDir, LoadOptions.cpu());
  }

  /** The directory name, used as the model name in generations and traces. */
  public String name() {
    return name;
  }

  /** The decoder (shared; do not close it separately). */
  public Decoder decoder() {
    return decoder;
  }

  /** The tokenizer (shared; do not close it separately). */
  public ModelTokenizer tokenizer() {
    return tokenizer;
  }

  /** Ids that end a generation. */
  public List<Integer> eosIds() {
    return eosIds;
  }

  /** The id of {@code <think>}, or -1 when the tokenizer has none. */
  public int thinkStartId() {
    return thinkStart;
  }

  /** The id of {@code </think>}, or -1 when the tokenizer has none. */
  public int thinkEndId() {
    return thinkEnd;
  }

  /** The element type of the KV cache its generations keep (F32 or F16). */
  public TensorDType kvCache() {
    return kvCache;
  }

  /** A generator over this model. */
  public LocalGenerator generator() {
    return new LocalGenerator(this);
  }

  /** A scorer over this model. */
  public LocalScorer scorer() {
    return new LocalScorer(this);
  }

  @Override
  public void close() {
    try {
      decoder.close();
    } finally {
      tokenizer.close();
    }
  }
}
