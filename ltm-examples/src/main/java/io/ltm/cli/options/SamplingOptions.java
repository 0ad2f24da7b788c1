package io.ltm.cli.options;

import io.ltm.core.loop.GenerationSettings;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How a command samples tokens: budget, temperature, nucleus and top-k cut-offs, repetition penalty,
 * seed and Qwen3's thinking switch. {@link #settings(CommandLine)} checks every value and names the
 * flag of the first bad one.
 */
public final class SamplingOptions {
  @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "512",
      description = "token budget per generation (default: ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "0 = greedy (default: ${DEFAULT-VALUE})")
  double temperature;

  @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "nucleus sampling mass (default: ${DEFAULT-VALUE})")
  double topP;

  @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "0 = off (default: ${DEFAULT-VALUE})")
  int topK;

  @Option(names = "--repetition-penalty", paramLabel = "X", defaultValue = "1", description = "1 = off (default: ${DEFAULT-VALUE})")
  double repetitionPenalty;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "sampling seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--no-think", description = "switch thinking off (enable_thinking=false)")
  boolean noThink;

  /**
   * The checked settings.
   *
   * @throws CommandLine.ParameterException naming the flag when a value is out of range (exit code 2)
   */
  public GenerationSettings settings(CommandLine cl) {
    String problem = null;
    if (maxNewTokens < 1) {
      problem = "--max-new-tokens must be at least 1 but got " + maxNewTokens;
    } else if (!Double.isFinite(temperature) || temperature < 0) {
      problem = "--temperature must be 0 (greedy) or more but got " + temperature;
    } else if (!(topP > 0 && topP <= 1)) {
      problem = "--top-p must be in (0, 1] but got " + topP;
    } else if (topK < 0) {
      problem = "--top-k must be 0 (off) or more but got " + topK;
    } else if (!Double.isFinite(repetitionPenalty) || repetitionPenalty <= 0) {
      problem = "--repetition-penalty must be more than 0 (1 = off) but got " + repetitionPenalty;
    }
    if (problem != null) {
      throw new CommandLine.ParameterException(cl, problem);
    }
    return new GenerationSettings(maxNewTokens, temperature, topP, topK, repetitionPenalty, seed, !noThink);
  }
}
