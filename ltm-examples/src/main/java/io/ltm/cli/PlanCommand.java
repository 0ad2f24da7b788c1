package io.ltm.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.plan.ByteSize;
import io.ltm.lora.plan.DeviceMemory;
import io.ltm.lora.plan.MemoryPlan;
import io.ltm.lora.plan.MemoryPlanner;
import io.ltm.lora.plan.PlanRequest;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ltm plan}: will a model train and generate on this device? Reads {@code config.json} only (no
 * weights) and prints the parameters and the bytes of each part of the training and generation peaks
 * ({@link MemoryPlanner}), or the same as JSON.
 */
@Command(
    name = "plan",
    mixinStandardHelpOptions = true,
    description = "Memory plan of training and generation for a base model, from its config.json alone: parameters, "
        + "bytes of each part, the peak, and whether it fits the device (or --memory).")
public final class PlanCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--base", required = true, description = "base model folder (only config.json is read); or a config.json file")
  Path base;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE})")
  String device;

  @Option(names = "--max-len", defaultValue = "2048", description = "tokens per packed sequence (default: ${DEFAULT-VALUE})")
  int maxLen;

  @Option(names = "--batch", defaultValue = "1", description = "sequences per micro-batch (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--grad-accum", defaultValue = "1", description = "micro-batches per step (default: ${DEFAULT-VALUE})")
  int gradAccum;

  @Option(names = "--r", defaultValue = "16", description = "LoRA rank (default: ${DEFAULT-VALUE})")
  int r;

  @Option(names = "--alpha", defaultValue = "32", description = "LoRA alpha (default: ${DEFAULT-VALUE}; no effect on memory)")
  double alpha;

  @Option(names = "--targets", defaultValue = "all-linear",
      description = "target modules: q_proj,v_proj,... or all-linear (default: ${DEFAULT-VALUE})")
  String targets;

  @Option(names = "--dropout", defaultValue = "0.05", description = "LoRA dropout (default: ${DEFAULT-VALUE})")
  double dropout;

  @Option(names = "--validation", defaultValue = "0.1", description = "validation fraction of scenes, 0 = no evaluation (default: ${DEFAULT-VALUE})")
  double validation;

  @Option(names = "--gradient-checkpointing", description = "recompute decoder layers in backward: activation memory of one layer, one extra forward")
  boolean gradientCheckpointing;

  @Option(names = "--max-new-tokens", defaultValue = "512", description = "generation budget after a --max-len prompt (default: ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Option(names = "--memory", description = "memory to fit in, e.g. 96GB or 80GiB (default: the device's)")
  String memory;

  @Option(names = "--json", description = "print the plan as JSON")
  boolean json;

  @Option(names = "--verbose", description = "print stack traces")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    Path configJson = Files.isDirectory(base) ? base.resolve("config.json") : base;
    ModelConfig config = ModelConfig.read(configJson);
    PlanRequest request;
    Device dev;
    try {
      dev = LoadOptions.parseDevice(device);
      request = PlanRequest.builder().optGpu(dev.isGpu()).optMaxLen(maxLen).optBatch(batch).optGradAccum(gradAccum)
          .optR(r).optTargets(TargetModules.parseCommaSeparated(targets)).optDropout(dropout)
          .optGradientCheckpointing(gradientCheckpointing).optEvaluation(validation > 0).optMaxNewTokens(maxNewTokens)
          .optMemoryBytes(memory == null ? 0 : ByteSize.parse(memory)).build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    MemoryPlan plan = plan(config, request, dev);
    if (json) {
      o.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(plan.toJson()));
    } else {
      o.print(plan.format());
    }
    o.flush();
    return LtmCli.OK;
  }

  /** The plan of {@code config} for {@code request} on {@code dev}, its memory read only when the request has none. */
  static MemoryPlan plan(ModelConfig config, PlanRequest request, Device dev) {
    if (request.memoryBytes() > 0) {
      return MemoryPlanner.plan(config, request, request.memoryBytes(), "--memory");
    }
    DeviceMemory m = DeviceMemory.of(dev);
    return MemoryPlanner.plan(config, request, m.bytes(), m.source());
  }
}
