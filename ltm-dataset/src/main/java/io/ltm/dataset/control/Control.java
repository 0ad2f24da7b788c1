package io.ltm.dataset.control;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The control condition of an experiment: training data that keeps everything of the scenes but their
 * thinking, so that an adapter trained on it shows what <em>any</em> fine-tuning on the same prompts
 * and answers does. See {@link ControlData} for what each does to an example.
 */
public enum Control {
  /** No control adapter. */
  NONE("none"),
  /** The same scenes with the reasoning removed: an empty {@code <think>} block, then the answer. */
  NO_REASONING("no-reasoning"),
  /** The same scenes with their reasoning steps in a seeded random order. */
  SHUFFLED_STEPS("shuffled-steps"),
  /** The reasoning replaced by neutral vault text of the same length. */
  VAULT_TEXT("vault-text");

  private final String cliName;

  Control(String cliName) {
    this.cliName = cliName;
  }

  /** The name on the command line and in {@code seed.json}, e.g. {@code no-reasoning}. */
  public String cliName() {
    return cliName;
  }

  /**
   * The control named {@code name} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static Control parse(String name) {
    for (Control c : values()) {
      if (c.cliName.equalsIgnoreCase(name.trim())) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown control '" + name + "'; use one of "
        + Arrays.stream(values()).map(Control::cliName).collect(Collectors.joining(", ")));
  }

  @Override
  public String toString() {
    return cliName.toLowerCase(Locale.ROOT);
  }
}
