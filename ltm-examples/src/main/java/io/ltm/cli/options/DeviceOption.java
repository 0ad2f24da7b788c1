package io.ltm.cli.options;

import ai.djl.Device;
import io.ltm.lora.io.LoadOptions;

/** {@code --device cpu|cuda|cuda:N}: where the model runs (default cpu). */
public final class DeviceOption {
  /** The device name when {@code --device} is not given. */
  public static final String DEFAULT = "cpu";

  @picocli.CommandLine.Option(names = "--device", paramLabel = "DEVICE",
      description = "cpu, cuda or cuda:N; on a GPU the frozen weights are f16, LoRA weights and optimizer f32 (default: "
          + DEFAULT + ")")
  String name;

  /** The name given, or {@link #DEFAULT}. */
  public String name() {
    return name == null ? DEFAULT : name;
  }

  /** True when {@code --device} was given on the command line. */
  public boolean given() {
    return name != null;
  }

  /**
   * The device.
   *
   * @throws IllegalArgumentException naming the value when it is not cpu, cuda or cuda:N
   */
  public Device device() {
    return LoadOptions.parseDevice(name());
  }

  /** Load options for this device. */
  public LoadOptions loadOptions() {
    return LoadOptions.on(device());
  }
}
