package io.ltm.cli.options;

import ai.djl.Device;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.plan.ByteSize;
import io.ltm.lora.plan.PlanRequest;
import picocli.CommandLine.Option;

/**
 * {@code --memory SIZE}: the memory a run's plan is checked against ({@code ltm plan} and {@code ltm train}),
 * and the one place where the plan's request is built from {@code ltm train}'s own flags, so the plan
 * and the training run read the same values.
 */
public final class PlanOptions {
  @Option(names = "--memory", paramLabel = "SIZE", description = "memory the plan checks against, e.g. 96GB or 80GiB "
      + "(default: the device's)")
  String memory;

  /**
   * The plan request for a training run with these flags on {@code device}.
   *
   * @param maxNewTokens the generation budget planned after a {@code --max-len} prompt
   * @throws IllegalArgumentException naming the value when one is out of range
   */
  public PlanRequest request(Device device, LoraOptions lora, TrainingOptions training, int maxNewTokens) {
    return PlanRequest.builder().optGpu(device.isGpu()).optMaxLen(training.maxLen()).optBatch(training.batch())
        .optGradAccum(training.gradAccum()).optR(lora.r()).optTargets(TargetModules.parseCommaSeparated(lora.targets()))
        .optDropout(lora.dropout()).optGradientCheckpointing(training.gradientCheckpointing())
        .optEvaluation(training.validation() > 0).optMaxNewTokens(maxNewTokens)
        .optMemoryBytes(memory == null ? 0 : ByteSize.parse(memory)).build();
  }
}
