package io.ltm.lora.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.lora.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
 * RUN/adapter/             the final adapter (PEFT layout): the best by eval loss when early stopping is on
 * RUN/best-adapter/        with early stopping on, the best adapter so far while training (moved to adapter/)
 * RUN/stopped.json         written when early stopping ended the run: {step, best_step, best_eval_loss, reason}
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
  /** The best adapter so far, while a run with early stopping trains. */
  public static final String BEST_ADAPTER_DIR = "best-adapter";
  /** The record of an early stop. */
  public static final String STOPPED_FILE = "stopped.json";

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunDirectory.class);

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

  /** @return the best adapter so far of a run with early stopping ({@code RUN/best-adapter}) */
  public Path bestAdapterDir() {
    return root.resolve(BEST_ADAPTER_DIR);
  }

  /** @return the early-stop record ({@code RUN/stopped.json}); present only when early stopping ended the run */
  public Path stoppedFile() {
    return root.resolve(STOPPED_FILE);
  }

  /**
   * @return the early-stop record, empty when the run was not stopped early
   * @throws IOException when it exists but cannot be read
   */
  public Optional<JsonNode> readStopped() throws IOException {
    if (!Files.exists(stoppedFile())) {
      return Optional.empty();
    }
    return Optional.of(JSON.readTree(stoppedFile().toFile()));
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
   * Appends one line to {@code metrics.jsonl} and syncs it to disk ({@link FileChannel#force}) before
   * returning, so a line reported written survives a crash of the machine.
   *
   * @param line the JSON object
   * @throws IOException when writing fails
   */
  public void appendMetrics(ObjectNode line) throws IOException {
    Files.createDirectories(root);
    byte[] bytes = (LINE.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(metricsFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(false);
    }
  }

  /**
   * Drops metrics lines after {@code step} (left by a run that died after its last checkpoint), and
   * a torn last line, atomically. Every line up to the checkpoint is kept, including one that cannot be
   * parsed in the middle of the file (kept as it is, with a warning naming its line number): only the
   * lines of steps after the checkpoint and a torn last line are dropped, and each drop is logged.
   *
   * @param step the checkpoint step resumed from
   * @throws IOException when the file cannot be rewritten
   */
  public void truncateMetricsAfter(long step) throws IOException {
    if (!Files.exists(metricsFile())) {
      return;
    }
    List<String> lines = Files.readAllLines(metricsFile(), StandardCharsets.UTF_8);
    int last = lines.size() - 1;
    while (last >= 0 && lines.get(last).isBlank()) {
      last--;
    }
    StringBuilder kept = new StringBuilder();
    int dropped = 0;
    for (int i = 0; i <= last; i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      JsonNode n;
      try {
        n = LINE.readTree(line);
      } catch (IOException e) {
        if (i == last) {
          LOG.warn("{}:{}: dropping a torn last line (a run killed while writing it): {}", metricsFile(), i + 1,
              abbreviate(line));
        } else {
          LOG.warn("{}:{}: keeping a line that is not JSON, as it is: {}", metricsFile(), i + 1, abbreviate(line));
          kept.append(line).append('\n');
        }
        continue;
      }
      if (n.path("step").asLong(Long.MAX_VALUE) <= step) {
        kept.append(line).append('\n');
      } else {
        dropped++;
      }
    }
    if (dropped > 0) {
      LOG.info("{}: dropped {} line(s) of steps after checkpoint-{} (they are trained again)", metricsFile(), dropped,
          step);
    }
    AtomicFiles.writeString(metricsFile(), kept.toString());
  }

  private static String abbreviate(String line) {
    return line.length() <= 80 ? line : line.substring(0, 77) + "...";
  }

  /**
   * Reads every metrics line; a line that is not JSON is skipped with a warning naming its number.
   *
   * @return the JSON objects in file order
   * @throws IOException when the file cannot be read
   */
  public List<JsonNode> readMetrics() throws IOException {
    List<JsonNode> out = new ArrayList<>();
    if (!Files.exists(metricsFile())) {
      return out;
    }
    List<String> lines = Files.readAllLines(metricsFile(), StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      try {
        out.add(LINE.readTree(line));
      } catch (IOException e) {
        LOG.warn("{}:{}: skipping a line that is not JSON: {}", metricsFile(), i + 1, abbreviate(line));
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
