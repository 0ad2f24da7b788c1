package io.ltm.lora.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.TargetModules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes PEFT's {@code adapter_config.json} as a {@link LoraConfig}.
 *
 * <p>Written with sorted keys and 2-space indent, the fields PEFT writes for a LoRA adapter. Reading
 * accepts what PEFT writes; fields ltm does not use are kept in {@link LoraConfig#extraFields()} and
 * written back; fields unknown to PEFT too are kept with a warning. Features ltm does not implement
 * (DoRA, {@code modules_to_save}, rank/alpha patterns, layer selection, bias training, fan-in-fan-out
 * weights) are errors naming the file and field. Stateless and thread-safe.
 */
public final class PeftAdapterConfig {

  /** The file name inside an adapter directory. */
  public static final String FILE_NAME = "adapter_config.json";

  private static final Logger LOG = LoggerFactory.getLogger(PeftAdapterConfig.class);
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  /** Fields ltm maps to {@link LoraConfig} components. */
  private static final Set<String> CORE = Set.of("peft_type", "task_type", "r", "lora_alpha", "lora_dropout",
      "use_rslora", "target_modules", "bias", "base_model_name_or_path");

  /** Fields PEFT writes with the values ltm's adapters have (written when absent from extras). */
  private static final Map<String, Object> PEFT_DEFAULTS = peftDefaults();

  private PeftAdapterConfig() {}

  private static Map<String, Object> peftDefaults() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("alpha_pattern", Map.of());
    m.put("auto_mapping", null);
    m.put("fan_in_fan_out", false);
    m.put("inference_mode", true);
    m.put("init_lora_weights", true);
    m.put("layer_replication", null);
    m.put("layers_pattern", null);
    m.put("layers_to_transform", null);
    m.put("loftq_config", Map.of());
    m.put("megatron_config", null);
    m.put("megatron_core", "megatron.core");
    m.put("modules_to_save", null);
    m.put("rank_pattern", Map.of());
    m.put("revision", null);
    m.put("use_dora", false);
    return m;
  }

  /** Other fields recent PEFT versions write; kept without a warning. */
  private static final Set<String> OTHER_PEFT_FIELDS = Set.of("exclude_modules", "lora_bias", "eva_config",
      "corda_config", "trainable_token_indices", "qalora_group_size", "use_qalora", "target_parameters",
      "layers_pattern", "peft_version", "arrow_config", "ensure_weight_tying");

  /**
   * Reads {@code dir/adapter_config.json}.
   *
   * @param adapterDir the adapter directory
   * @return the config
   * @throws IOException when the file is missing or unreadable, or a field is invalid or unsupported
   *     (the message names the file and field)
   */
  public static LoraConfig read(Path adapterDir) throws IOException {
    Path file = adapterDir.resolve(FILE_NAME);
    JsonNode root;
    try {
      root = JSON.readTree(file.toFile());
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new IOException(file + ": not found; an adapter directory holds " + FILE_NAME
          + " and adapter_model.safetensors (PEFT's layout)", e);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IOException(file + ":" + e.getLocation().getLineNr() + ":" + e.getLocation().getColumnNr()
          + ": error: invalid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException(file + ": error: expected a JSON object");
    }
    return parse(root, file.toString());
  }

  /**
   * Parses the JSON object of an {@code adapter_config.json}.
   *
   * @param root the object
   * @param source the file name for messages
   * @return the config
   * @throws IOException when a field is invalid or unsupported
   */
  public static LoraConfig parse(JsonNode root, String source) throws IOException {
    String peftType = text(root, "peft_type", source, true);
    if (!peftType.equals("LORA")) {
      throw fieldError(source, "peft_type", "only LORA adapters are supported, but got '" + peftType + "'");
    }
    String task = root.path("task_type").asText("");
    if (!task.equals("CAUSAL_LM")) {
      LOG.warn("{}: task_type is '{}', not CAUSAL_LM; loading the LoRA weights anyway", source, task);
    }
    unsupported(root, source, "use_dora", n -> n.asBoolean(false), "DoRA adapters are not supported; "
        + "train without use_dora or merge the adapter with PEFT first");
    unsupported(root, source, "modules_to_save", n -> !(n.isNull() || (n.isArray() && n.isEmpty())),
        "modules_to_save (fully trained extra modules) is not supported; save the adapter without it");
    unsupported(root, source, "fan_in_fan_out", n -> n.asBoolean(false),
        "fan_in_fan_out (Conv1D-style weights) is not supported");
    unsupported(root, source, "rank_pattern", n -> !(n.isNull() || n.isEmpty()),
        "per-module ranks (rank_pattern) are not supported");
    unsupported(root, source, "alpha_pattern", n -> !(n.isNull() || n.isEmpty()),
        "per-module alphas (alpha_pattern) are not supported");
    unsupported(root, source, "layers_to_transform", n -> !n.isNull(),
        "layers_to_transform is not supported; list the target modules instead");
    unsupported(root, source, "lora_bias", n -> n.asBoolean(false), "lora_bias is not supported");
    unsupported(root, source, "layer_replication", n -> !n.isNull(), "layer_replication is not supported");

    JsonNode rNode = root.get("r");
    if (rNode == null || !rNode.canConvertToInt() || !rNode.isIntegralNumber()) {
      throw fieldError(source, "r", "expected an integer rank, but got " + rNode);
    }
    JsonNode alphaNode = root.get("lora_alpha");
    if (alphaNode == null || !alphaNode.isNumber()) {
      throw fieldError(source, "lora_alpha", "expected a number, but got " + alphaNode);
    }
    JsonNode targetsNode = root.get("target_modules");
    TargetModules targets;
    try {
      if (targetsNode == null || targetsNode.isNull()) {
        throw fieldError(source, "target_modules", "missing; list the adapted modules, e.g. [\"q_proj\", \"v_proj\"]");
      } else if (targetsNode.isTextual()) {
        targets = TargetModules.parseString(targetsNode.asText());
      } else if (targetsNode.isArray()) {
        List<String> names = new ArrayList<>();
        for (JsonNode n : targetsNode) {
          if (!n.isTextual()) {
            throw fieldError(source, "target_modules", "expected strings, but got " + n);
          }
          names.add(n.asText());
        }
        targets = TargetModules.names(names);
      } else {
        throw fieldError(source, "target_modules", "expected a list of names or a string, but got " + targetsNode);
      }
    } catch (IllegalArgumentException e) {
      throw fieldError(source, "target_modules", e.getMessage());
    }
    Map<String, Object> extras = new LinkedHashMap<>();
    var it = root.fields();
    while (it.hasNext()) {
      var e = it.next();
      if (CORE.contains(e.getKey())) {
        continue;
      }
      if (PEFT_DEFAULTS.containsKey(e.getKey())
          && JSON.valueToTree(PEFT_DEFAULTS.get(e.getKey())).equals(e.getValue())) {
        continue; // written back from the defaults
      }
      if (!PEFT_DEFAULTS.containsKey(e.getKey()) && !OTHER_PEFT_FIELDS.contains(e.getKey())) {
        LOG.warn("{}: unknown field '{}' kept as is", source, e.getKey());
      }
      extras.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class));
    }
    try {
      return LoraConfig.builder()
          .optR(rNode.asInt())
          .optLoraAlpha(alphaNode.asDouble())
          .optLoraDropout(root.path("lora_dropout").asDouble(0.0))
          .optUseRslora(root.path("use_rslora").asBoolean(false))
          .optTargetModules(targets)
          .optBias(root.path("bias").asText("none"))
          .optBaseModelNameOrPath(root.path("base_model_name_or_path").asText(""))
          .optExtraFields(extras)
          .build();
    } catch (IllegalArgumentException e) {
      throw new IOException(source + ": error: " + e.getMessage(), e);
    }
  }

  /**
   * The JSON object PEFT would write for this config.
   *
   * @param config the config; its targets must not be {@code all-linear} unresolved only if the caller wants
   *     the string form kept
   * @return the JSON tree with sorted keys
   */
  public static ObjectNode toJson(LoraConfig config) {
    Map<String, Object> m = new TreeMap<>();
    m.putAll(PEFT_DEFAULTS);
    m.putAll(config.extraFields());
    m.put("peft_type", "LORA");
    m.put("task_type", "CAUSAL_LM");
    m.put("r", config.r());
    double a = config.loraAlpha();
    m.put("lora_alpha", a == Math.rint(a) && Math.abs(a) < 1e15 ? (Object) (long) a : (Object) a);
    m.put("lora_dropout", config.loraDropout());
    m.put("use_rslora", config.useRslora());
    m.put("bias", config.bias());
    m.put("base_model_name_or_path", config.baseModelNameOrPath());
    TargetModules tm = config.targetModules();
    Object targets;
    if (tm instanceof TargetModules.Names n) {
      targets = new ArrayList<>(n.names());
    } else if (tm instanceof TargetModules.Regex r) {
      targets = r.pattern();
    } else {
      targets = TargetModules.ALL_LINEAR;
    }
    m.put("target_modules", targets);
    return JSON.valueToTree(m);
  }

  /**
   * Writes {@code dir/adapter_config.json} atomically.
   *
   * @param config the config
   * @param adapterDir the adapter directory, created if needed
   * @throws IOException when writing fails
   */
  public static void write(LoraConfig config, Path adapterDir) throws IOException {
    Files.createDirectories(adapterDir);
    String text = JSON.writeValueAsString(toJson(config)) + "\n";
    AtomicFiles.writeString(adapterDir.resolve(FILE_NAME), text);
  }

  private static String text(JsonNode root, String field, String source, boolean required) throws IOException {
    JsonNode n = root.get(field);
    if (n == null || n.isNull()) {
      if (required) {
        throw fieldError(source, field, "missing");
      }
      return "";
    }
    if (!n.isTextual()) {
      throw fieldError(source, field, "expected a string, but got " + n);
    }
    return n.asText();
  }

  private static void unsupported(JsonNode root, String source, String field,
      java.util.function.Predicate<JsonNode> isUsed, String message) throws IOException {
    JsonNode n = root.get(field);
    if (n != null && isUsed.test(n)) {
      throw fieldError(source, field, message + " (got " + n + ")");
    }
  }

  private static IOException fieldError(String source, String field, String message) {
    return new IOException(source + ": error: field '" + field + "': " + message);
  }
}
