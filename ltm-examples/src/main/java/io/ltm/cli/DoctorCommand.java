package io.ltm.cli;

import io.ltm.cli.options.BaseModelOption;
import io.ltm.cli.options.DeviceOption;
import io.ltm.cli.options.VerboseOption;
import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ltm.lora.doctor.Doctor;
import io.ltm.lora.doctor.DoctorReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ltm doctor}: checks that this machine runs ltm on a device and how fast ({@link Doctor}). Exit 0
 * when no check failed, 1 otherwise.
 */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = "Check this machine: the libtorch DJL loaded, devices and memory, a model scored and a LoRA trained on "
        + "the device against the CPU, speed against limits measured in the same run, peak memory against ltm plan.")
public final class DoctorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin DeviceOption device;

  @Mixin BaseModelOption model;

  @Option(names = "--work", description = "folder for the random model (default: TMPDIR/ltm-doctor)")
  Path work;

  @Option(names = "--seq", defaultValue = "0", description = "tokens per scored and trained sequence (default: 512; 32 with --quick)")
  int seq;

  @Option(names = "--steps", defaultValue = "0", description = "training steps, the first a warm-up (default: 4; 3 with --quick)")
  int steps;

  @Option(names = "--quick", description = "a tiny random model and short runs (seconds on a CPU): checks the path, not the speed")
  boolean quick;

  @Option(names = "--json", description = "print the report as JSON")
  boolean json;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    Device dev;
    Doctor doctor;
    try {
      dev = device.device();
      Doctor.Builder b = Doctor.builder().setDevice(dev).optBase(model.base()).optQuick(quick).optSeqLen(seq).optSteps(steps);
      if (work != null) {
        b.optWorkDir(work);
      }
      doctor = b.build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (model.base() != null) {
      BaseModelDir.require(model.base());
    }
    DoctorReport report = doctor.run();
    if (json) {
      o.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report.toJson()));
    } else {
      o.print(report.format());
    }
    o.flush();
    return report.ok() ? LtmCli.OK : LtmCli.INPUT_ERROR;
  }
}
