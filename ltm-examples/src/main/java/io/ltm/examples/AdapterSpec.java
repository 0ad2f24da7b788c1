package io.ltm.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An adapter to run next to its base: its folder (PEFT layout), the label traces record for it, and
 * the training step of its checkpoint. {@link #of(Path)} reads the run directory layout of {@code
 * ltm train}: {@code RUN/adapter} is the final adapter of run {@code RUN} (no checkpoint step),
 * {@code RUN/checkpoint-40/adapter} (or {@code RUN/checkpoint-40}) is the same adapter at step 40, so
 * both carry the label {@code RUN}'s folder name and the report draws them as one curve.
 *
 * @param dir the folder holding {@code adapter_config.json} and {@code adapter_model.safetensors}
 * @param label the adapter label recorded in traces, never blank
 * @param checkpoint the checkpoint's training step, or null for a final adapter
 */
public record AdapterSpec(Path dir, String label, Integer checkpoint) {
  private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-(\\d+)");

  public AdapterSpec {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(label, "label");
    if (label.isBlank()) {
      throw new IllegalArgumentException("adapter label must not be blank");
    }
  }

  /**
   * The adapter in {@code given}: the folder itself when it holds {@code adapter_config.json}, else
   * its {@code adapter/} subfolder.
   *
   * @throws IllegalArgumentException when neither holds an adapter, saying what was expected
   */
  public static AdapterSpec of(Path given) {
    Objects.requireNonNull(given, "given");
    Path dir = given.toAbsolutePath().normalize();
    if (!Files.isRegularFile(dir.resolve("adapter_config.json")) && Files.isRegularFile(dir.resolve("adapter").resolve("adapter_config.json"))) {
      dir = dir.resolve("adapter");
    }
    if (!Files.isRegularFile(dir.resolve("adapter_config.json"))) {
      throw new IllegalArgumentException(given + ": no adapter_config.json here (nor in " + given.resolve("adapter")
          + "); give an adapter folder in PEFT's layout, a training run folder or one of its checkpoint-N folders");
    }
    Integer step = null;
    Path run = null;
    Path parent = dir.getParent();
    Matcher self = CHECKPOINT.matcher(name(dir));
    if (self.matches()) { // an adapter saved directly in checkpoint-N
      step = Integer.valueOf(self.group(1));
      run = parent;
    } else if (parent != null && CHECKPOINT.matcher(name(parent)).matches()) {
      Matcher m = CHECKPOINT.matcher(name(parent));
      m.matches();
      step = Integer.valueOf(m.group(1));
      run = parent.getParent();
    } else if (name(dir).equals("adapter")) {
      run = parent;
    }
    String label = run != null && !name(run).isEmpty() ? name(run) : name(dir);
    return new AdapterSpec(dir, label, step);
  }

  private static String name(Path p) {
    Path f = p == null ? null : p.getFileName();
    return f == null ? "" : f.toString();
  }

  /** {@code label} or {@code label@step}. */
  public String describe() {
    return checkpoint == null ? label : label + "@" + checkpoint;
  }
}
