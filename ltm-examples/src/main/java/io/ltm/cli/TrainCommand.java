package io.ltm.cli;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.cli.options.BaseModelOption;
import io.ltm.cli.options.DeviceOption;
import io.ltm.cli.options.LoraOptions;
import io.ltm.cli.options.PlanOptions;
import io.ltm.cli.options.TrainingOptions;
import io.ltm.cli.options.VerboseOption;
import io.ltm.core.scene.Scene;
import io.ltm.core.scene.SceneReader;
import io.ltm.core.scene.SceneValidationException;
import io.ltm.dataset.Dataset;
import io.ltm.dataset.DatasetBuilder;
import io.ltm.dataset.token.HfTokenizer;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.plan.ByteSize;
import io.ltm.lora.plan.MemoryPlan;
import io.ltm.lora.plan.PlanRequest;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.train.DecoderLanguageModel;
import io.ltm.lora.train.LoggingListener;
import io.ltm.lora.train.LoraTrainer;
import io.ltm.lora.train.RecomputingDecoderModel;
import io.ltm.lora.train.RunDirectory;
import io.ltm.lora.train.TrainingConfig;
import io.ltm.lora.train.TrainingReplica;
import io.ltm.lora.train.TrainingResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ltm train}: scenes -> packed token sequences (the dataset builder) -> a LoRA adapter trained on
 * the base model, in a run directory that can be resumed. Prints the progress bar on a terminal (log lines
 * otherwise) and, at the end, where the adapter is. {@code --devices a,b,...} trains data-parallel: the base
 * is loaded once per device with the same adapter, and {@link LoraTrainer} shares each step's micro-batches
 * out over them (equal to {@code --grad-accum} on one device).
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Train a LoRA adapter on scenes over a base model (Hugging Face folder); writes RUN/config.json, "
        + "RUN/metrics.jsonl, RUN/checkpoint-N/ and RUN/adapter (PEFT layout).")
public final class TrainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin BaseModelOption model;

  @Option(names = "--scenes", required = true, description = "folder (or file) of scene YAML")
  Path scenes;

  @Option(names = "--out", required = true, description = "run folder")
  Path out;

  @Mixin LoraOptions lora;

  @Mixin TrainingOptions training;

  @Mixin DeviceOption device;

  @Option(names = "--devices", description = "data parallel over several devices, e.g. cuda:0,cuda:1: the base is loaded on "
      + "each, the step's micro-batches are shared out and the gradients summed (equals --grad-accum on one device); "
      + "use --grad-accum of at least the number of devices. Not with --device")
  String devices;

  @Mixin PlanOptions plan;

  @Option(names = "--force", description = "train even when the memory plan says the run does not fit the device")
  boolean force;

  @Option(names = "--resume", description = "continue from the run folder's last checkpoint")
  boolean resume;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<Device> devs = devices();
    Path base = model.require(spec.commandLine());
    BaseModelDir.require(base); // before the dataset is built, so a wrong --base fails at once
    checkPlan(err, devs.get(0), base);
    List<Scene> sceneList;
    try {
      sceneList = SceneReader.readStrict(List.of(scenes));
    } catch (SceneValidationException e) {
      err.println(e.getMessage());
      return LtmCli.INPUT_ERROR;
    }
    if (sceneList.isEmpty()) {
      throw new IllegalArgumentException(scenes + ": no scenes to train on (no *.yaml or *.yml scene files there);"
          + " give a scene file or a folder of them, e.g. examples/scenes");
    }
    TrainingConfig cfg = training.config();
    LoraConfig loraConfig = lora.config(base);
    int maxLen = training.maxLen();
    int gradAccum = training.gradAccum();
    long seed = training.seed();

    Dataset dataset;
    try (HfTokenizer tok = HfTokenizer.load(base)) {
      dataset = DatasetBuilder.builder().setTokenizer(tok).optMaxLength(maxLen).optPack(true)
          .optTruncation(training.truncate() ? io.ltm.dataset.token.TruncationPolicy.TRUNCATE : io.ltm.dataset.token.TruncationPolicy.SKIP)
          .optValidationFraction(training.validation()).build().build(sceneList);
    }
    err.println(dataset.stats().format());
    if (dataset.train().isEmpty()) {
      throw new IllegalArgumentException("no training sequences from " + scenes + " (every scene longer than --max-len "
          + maxLen + "?); raise --max-len or pass --truncate");
    }
    if (devs.size() > 1) {
      err.printf(Locale.ROOT, "data parallel over %d devices %s: --grad-accum %d micro-batches per step shared out%n",
          devs.size(), devs, gradAccum);
      if (gradAccum < devs.size()) {
        err.printf(Locale.ROOT, "warning: --grad-accum %d is below the %d devices: %d device(s) stay idle (%s); "
            + "set --grad-accum %d (or a multiple of %d) to use them all%n", gradAccum, devs.size(),
            devs.size() - gradAccum, devs.subList(gradAccum, devs.size()), devs.size(), devs.size());
      }
    }
    // One base per device (f16 frozen weights on a GPU), each with the same adapter; closed in reverse order.
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      List<LoraModel> models = new ArrayList<>();
      List<LoraAdapter> adapters = new ArrayList<>();
      for (Device d : devs) {
        Decoder decoder = DecoderLoader.load(base, LoadOptions.on(d));
        opened.add(decoder);
        LoraModel m = new LoraModel(decoder);
        opened.add(m);
        models.add(m);
        adapters.add(m.create("train", loraConfig, seed)); // same seed: identical; the trainer copies replica 0's anyway
      }
      LoraModel model = models.get(0);
      LoraAdapter adapter = adapters.get(0);
      err.println(model.trainableParameters("train").format());
      ObjectNode info = JsonNodeFactory.instance.objectNode();
      info.put("base", base.toAbsolutePath().normalize().toString());
      info.put("scenes", scenes.toAbsolutePath().normalize().toString());
      info.put("max_len", maxLen);
      info.put("validation_fraction", training.validation());
      info.put("device", devs.get(0).toString());
      com.fasterxml.jackson.databind.node.ArrayNode devNames = info.putArray("devices");
      devs.forEach(d -> devNames.add(d.toString()));
      List<TrainingReplica> replicas = new ArrayList<>();
      for (int i = 1; i < models.size(); i++) {
        replicas.add(new TrainingReplica(languageModel(models.get(i)), adapters.get(i), models.get(i).selection()));
      }
      TrainProgress progress = TrainProgress.interactive() ? new TrainProgress(System.err) : null;
      LoraTrainer.Builder tb = LoraTrainer.builder().setConfig(cfg)
          .setModel(languageModel(model))
          .setAdapter(adapter, model.selection()).setTrain(dataset.train()).optValidation(dataset.validation())
          .setPadId(dataset.padId()).setRunDirectory(new RunDirectory(out)).optResume(resume).optRunInfo(info)
          .optReplicas(replicas);
      tb.addListener(progress != null ? progress : new LoggingListener(10));
      TrainingResult result;
      try {
        result = tb.build().train();
      } finally {
        if (progress != null) {
          progress.close();
        }
      }
      o.printf(Locale.ROOT, "trained %d steps: loss %.4f, eval loss %s%s%n", result.steps(), result.finalLoss(),
          Double.isNaN(result.finalEvalLoss()) ? "n/a (no validation split)" : String.format(Locale.ROOT, "%.4f", result.finalEvalLoss()),
          result.stoppedEarly() ? String.format(Locale.ROOT, " (stopped early: see %s; the adapter is the best, eval loss %.4f)",
              new RunDirectory(out).stoppedFile(), result.bestEvalLoss()) : "");
      o.printf("metrics: %s%n", new RunDirectory(out).metricsFile());
      o.printf("adapter: %s%n", result.adapterDir());
    } finally {
      closeAll(opened);
    }
    return LtmCli.OK;
  }

  /**
   * Prints the memory plan's summary line and refuses a run that does not fit the device (naming the flags
   * that would make it fit) unless {@code --force}.
   */
  private void checkPlan(PrintWriter err, Device dev, Path base) {
    ModelConfig config = ModelConfig.read(base.resolve("config.json"));
    PlanRequest request;
    try {
      request = plan.request(dev, lora, training, PlanRequest.builder().build().maxNewTokens());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    MemoryPlan memoryPlan;
    try {
      memoryPlan = PlanCommand.plan(config, request, dev);
    } catch (IllegalStateException e) { // the device's memory cannot be read; loading will say more
      err.println("plan: " + e.getMessage());
      return;
    }
    err.println(memoryPlan.summaryLine());
    if (!memoryPlan.fitsTrain()) {
      String fix = memoryPlan.advice().isEmpty() ? "" : "; to fit, use " + String.join(" or ", memoryPlan.advice());
      if (force) {
        err.println("plan: the run does not fit" + fix + "; training anyway (--force)");
      } else {
        throw new IllegalArgumentException("this run needs about " + ByteSize.gib(memoryPlan.train().bytes()) + " at its peak ("
            + memoryPlan.train().peakAt() + ") but " + dev + " has " + ByteSize.gib(memoryPlan.memoryBytes()) + " ("
            + memoryPlan.memorySource()
            + ")" + fix + "; see ./ltm plan --base " + base + " with the same flags, or pass --force to train anyway");
      }
    }
  }

  private io.ltm.lora.train.CausalLanguageModel languageModel(LoraModel m) {
    return training.gradientCheckpointing() ? new RecomputingDecoderModel(m) : new DecoderLanguageModel(m);
  }

  /** {@code --device} or {@code --devices} (not both) as a list; one device when data parallelism is off. */
  private List<Device> devices() {
    if (device.given() && devices != null) {
      throw new ParameterException(spec.commandLine(), "--device and --devices are mutually exclusive: give --device "
          + device.name() + " for one device, or --devices " + devices + " for data parallel over several");
    }
    if (devices == null) {
      return List.of(device.device());
    }
    List<Device> out = new ArrayList<>();
    for (String name : devices.split(",", -1)) {
      try {
        out.add(LoadOptions.parseDevice(name));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--devices " + devices + ": " + e.getMessage()
            + ", separated by commas (e.g. cuda:0,cuda:1)");
      }
    }
    return out;
  }

  /** Closes in reverse order, keeping the first failure. */
  private static void closeAll(List<AutoCloseable> opened) throws Exception {
    Exception first = null;
    for (int i = opened.size() - 1; i >= 0; i--) {
      try {
        opened.get(i).close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
