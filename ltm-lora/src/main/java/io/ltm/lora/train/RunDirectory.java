package io.ltm.lora.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.lora.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The layout of one training run's folder:
 *
 * <pre>
 * RUN/config.json          the resolved settings (training, LoRA, data, base model)
 * RUN/metrics.jsonl        one JSON object per step ({step, loss, lr, grad_norm, tokens, tokens_per_s,
 *                          elapsed_s, epoch}) and per evaluation ({step, eval_loss, eval_ppl, eval_tokens})
 * RUN/checkpoint-&lt;step&gt;/  adapter/ (PEFT layout, f32), optimizer.safetensors, trainer_state.json
 * RUN/adapter/             the final adapter (PEFT layout)
 * </pre>
 *
 * Checkpoints appear by renaming a complete temporary folder, so any {@code checkpoint-N} with a
 * {@code trainer_state.json} is complete. Not thread-safe; one trainer per run directory.
 */
public final class RunDirectory {

  /** The resolved config file. */
  public static final String CONFIG_FILE = "config.json";
  /** The metrics file. */
  public static final String METRICS_FILE = "metrics.jsonl";
  /** The final adapter folder. */
  public static final String ADAPTER_DIR = "adapter";
  /** The state file inside a checkpoint. */
  public static final String STATE_FILE = "trainer_state.json";

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper LINE = new ObjectMapper();
  private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d+)");

  private final Path root;

  /**
   * @param root the run folder (created on first write)
   */
  public RunDirectory(Path root) {
    this.root = root.toAbsolutePath();
  }

  /** @return the run folder */
  public Path root() {
    return root;
  }

  /** @return {@code RUN/adapter} */
  public Path adapterDir() {
    return root.resolve(ADAPTER_DIR);
  }

  /** @return {@code RUN/metrics.jsonl} */
  public Path metricsFile() {
    return root.resolve(METRICS_FILE);
  }

  /** @return {@code RUN/config.json} */
  public Path configFile() {
    return root.resolve(CONFIG_FILE);
  }

  /** @param step a step @return {@code RUN/checkpoint-step} */
  public Path checkpointDir(long step) {
    return root.resolve("checkpoint-" + step);
  }

  /**
   * Writes the resolved config atomically.
   *
   * @param config the JSON object
   * @throws IOException when writing fails
   */
  public void writeConfig(JsonNode config) throws IOException {
    Files.createDirectories(root);
    AtomicFiles.writeString(configFile(), JSON.writeValueAsString(config) + "\n");
  }

  /**
   * @return the saved config, empty when the run has none
   * @throws IOException when it cannot be read
   */
  public Optional<JsonNode> readConfig() throws IOException {
    if (!Files.exists(configFile())) {
      return Optional.empty();
    }
    return Optional.of(JSON.readTree(configFile().toFile()));
  }

  /**
   * Appends one line to {@code metrics.jsonl} and flushes it to disk.
   *
   * @param line the JSON object
   * @throws IOException when writing fails
   */
  public void appendMetrics(ObjectNode line) throws IOException {
    Files.createDirectories(root);
    try (BufferedWriter w = Files.newBufferedWriter(metricsFile(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
        StandardOpenOption.APPEND)) {
      w.write(LINE.writeValueAsString(line));
      w.write('\n');
    }
  }

  /**
   * Drops metrics lines after {@code step} (left by a run that died after its last checkpoint), and
   * a torn last line, atomically.
   *
   * @param step the checkpoint step resumed from
   * @throws IOException when the file cannot be rewritten
   */
  public void truncateMetricsAfter(long step) throws IOException {
    if (!Files.exists(metricsFile())) {
      return;
    }
    StringBuilder kept = new StringBuilder();
    for (String line : Files.readAllLines(metricsFile(), StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode n;
      try {
        n = LINE.readTree(line);
      } catch (IOException e) {
        continue; // a line torn by a kill
      }
      if (n.path("step").asLong(Long.MAX_VALUE) <= step) {
        kept.append(line).append('\n');
      }
    }
    AtomicFiles.writeString(metricsFile(), kept.toString());
  }

  /**
   * Reads every metrics line.
   *
   * @return the JSON objects in file order
   * @throws IOException when the file cannot be read
   */
  public List<JsonNode> readMetrics() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    if (!Files.exists(metricsFile())) {
      return out;
    }
    for (String line : Files.readAllLines(metricsFile(), StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        out.add(LINE.readTree(line));
      }
    }
    return out;
  }

  /**
   * The complete checkpoints, oldest first.
   *
   * @return their steps
   * @throws IOException when the folder cannot be listed
   */
  public List<Long> checkpointSteps() throws IOException {
    List<Long> steps = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return steps;
    }
    try (var list = Files.list(root)) {
      for (Path p : list.toList()) {
        Matcher m = CHECKPOINT.matcher(p.getFileName().toString());
        if (m.matches() && Files.isRegularFile(p.resolve(STATE_FILE))) {
          steps.add(Long.parseLong(m.group(1)));
        }
      }
    }
    steps.sort(Comparator.naturalOrder());
    return steps;
  }

  /**
   * Removes all but the newest {@code keep} checkpoints and leftover temporary folders.
   *
   * @param keep how many to keep
   * @throws IOException when deleting fails
   */
  public void pruneCheckpoints(int keep) throws IOException {
    List<Long> steps = checkpointSteps();
    for (int i = 0; i < steps.size() - keep; i++) {
      AtomicFiles.deleteRecursively(checkpointDir(steps.get(i)));
    }
    try (var list = Files.list(root)) {
      for (Path p : list.toList()) {
        String n = p.getFileName().toString();
        if (n.startsWith(".checkpoint-") && n.contains(".tmp")) {
          AtomicFiles.deleteRecursively(p);
        }
      }
    }
  }
}
