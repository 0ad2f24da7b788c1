package io.ltm.lora.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Writes a seeded random decoder checkpoint in exactly the Hugging Face layout: {@code config.json},
 * {@code model.safetensors} (or {@code model-0000i-of-0000n.safetensors} shards plus
 * {@code model.safetensors.index.json}), {@code generation_config.json}, and the tokenizer files
 * copied from a tokenizer directory. Tests, benchmarks and demos load it through the same code path
 * as a downloaded model.
 *
 * <p><b>Values.</b> Each tensor draws from its own {@link SplittableRandom} seeded by the seed and
 * the tensor name, so the output is reproducible and independent of write order; F32 and BF16
 * checkpoints of one seed hold the same model up to bf16 rounding (round to nearest even).
 * Uniform values with standard deviation {@code 1/sqrt(fan_in)} for projections, {@code 2/sqrt(hidden)}
 * for embeddings (logits of standard deviation about 2), {@code 1 +- 0.1} for norms and 0.1 for
 * biases: a random model whose next-token distributions are far from uniform.
 *
 * <p>Tensors stream to disk in chunks: writing the 0.6B shape needs no more heap than a chunk. Files
 * are written to a temporary name and renamed. Build with {@link #builder}.
 */
public final class RandomCheckpointWriter {
  /** Where the Qwen3 tokenizer lives in this repository. */
  public static final String DEFAULT_TOKENIZER_DIR = "examples/tokenizer/qwen3";

  private static final int CHUNK = 1 << 20; // elements generated per write
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ModelConfig config;
  private final TensorDType dtype;
  private final long seed;
  private final int shards;
  private final Path tokenizerDir;
  private final GenerationConfig generationConfig;

  private RandomCheckpointWriter(Builder b, Path tokenizerDir) {
    this.config = b.config;
    this.dtype = b.dtype;
    this.seed = b.seed;
    this.shards = b.shards;
    this.tokenizerDir = tokenizerDir;
    this.generationConfig = b.generationConfig;
  }

  /** A builder for a random checkpoint of {@code config}. */
  public static Builder builder(ModelConfig config) {
    return new Builder(config);
  }

  /** A builder for a preset's config. */
  public static Builder builder(CheckpointPreset preset) {
    return new Builder(preset.config());
  }

  /**
   * Writes the checkpoint into {@code dir} (created if missing; existing files of the same names are
   * replaced) and returns {@code dir}.
   */
  public Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    writeAtomically(dir.resolve("config.json"), config.toJson(dtype).getBytes(StandardCharsets.UTF_8));
    writeAtomically(dir.resolve("generation_config.json"), generationConfig.toJson().getBytes(StandardCharsets.UTF_8));
    List<HfTensorLayout.Spec> specs = HfTensorLayout.tensors(config);
    Files.deleteIfExists(dir.resolve(SafetensorsCheckpoint.INDEX));
    Files.deleteIfExists(dir.resolve(SafetensorsCheckpoint.SINGLE));
    try (var old = Files.newDirectoryStream(dir, "model-*-of-*.safetensors")) { // an earlier sharded write's shards
      for (Path shard : old) {
        Files.delete(shard);
      }
    }
    if (shards == 1) {
      writeSafetensors(dir.resolve(SafetensorsCheckpoint.SINGLE), specs);
    } else {
      List<List<HfTensorLayout.Spec>> groups = split(specs, shards);
      ObjectNode index = JSON.createObjectNode();
      long total = specs.stream().mapToLong(s -> s.elements() * dtype.bytes()).sum();
      index.putObject("metadata").put("total_size", total);
      ObjectNode map = index.putObject("weight_map");
      for (int i = 0; i < groups.size(); i++) {
        String name = String.format("model-%05d-of-%05d.safetensors", i + 1, groups.size());
        writeSafetensors(dir.resolve(name), groups.get(i));
        for (HfTensorLayout.Spec s : groups.get(i)) {
          map.put(s.name(), name);
        }
      }
      writeAtomically(dir.resolve(SafetensorsCheckpoint.INDEX),
          JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index));
    }
    if (tokenizerDir != null) {
      for (String f : List.of("tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt")) {
        Path src = tokenizerDir.resolve(f);
        if (Files.exists(src)) {
          writeAtomically(dir.resolve(f), Files.readAllBytes(src));
        }
      }
    }
    return dir;
  }

  private static List<List<HfTensorLayout.Spec>> split(List<HfTensorLayout.Spec> specs, int n) {
    long total = specs.stream().mapToLong(HfTensorLayout.Spec::elements).sum();
    List<List<HfTensorLayout.Spec>> groups = new ArrayList<>();
    List<HfTensorLayout.Spec> cur = new ArrayList<>();
    long acc = 0;
    for (HfTensorLayout.Spec s : specs) {
      cur.add(s);
      acc += s.elements();
      if (acc >= total * (groups.size() + 1) / n && groups.size() < n - 1) {
        groups.add(cur);
        cur = new ArrayList<>();
      }
    }
    if (!cur.isEmpty()) {
      groups.add(cur);
    }
    return groups;
  }

  private void writeSafetensors(Path file, List<HfTensorLayout.Spec> specs) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    header.putObject("__metadata__").put("format", "pt");
    long offset = 0;
    for (HfTensorLayout.Spec s : specs) {
      long bytes = s.elements() * dtype.bytes();
      ObjectNode e = header.putObject(s.name());
      e.put("dtype", dtype.name());
      var shape = e.putArray("shape");
      for (long d : s.shape()) {
        shape.add(d);
      }
      e.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8; // data section 8-byte aligned, padded with spaces
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(ch, head);
      ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK * 4).order(ByteOrder.LITTLE_ENDIAN);
      for (HfTensorLayout.Spec s : specs) {
        writeTensor(ch, buf, s);
      }
    }
    move(tmp, file);
  }

  private void writeTensor(FileChannel ch, ByteBuffer buf, HfTensorLayout.Spec s) throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + s.name().hashCode());
    double std;
    double mean = 0;
    switch (s.role()) {
      case EMBEDDING -> std = 2.0 / Math.sqrt(config.hiddenSize());
      case PROJECTION -> std = 1.0 / Math.sqrt(s.fanIn());
      case NORM -> {
        mean = 1.0;
        std = 0.1;
      }
      case BIAS -> std = 0.1;
      default -> throw new IllegalStateException(s.role().toString());
    }
    double half = std * Math.sqrt(3); // uniform(-a, a) has std a / sqrt(3)
    long left = s.elements();
    while (left > 0) {
      int n = (int) Math.min(left, CHUNK);
      buf.clear();
      for (int i = 0; i < n; i++) {
        float v = (float) (mean + (rnd.nextDouble() * 2 - 1) * half);
        if (dtype == TensorDType.F32) {
          buf.putFloat(v);
        } else if (dtype == TensorDType.BF16) {
          buf.putShort(toBf16(v));
        } else {
          buf.putShort(toF16(v));
        }
      }
      buf.flip();
      writeFully(ch, buf);
      left -= n;
    }
  }

  /** f32 to bf16, rounding to nearest even. */
  static short toBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    int rounding = ((bits >>> 16) & 1) + 0x7FFF;
    return (short) ((bits + rounding) >>> 16);
  }

  /** f32 to IEEE half (round to nearest even), for values in normal range. */
  static short toF16(float f) {
    int bits = Float.floatToIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = ((bits >>> 23) & 0xFF) - 127 + 15;
    int mant = bits & 0x7FFFFF;
    if (exp <= 0) {
      return (short) sign; // flush tiny values to zero
    }
    if (exp >= 31) {
      return (short) (sign | 0x7C00);
    }
    int half = sign | (exp << 10) | (mant >> 13);
    int rest = mant & 0x1FFF;
    if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
      half++;
    }
    return (short) half;
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, bytes);
    move(tmp, file);
  }

  private static void move(Path tmp, Path file) throws IOException {
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Looks for {@link #DEFAULT_TOKENIZER_DIR} in the working directory and its parents (so both the
   * repository root and a module folder find it); null when absent.
   */
  public static Path findDefaultTokenizerDir() {
    Path p = Path.of("").toAbsolutePath();
    while (p != null) {
      Path c = p.resolve(DEFAULT_TOKENIZER_DIR);
      if (Files.isRegularFile(c.resolve("tokenizer.json"))) {
        return c;
      }
      p = p.getParent();
    }
    return null;
  }

  /**
   * Settings of a random checkpoint. Defaults: F32, seed 0, one file (no shards), tokenizer from
   * {@link #findDefaultTokenizerDir()}, generation config {@link GenerationConfig#qwen3()}.
   */
  public static final class Builder {
    private final ModelConfig config;
    private TensorDType dtype = TensorDType.F32;
    private long seed;
    private int shards = 1;
    private Path tokenizerDir;
    private boolean tokenizer = true;
    private GenerationConfig generationConfig = GenerationConfig.qwen3();

    private Builder(ModelConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /** Element type of the written tensors: F32, BF16 or F16. */
    public Builder dtype(TensorDType dtype) {
      this.dtype = Objects.requireNonNull(dtype, "dtype");
      return this;
    }

    /** The seed; the same seed and config give the same bytes. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Shard count: 1 writes {@code model.safetensors}; more writes shards plus the index. */
    public Builder shards(int shards) {
      this.shards = shards;
      return this;
    }

    /** Convenience: two shards when {@code on}, one file otherwise. */
    public Builder sharded(boolean on) {
      return shards(on ? 2 : 1);
    }

    /** Where to copy tokenizer.json and tokenizer_config.json from. */
    public Builder tokenizerDir(Path dir) {
      this.tokenizerDir = dir;
      this.tokenizer = true;
      return this;
    }

    /** Write no tokenizer files (for loader-only tests). */
    public Builder withoutTokenizer() {
      this.tokenizer = false;
      return this;
    }

    /** The generation_config.json to write. */
    public Builder generationConfig(GenerationConfig g) {
      this.generationConfig = Objects.requireNonNull(g, "generationConfig");
      return this;
    }

    /** Checks the settings. */
    public RandomCheckpointWriter build() {
      if (shards < 1 || shards > HfTensorLayout.tensors(config).size()) {
        throw new IllegalArgumentException("shards must be in [1, number of tensors] but got " + shards);
      }
      Path tok = null;
      if (tokenizer) {
        tok = tokenizerDir != null ? tokenizerDir : findDefaultTokenizerDir();
        if (tok == null || !Files.isRegularFile(tok.resolve("tokenizer.json"))) {
          throw new IllegalArgumentException("no tokenizer.json in " + (tok == null ? DEFAULT_TOKENIZER_DIR : tok)
              + "; set tokenizerDir(...) or withoutTokenizer()");
        }
      }
      return new RandomCheckpointWriter(this, tok);
    }
  }

  /** Unchecked wrapper for callers without IOException plumbing. */
  public Path writeUnchecked(Path dir) {
    try {
      return write(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
