package io.ltm.lora.train;

import io.ltm.dataset.Dataset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.model.Decoder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a new JVM by {@link LoraTrainerTest}: loads a base and a saved adapter from disk and prints the
 * validation loss of the example scenes on its last stdout line, as a fresh process would see them.
 *
 * <p>Arguments: base directory, adapter directory, max length, a scratch directory.
 */
public final class EvalSavedAdapter {
  private EvalSavedAdapter() {}

  /** @param args base, adapter, max length, scratch directory */
  public static void main(String[] args) throws Exception {
    Dataset ds = TrainingFixtures.exampleScenes(Integer.parseInt(args[2]));
    try (Decoder decoder = DecoderLoader.load(Path.of(args[0])); LoraModel model = new LoraModel(decoder)) {
      LoraAdapter loaded = model.load(Path.of(args[1]), "train");
      LoraTrainer evalOnly = LoraTrainer.builder().setConfig(TrainingConfig.builder().optBatchSize(1).build())
          .setModel(new DecoderLanguageModel(model)).setAdapter(loaded, model.selection()).setTrain(ds.train())
          .optValidation(ds.validation()).setPadId(ds.padId())
          .setRunDirectory(new RunDirectory(Files.createDirectories(Path.of(args[3])))).build();
      System.out.println(evalOnly.evaluate().evalLoss());
    }
  }
}
