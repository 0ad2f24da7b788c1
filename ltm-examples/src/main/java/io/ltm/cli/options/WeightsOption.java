package io.ltm.cli.options;

import io.ltm.lora.io.LoadOptions;
import picocli.CommandLine.Option;

/**
 * {@code --f32-weights}: for the commands that only run the model (generate, score, serve, loop). On the CPU they
 * keep a bf16 checkpoint's weight matrices in bf16 ({@link LoadOptions#forGeneration}: half the memory of
 * f32 and half the bytes read per decoded token); this flag widens them to f32 at load instead, as
 * training does.
 */
public final class WeightsOption {
  @Option(names = "--f32-weights",
      description = "on the CPU, widen a bf16 checkpoint's weights to f32 at load (twice the memory and bytes per "
          + "token) instead of keeping them in bf16")
  boolean f32;

  /** Load options for running (not training) the model on {@code device}'s device. */
  public LoadOptions loadOptions(DeviceOption device) {
    LoadOptions o = LoadOptions.forGeneration(device.device());
    return f32 ? o.widened() : o;
  }
}
