package io.ltm.cli.options;

import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.TargetModules;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The LoRA adapter's shape: rank, alpha, target modules, dropout and rsLoRA scaling. */
public final class LoraOptions {
  @Option(names = "--r", paramLabel = "R", defaultValue = "16", description = "LoRA rank (default: ${DEFAULT-VALUE})")
  int r;

  @Option(names = "--alpha", paramLabel = "A", defaultValue = "32", description = "LoRA alpha (default: ${DEFAULT-VALUE})")
  double alpha;

  @Option(names = "--targets", paramLabel = "MODULES", defaultValue = "all-linear",
      description = "target modules: q_proj,v_proj,... or all-linear (default: ${DEFAULT-VALUE})")
  String targets;

  @Option(names = "--dropout", paramLabel = "P", defaultValue = "0.05", description = "LoRA dropout (default: ${DEFAULT-VALUE})")
  double dropout;

  @Option(names = "--rslora", description = "scale by alpha/sqrt(r) (rank-stabilized LoRA)")
  boolean rslora;

  public int r() {
    return r;
  }

  public double alpha() {
    return alpha;
  }

  public String targets() {
    return targets;
  }

  public double dropout() {
    return dropout;
  }

  public boolean rslora() {
    return rslora;
  }

  /**
   * The checked adapter configuration for {@code base}.
   *
   * @throws IllegalArgumentException naming the value when one is out of range
   */
  public LoraConfig config(Path base) {
    return config(base.toAbsolutePath().normalize().toString());
  }

  /**
   * The checked adapter configuration for a base given by folder or by hub name ({@code
   * base_model_name_or_path} as written).
   *
   * @throws IllegalArgumentException naming the value when one is out of range
   */
  public LoraConfig config(String baseNameOrPath) {
    return LoraConfig.builder().optR(r).optLoraAlpha(alpha).optLoraDropout(dropout).optUseRslora(rslora)
        .optTargetModules(TargetModules.parseCommaSeparated(targets))
        .optBaseModelNameOrPath(baseNameOrPath).build();
  }
}
