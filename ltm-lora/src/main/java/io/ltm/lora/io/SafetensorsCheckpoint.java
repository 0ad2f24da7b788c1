package io.ltm.lora.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The weights of a model directory: a single {@code model.safetensors}, or the shards named by
 * {@code model.safetensors.index.json}'s {@code weight_map}. Every header is read and checked at
 * {@link #open}; the data stays on disk until a tensor is mapped. Immutable and thread-safe.
 */
public final class SafetensorsCheckpoint {
  /** The single-file name. */
  public static final String SINGLE = "model.safetensors";
  /** The shard index name. */
  public static final String INDEX = "model.safetensors.index.json";

  private final Path source;
  private final Map<String, TensorInfo> tensors;

  private SafetensorsCheckpoint(Path source, Map<String, TensorInfo> tensors) {
    this.source = source;
    this.tensors = tensors;
  }

  /**
   * Opens the weights of {@code modelDir}.
   *
   * @throws CheckpointException when neither file exists or any file is malformed
   */
  public static SafetensorsCheckpoint open(Path modelDir) {
    Path index = modelDir.resolve(INDEX);
    Path single = modelDir.resolve(SINGLE);
    if (Files.exists(index)) {
      return openSharded(index);
    }
    if (Files.exists(single)) {
      SafetensorsFile f = SafetensorsFile.open(single);
      return new SafetensorsCheckpoint(single, f.tensors());
    }
    throw new CheckpointException(modelDir, "no " + SINGLE + " or " + INDEX
        + ": not a Hugging Face model directory (expected config.json, model.safetensors, tokenizer.json)");
  }

  private static SafetensorsCheckpoint openSharded(Path index) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(index));
    } catch (JsonProcessingException e) {
      throw new CheckpointException(index, "invalid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new CheckpointException(index, "cannot read: " + e.getMessage(), e);
    }
    JsonNode map = root == null ? null : root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new CheckpointException(index, "no \"weight_map\" object");
    }
    Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
    Map<String, TensorInfo> tensors = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String shardName = e.getValue().asText();
      if (shardName.isEmpty() || shardName.contains("/") || shardName.contains("\\")) {
        throw new CheckpointException(index, e.getKey(), "weight_map names an invalid shard file \"" + shardName + "\"");
      }
      SafetensorsFile shard = shards.computeIfAbsent(shardName, n -> {
        Path p = index.resolveSibling(n);
        if (!Files.exists(p)) {
          throw new CheckpointException(index, e.getKey(), "shard " + n + " named in weight_map does not exist");
        }
        return SafetensorsFile.open(p);
      });
      TensorInfo info = shard.tensors().get(e.getKey());
      if (info == null) {
        throw new CheckpointException(shard.file(), e.getKey(), "missing: " + INDEX + " says this shard holds it");
      }
      tensors.put(e.getKey(), info);
    }
    return new SafetensorsCheckpoint(index, Collections.unmodifiableMap(tensors));
  }

  /** The file errors about missing tensors are reported against: the single file or the index. */
  public Path source() {
    return source;
  }

  /** All tensors by name; unmodifiable. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /**
   * The tensor {@code name}, checked to have {@code shape}.
   *
   * @throws CheckpointException when it is missing or its shape differs
   */
  public TensorInfo require(String name, long[] shape, String why) {
    TensorInfo info = tensors.get(name);
    if (info == null) {
      throw new CheckpointException(source, name, "missing, but " + why + " needs it");
    }
    if (!info.hasShape(shape)) {
      throw new CheckpointException(info.file(), name, "shape " + info.shapeString() + " disagrees with "
          + why + ", which needs " + java.util.Arrays.toString(shape));
    }
    return info;
  }
}
