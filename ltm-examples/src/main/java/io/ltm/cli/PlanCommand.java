package io.ltm.cli;

import io.ltm.cli.options.DeviceOption;
import io.ltm.cli.options.LoraOptions;
import io.ltm.cli.options.PlanOptions;
import io.ltm.cli.options.TrainingOptions;
import io.ltm.cli.options.VerboseOption;
import io.ltm.cli.options.WeightsOption;
import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.plan.DeviceMemory;
import io.ltm.lora.plan.MemoryPlan;
import io.ltm.lora.plan.MemoryPlanner;
import io.ltm.lora.plan.PlanRequest;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Mixin DeviceOption device;

  @Mixin LoraOptions lora;

  @Mixin TrainingOptions training;

  @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "512",
      description = "generation budget after a --max-len prompt (default: ${DEFAULT-VALUE})")
  int maxNewTokens;

  @Mixin PlanOptions planOptions;

  @Mixin WeightsOption weights;

  @Option(names = "--json", description = "print the plan as JSON")
  boolean json;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    Path configJson = Files.isDirectory(base) ? base.resolve("config.json") : base;
    ModelConfig config = ModelConfig.read(configJson);
    PlanRequest request;
    Device dev;
    try {
      dev = device.device();
      request = planOptions.request(dev, lora, training, maxNewTokens);
      // config.json's torch_dtype: a bf16 checkpoint generates from bf16 weights on the CPU (ltm generate's default)
      // (unless --f32-weights); --kv-cache f16 halves the KV cache
      request = request.toBuilder().optBf16Weights(!weights.f32Weights() && "bfloat16".equals(new ObjectMapper()
          .readTree(configJson.toFile()).path("torch_dtype").asText()))
          .optHalfKvCache(weights.kvCache() == TensorDType.F16).build();
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
