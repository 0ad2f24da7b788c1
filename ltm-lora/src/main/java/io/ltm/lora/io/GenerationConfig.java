package io.ltm.lora.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The parts of a model directory's {@code generation_config.json} that generation uses: the EOS ids
 * and the model's recommended sampling defaults (informational: the request decides).
 *
 * @param eosTokenIds ids that end a generation
 * @param padTokenId padding id, -1 when none
 * @param temperature suggested temperature, NaN when absent
 * @param topP suggested top-p, NaN when absent
 * @param topK suggested top-k, 0 when absent
 */
public record GenerationConfig(List<Integer> eosTokenIds, int padTokenId, double temperature, double topP, int topK) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public GenerationConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** Qwen3's: EOS {@code <|im_end|>} (151645) and {@code <|endoftext|>} (151643), pad 151643. */
  public static GenerationConfig qwen3() {
    return new GenerationConfig(List.of(151645, 151643), 151643, 0.6, 0.95, 20);
  }

  /**
   * Reads {@code generation_config.json}; a missing file yields {@code fallbackEos} as the EOS ids.
   *
   * @throws CheckpointException when the file exists but is not valid
   */
  public static GenerationConfig read(Path file, List<Integer> fallbackEos) {
    if (!Files.exists(file)) {
      return new GenerationConfig(fallbackEos, -1, Double.NaN, Double.NaN, 0);
    }
    try {
      JsonNode root = JSON.readTree(Files.readString(file));
      if (root == null || !root.isObject()) {
        throw new CheckpointException(file, "expected a JSON object");
      }
      List<Integer> eos = ModelConfig.idList(root.get("eos_token_id"), "eos_token_id");
      if (eos.isEmpty()) {
        eos = fallbackEos;
      }
      JsonNode pad = root.get("pad_token_id");
      return new GenerationConfig(
          eos,
          pad != null && pad.isIntegralNumber() ? pad.asInt() : -1,
          root.path("temperature").asDouble(Double.NaN),
          root.path("top_p").asDouble(Double.NaN),
          root.path("top_k").asInt(0));
    } catch (JsonProcessingException e) {
      throw new CheckpointException(file, "invalid JSON: " + e.getOriginalMessage());
    } catch (IllegalArgumentException e) {
      throw new CheckpointException(file, e.getMessage());
    } catch (IOException e) {
      throw new CheckpointException(file, "cannot read: " + e.getMessage(), e);
    }
  }

  /** This config as {@code generation_config.json} text. */
  public String toJson() {
    var o = JSON.createObjectNode();
    var a = o.putArray("eos_token_id");
    eosTokenIds.forEach(a::add);
    if (padTokenId >= 0) {
      o.put("pad_token_id", padTokenId);
    }
    o.put("do_sample", true);
    if (!Double.isNaN(temperature)) {
      o.put("temperature", temperature);
    }
    if (!Double.isNaN(topP)) {
      o.put("top_p", topP);
    }
    if (topK > 0) {
      o.put("top_k", topK);
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
