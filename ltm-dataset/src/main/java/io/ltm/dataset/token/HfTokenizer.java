package io.ltm.dataset.token;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.dataset.chat.Qwen3ChatTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A Hugging Face tokenizer ({@code tokenizer.json} + {@code tokenizer_config.json} in one
 * directory, as the hub holds them) loaded offline through DJL's Rust tokenizers binding.
 *
 * <p>Configured for training data: no truncation, no padding, no special tokens added by the
 * tokenizer (the chat template writes every special token itself; Qwen3 has no BOS, and loading
 * fails when the config asks for one, since the ChatML renderer would not write it). Special
 * tokens written in the text ({@code <|im_start|>}, {@code <|im_end|>}, {@code <think>},
 * {@code </think>}) encode to single ids; {@link #load} checks that and fails otherwise.
 *
 * <p>Offsets: the native tokenizer reports Unicode code point offsets; {@link Encoded} carries
 * UTF-16 {@code char} offsets (converted here), so they index Java strings directly.
 *
 * <p>Owns native memory: close it (try-with-resources). Encoding is thread-safe (the native
 * tokenizer is immutable); {@link #encodeBatch} runs in parallel on the native side.
 */
public final class HfTokenizer implements AutoCloseable {
  private final HuggingFaceTokenizer tokenizer;
  private final Path dir;
  private final SpecialTokens special;
  private final Map<String, Integer> addedTokens;
  private final ByteLevelOffsets byteLevel;

  private HfTokenizer(HuggingFaceTokenizer tokenizer, Path dir, Map<String, Integer> addedTokens, JsonNode config,
      ByteLevelOffsets byteLevel) {
    this.tokenizer = tokenizer;
    this.byteLevel = byteLevel;
    this.dir = dir;
    this.addedTokens = Map.copyOf(addedTokens);
    int imStart = requireSingle(Qwen3ChatTemplate.IM_START);
    int imEnd = requireSingle(Qwen3ChatTemplate.IM_END);
    int think = requireSingle(Qwen3ChatTemplate.THINK);
    int thinkEnd = requireSingle(Qwen3ChatTemplate.THINK_END);
    int endOfText = requireSingle("<|endoftext|>");
    String eosName = tokenName(config, "eos_token");
    int eos = eosName == null ? imEnd : requireSingle(eosName);
    String padName = tokenName(config, "pad_token");
    int pad = padName == null ? eos : requireSingle(padName);
    String bosName = tokenName(config, "bos_token");
    OptionalInt bos = bosName == null ? OptionalInt.empty() : OptionalInt.of(requireSingle(bosName));
    if (config.path("add_bos_token").asBoolean(false)) {
      throw new IllegalArgumentException(dir.resolve("tokenizer_config.json") + ": add_bos_token is true, but the"
          + " ChatML renderer writes no BOS (Qwen3 uses none); use a Qwen3 tokenizer directory");
    }
    this.special = new SpecialTokens(imStart, imEnd, think, thinkEnd, eos, pad, endOfText, bos);
  }

  /**
   * Loads the tokenizer in {@code dir} ({@code tokenizer.json} required, {@code tokenizer_config.json}
   * optional). Never touches the network.
   *
   * @throws IOException when a file cannot be read or parsed (the message names it)
   * @throws IllegalArgumentException when a ChatML special token is missing or not a single token
   */
  public static HfTokenizer load(Path dir) throws IOException {
    Objects.requireNonNull(dir, "dir");
    Path json = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(json)) {
      throw new IOException("no tokenizer.json in " + dir + ": point --tokenizer at a Hugging Face model or"
          + " tokenizer directory (e.g. examples/tokenizer/qwen3)");
    }
    ObjectMapper mapper = new ObjectMapper();
    JsonNode config = mapper.createObjectNode();
    Path configFile = dir.resolve("tokenizer_config.json");
    if (Files.isRegularFile(configFile)) {
      try {
        config = mapper.readTree(configFile.toFile());
      } catch (IOException e) {
        throw new IOException(configFile + ": not valid JSON: " + e.getMessage(), e);
      }
    }
    Map<String, Integer> added = new HashMap<>();
    JsonNode decoder = config.path("added_tokens_decoder");
    decoder.fields().forEachRemaining(e -> {
      JsonNode content = e.getValue().get("content");
      if (content != null && content.isTextual()) {
        try {
          added.put(content.asText(), Integer.parseInt(e.getKey()));
        } catch (NumberFormatException ignored) {
          // a malformed key is the config's problem; the token is checked by encoding below
        }
      }
    });
    HuggingFaceTokenizer tok;
    try {
      tok = HuggingFaceTokenizer.builder()
          .optTokenizerPath(json)
          .optAddSpecialTokens(false)
          .optTruncation(false)
          .optPadding(false)
          .build();
    } catch (RuntimeException e) {
      throw new IOException(json + ": the tokenizer could not be loaded: " + e.getMessage(), e);
    }
    ByteLevelOffsets byteLevel;
    try {
      byteLevel = ByteLevelOffsets.read(json);
    } catch (IOException | RuntimeException e) {
      tok.close();
      throw new IOException(json + ": cannot read the vocabulary: " + e.getMessage(), e);
    }
    try {
      return new HfTokenizer(tok, dir, added, config, byteLevel);
    } catch (RuntimeException e) {
      tok.close();
      throw e;
    }
  }

  private static String tokenName(JsonNode config, String key) {
    JsonNode n = config.get(key);
    if (n == null || n.isNull()) {
      return null;
    }
    if (n.isTextual()) {
      return n.asText();
    }
    JsonNode c = n.get("content");
    return c != null && c.isTextual() ? c.asText() : null;
  }

  private int requireSingle(String token) {
    Encoding e = tokenizer.encode(token, false, false);
    long[] ids = e.getIds();
    if (ids.length != 1) {
      throw new IllegalArgumentException(dir + ": special token " + token + " encodes to " + ids.length
          + " tokens, not one; this tokenizer does not know the ChatML tokens (use a Qwen3 tokenizer)");
    }
    Integer declared = addedTokens.get(token);
    if (declared != null && declared != ids[0]) {
      throw new IllegalArgumentException(dir + ": special token " + token + " encodes to " + ids[0]
          + " but tokenizer_config.json declares " + declared);
    }
    return (int) ids[0];
  }

  /** The directory the tokenizer was loaded from. */
  public Path directory() {
    return dir;
  }

  /** The ids of the ChatML special tokens, eos, pad. */
  public SpecialTokens specialTokens() {
    return special;
  }

  /** The id of an added/special token such as {@code <think>}, if the config declares it. */
  public OptionalInt addedTokenId(String token) {
    Integer id = addedTokens.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** Tokenizes one text (no special tokens added, no truncation). */
  public Encoded encode(String text) {
    Objects.requireNonNull(text, "text");
    return convert(text, tokenizer.encode(text, false, false));
  }

  /**
   * Tokenizes many texts at once; the native side runs them in parallel on all cores.
   *
   * <p>Reads only the ids from the native encodings (through DJL's JNI binding directly), not the
   * token strings, type ids and masks DJL's {@code Encoding} would copy into Java. For byte-level BPE
   * tokenizers the offsets are computed from the ids ({@link ByteLevelOffsets}); otherwise, or when
   * the normalizer changed the text, they come from the native tokenizer. Either way they equal
   * {@link #encode}'s.
   *
   * @return one {@link Encoded} per text, in order
   */
  public List<Encoded> encodeBatch(List<String> texts) {
    if (texts.isEmpty()) {
      return List.of();
    }
    long[] handles = TokenizersLibrary.LIB.batchEncode(tokenizer.getHandle(), texts.toArray(new String[0]), false);
    List<Encoded> out = new ArrayList<>(handles.length);
    try {
      for (int i = 0; i < handles.length; i++) {
        int[] ids = toInts(TokenizersLibrary.LIB.getTokenIds(handles[i]));
        int[][] offsets = byteLevel == null ? null : byteLevel.offsets(texts.get(i), ids);
        if (offsets != null) {
          out.add(new Encoded(ids, offsets[0], offsets[1]));
        } else {
          out.add(convert(texts.get(i), ids, TokenizersLibrary.LIB.getTokenCharSpans(handles[i])));
        }
      }
    } finally {
      for (long h : handles) {
        TokenizersLibrary.LIB.deleteEncoding(h);
      }
    }
    return out;
  }

  /**
   * Token ids only, for many texts: what pure tokenization costs (the same native batch call as
   * {@link #encodeBatch}, without offsets).
   */
  public List<int[]> encodeIdsBatch(List<String> texts) {
    if (texts.isEmpty()) {
      return List.of();
    }
    long[] handles = TokenizersLibrary.LIB.batchEncode(tokenizer.getHandle(), texts.toArray(new String[0]), false);
    List<int[]> out = new ArrayList<>(handles.length);
    try {
      for (long h : handles) {
        out.add(toInts(TokenizersLibrary.LIB.getTokenIds(h)));
      }
    } finally {
      for (long h : handles) {
        TokenizersLibrary.LIB.deleteEncoding(h);
      }
    }
    return out;
  }

  /** Decodes ids back to text, special tokens included. */
  public String decode(int[] ids) {
    long[] l = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      l[i] = ids[i];
    }
    return tokenizer.decode(l, false);
  }

  private static int[] toInts(long[] l) {
    int[] out = new int[l.length];
    for (int i = 0; i < l.length; i++) {
      out[i] = (int) l[i];
    }
    return out;
  }

  private static Encoded convert(String text, Encoding e) {
    return convert(text, toInts(e.getIds()), e.getCharTokenSpans());
  }

  private static Encoded convert(String text, int[] ids, CharSpan[] spans) {
    int[] starts = new int[ids.length];
    int[] ends = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      CharSpan s = spans[i];
      starts[i] = s == null ? -1 : s.getStart();
      ends[i] = s == null ? -1 : s.getEnd();
    }
    codePointsToChars(text, starts, ends);
    return new Encoded(ids, starts, ends);
  }

  /** Rewrites code point offsets as UTF-16 offsets in place; a no-op for text without surrogates. */
  static void codePointsToChars(String text, int[] starts, int[] ends) {
    int n = text.length();
    boolean surrogates = false;
    for (int i = 0; i < n; i++) {
      if (Character.isSurrogate(text.charAt(i))) {
        surrogates = true;
        break;
      }
    }
    if (!surrogates) {
      return;
    }
    int cps = text.codePointCount(0, n);
    int[] charAt = new int[cps + 1];
    int c = 0;
    for (int cp = 0; cp < cps; cp++) {
      charAt[cp] = c;
      c += Character.charCount(text.codePointAt(c));
    }
    charAt[cps] = n;
    for (int i = 0; i < starts.length; i++) {
      if (starts[i] >= 0) {
        starts[i] = charAt[Math.min(starts[i], cps)];
        ends[i] = charAt[Math.min(ends[i], cps)];
      }
    }
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
