package io.ltm.examples;

import io.ltm.core.scene.SceneReader;
import io.ltm.dataset.Dataset;
import io.ltm.dataset.DatasetBuilder;
import io.ltm.dataset.token.HfTokenizer;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.train.DecoderLanguageModel;
import io.ltm.lora.train.LoggingListener;
import io.ltm.lora.train.LoraTrainer;
import io.ltm.lora.train.RunDirectory;
import io.ltm.lora.train.TrainingConfig;
import io.ltm.lora.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Example: train a LoRA adapter on scenes. Without a base model it first writes the built-in tiny
 * random Qwen3 ({@link CheckpointPreset#TINY_QWEN3}, the real Qwen3 tokenizer, the exact Hugging
 * Face layout), so it runs anywhere in seconds; pass your own model folder for a real run.
 *
 * <pre>{@code
 * java ... io.ltm.examples.TrainExample examples/scenes runs/example [STEPS] [BASE_DIR]
 * }</pre>
 *
 * Writes {@code RUN/metrics.jsonl}, {@code RUN/checkpoint-N/} and the adapter in PEFT's layout in
 * {@code RUN/adapter/}; running it again with the same folder resumes from the last checkpoint.
 */
public final class TrainExample {
  private TrainExample() {}

  /**
   * Writes the tiny random Qwen3 into {@code dir} (once), with the tokenizer found from the working
   * directory ({@code examples/tokenizer/qwen3} of the ltm repository).
   */
  public static Path randomBase(Path dir) throws java.io.IOException {
    if (!Files.isRegularFile(dir.resolve("model.safetensors"))) {
      RandomCheckpointWriter.builder(CheckpointPreset.TINY_QWEN3).seed(7).build().write(dir);
    }
    return dir;
  }

  /** Trains {@code steps} optimizer steps over {@code base} on {@code scenes} into {@code runDir}. */
  public static TrainingResult train(Path base, Path scenes, Path runDir, int steps, int maxLength) throws Exception {
    Dataset dataset;
    try (HfTokenizer tokenizer = HfTokenizer.load(base)) {
      dataset = DatasetBuilder.builder().setTokenizer(tokenizer).optMaxLength(maxLength).optPack(true)
          .optValidationFraction(0.2).build().build(SceneReader.readStrict(List.of(scenes)));
    }
    TrainingConfig training = TrainingConfig.builder()
        .optMaxSteps(steps).optBatchSize(1).optGradAccum(1)
        .optLearningRate(1e-3)                       // high for a demo of a few steps; 2e-4 for real runs
        .optEvalEvery(Math.max(1, steps / 2)).optSaveEvery(Math.max(1, steps / 2))
        .optSeed(42).build();
    LoraConfig lora = LoraConfig.builder().optR(8).optLoraAlpha(16)
        .optTargetModules(new TargetModules.AllLinear())
        .optBaseModelNameOrPath(base.toAbsolutePath().normalize().toString()).build();
    try (Decoder decoder = DecoderLoader.load(base); LoraModel model = new LoraModel(decoder)) {
      LoraAdapter adapter = model.create("example", lora, 42);      // PEFT init: B = 0, so step 0 = base
      System.out.println(model.trainableParameters("example").format());
      return LoraTrainer.builder()
          .setConfig(training)
          .setModel(new DecoderLanguageModel(model))
          .setAdapter(adapter, model.selection())
          .setTrain(dataset.train()).optValidation(dataset.validation()).setPadId(dataset.padId())
          .setRunDirectory(new RunDirectory(runDir)).optResume(true)
          .addListener(new LoggingListener(1))
          .build().train();
    }
  }

  /** {@code TrainExample SCENES RUN_DIR [STEPS] [BASE_DIR]}. */
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: TrainExample SCENES RUN_DIR [STEPS] [BASE_DIR]");
      System.exit(2);
    }
    Path runDir = Path.of(args[1]);
    int steps = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    Path base = args.length > 3 ? Path.of(args[3]) : randomBase(runDir.resolve("base-random"));
    TrainingResult r = train(base, Path.of(args[0]), runDir, steps, 1024);
    System.out.printf("trained %d steps: loss %.4f, eval loss %.4f; adapter in %s%n",
        r.steps(), r.finalLoss(), r.finalEvalLoss(), r.adapterDir());
  }
}
