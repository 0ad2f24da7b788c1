package io.ltm.lora.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed input is a {@link CheckpointException} naming the file (and tensor), never a crash. */
class CheckpointErrorsTest {
  @TempDir Path tmp;

  private static final ModelConfig TINY = CheckpointPreset.TINY_QWEN3.config().toBuilder().vocabSize(512).build();

  /** A safetensors file with {@code header} as its JSON and {@code dataBytes} zero bytes of data. */
  private Path raw(String header, int dataBytes) throws IOException {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    Path f = tmp.resolve("model.safetensors");
    Files.write(f, b.array());
    return f;
  }

  private Path tinyModel() throws IOException {
    Path dir = tmp.resolve("model");
    RandomCheckpointWriter.builder(TINY).seed(1).withoutTokenizer().build().write(dir);
    return dir;
  }

  @Test
  void headerLengthPastEndOfFile() throws IOException {
    Path f = tmp.resolve("model.safetensors");
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1_000_000).putLong(0);
    Files.write(f, b.array());
    assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining(f.toString()).hasMessageContaining("header length 1000000 runs past the end of the file (16 bytes)");
  }

  @Test
  void fileShorterThanTheLengthPrefix() throws IOException {
    Path f = tmp.resolve("model.safetensors");
    Files.write(f, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("truncated file: 3 bytes");
  }

  @Test
  void invalidJsonHeader() throws IOException {
    Path f = raw("{\"a\": {\"dtype\": \"F32\", ", 0);
    assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining(f.toString()).hasMessageContaining("invalid JSON header");
  }

  @Test
  void unknownDtype() throws IOException {
    Path f = raw("{\"w\": {\"dtype\": \"F8_E4M3\", \"shape\": [2], \"data_offsets\": [0, 2]}}", 2);
    assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("tensor w: unknown dtype \"F8_E4M3\"; supported: F32, F16, BF16");
  }

  @Test
  void offsetsOutOfRange() throws IOException {
    Path f = raw("{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]}}", 16);
    assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("tensor w: data_offsets [8, 24] run past the end of the data section (16 bytes)");
  }

  @Test
  void offsetsDisagreeWithDtypeAndShape() throws IOException {
    Path f = raw("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 16]}}", 16);
    assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("tensor w: data_offsets [0, 16] hold 16 bytes but F32 [3] needs 12");
  }

  @Test
  void overlappingTensors() throws IOException {
    Path f = raw("{\"a\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]},"
        + " \"b\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]}}", 24);
    assertThatThrownBy(() -> SafetensorsFile.open(f)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("tensor b: data overlaps tensor a");
  }

  @Test
  void truncatedFile() throws IOException {
    Path dir = tinyModel();
    Path f = dir.resolve("model.safetensors");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 100);
    }
    assertThatThrownBy(() -> DecoderLoader.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining(f.toString()).hasMessageContaining("the file is truncated");
  }

  @Test
  void missingTensorTheConfigNeeds() throws IOException {
    Path dir = tinyModel();
    String cfg = Files.readString(dir.resolve("config.json")).replace("\"num_hidden_layers\" : 2", "\"num_hidden_layers\" : 3");
    Files.writeString(dir.resolve("config.json"), cfg);
    assertThatThrownBy(() -> DecoderLoader.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining(dir.resolve("model.safetensors").toString())
        .hasMessageContaining("tensor model.layers.2.input_layernorm.weight: missing, but config.json (qwen3, 3 layers");
  }

  @Test
  void shapeDisagreesWithConfig() throws IOException {
    Path dir = tinyModel();
    String cfg = Files.readString(dir.resolve("config.json")).replace("\"intermediate_size\" : 128", "\"intermediate_size\" : 96");
    Files.writeString(dir.resolve("config.json"), cfg);
    assertThatThrownBy(() -> DecoderLoader.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("tensor model.layers.0.mlp.gate_proj.weight: shape [128, 64] disagrees with config.json")
        .hasMessageContaining("needs [96, 64]");
  }

  @Test
  void unsupportedModelTypeListsTheSupportedOnes() throws IOException {
    Path dir = tinyModel();
    String cfg = Files.readString(dir.resolve("config.json")).replace("\"model_type\" : \"qwen3\"", "\"model_type\" : \"mistral\"");
    Files.writeString(dir.resolve("config.json"), cfg);
    assertThatThrownBy(() -> DecoderLoader.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining(dir.resolve("config.json").toString())
        .hasMessageContaining("unsupported model_type \"mistral\"; supported: qwen3, qwen3_moe, llama, qwen2");
  }

  @Test
  void missingConfigField() throws IOException {
    Path dir = tinyModel();
    String cfg = Files.readString(dir.resolve("config.json")).replace("\"hidden_size\" : 64,", "");
    Files.writeString(dir.resolve("config.json"), cfg);
    assertThatThrownBy(() -> DecoderLoader.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("config.json: field hidden_size: missing (required)");
  }

  @Test
  void missingWeightsAndMissingShard() throws IOException {
    Path dir = tinyModel();
    Files.delete(dir.resolve("model.safetensors"));
    assertThatThrownBy(() -> DecoderLoader.load(dir)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("no model.safetensors or model.safetensors.index.json");
    Path sharded = tmp.resolve("sharded");
    RandomCheckpointWriter.builder(TINY).seed(1).shards(2).withoutTokenizer().build().write(sharded);
    Files.delete(sharded.resolve("model-00002-of-00002.safetensors"));
    assertThatThrownBy(() -> DecoderLoader.load(sharded)).isInstanceOf(CheckpointException.class)
        .hasMessageContaining("model.safetensors.index.json")
        .hasMessageContaining("shard model-00002-of-00002.safetensors named in weight_map does not exist");
  }

  @Test
  void rewritingAFolderLeavesOnlyTheNewLayout() throws IOException {
    Path dir = tmp.resolve("rewritten");
    RandomCheckpointWriter.builder(TINY).seed(1).shards(3).withoutTokenizer().build().write(dir);
    assertThat(dir.resolve("model-00003-of-00003.safetensors")).exists();
    RandomCheckpointWriter.builder(TINY).seed(2).shards(2).withoutTokenizer().build().write(dir);
    assertThat(dir.resolve("model-00003-of-00003.safetensors")).doesNotExist();
    assertThat(dir.resolve("model-00002-of-00002.safetensors")).exists();
    RandomCheckpointWriter.builder(TINY).seed(3).withoutTokenizer().build().write(dir);
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".safetensors") || n.endsWith(".index.json")))
          .containsExactly("model.safetensors");
    }
  }

  @Test
  void randomCheckpointsAreReproducibleAndRoundTrip() throws IOException {
    Path a = RandomCheckpointWriter.builder(TINY).seed(3).dtype(TensorDType.BF16).withoutTokenizer().build().write(tmp.resolve("a"));
    Path b = RandomCheckpointWriter.builder(TINY).seed(3).dtype(TensorDType.BF16).withoutTokenizer().build().write(tmp.resolve("b"));
    Path c = RandomCheckpointWriter.builder(TINY).seed(4).dtype(TensorDType.BF16).withoutTokenizer().build().write(tmp.resolve("c"));
    byte[] ba = Files.readAllBytes(a.resolve("model.safetensors"));
    assertThat(ba).isEqualTo(Files.readAllBytes(b.resolve("model.safetensors")));
    assertThat(ba).isNotEqualTo(Files.readAllBytes(c.resolve("model.safetensors")));
    assertThat(ModelConfig.read(a.resolve("config.json"))).isEqualTo(TINY);
    SafetensorsFile f = SafetensorsFile.open(a.resolve("model.safetensors"));
    assertThat(f.tensors()).hasSize(HfTensorLayout.tensors(TINY).size());
    assertThat(f.tensors().get(HfTensorLayout.EMBED).dtype()).isEqualTo(TensorDType.BF16);
    assertThat(f.dataStart() % 8).isZero();
    GenerationConfig g = GenerationConfig.read(a.resolve("generation_config.json"), java.util.List.of());
    assertThat(g.eosTokenIds()).containsExactly(151645, 151643);
  }
}
