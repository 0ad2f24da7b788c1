package io.ltm.cli;

import io.ltm.cli.options.LoraOptions;
import io.ltm.cli.options.TrainingOptions;
import io.ltm.cli.options.VerboseOption;
import io.ltm.core.scene.Scene;
import io.ltm.core.scene.SceneReader;
import io.ltm.core.scene.SceneValidationException;
import io.ltm.core.vault.Note;
import io.ltm.core.vault.Vault;
import io.ltm.dataset.Dataset;
import io.ltm.dataset.DatasetBuilder;
import io.ltm.dataset.token.HfTokenizer;
import io.ltm.dataset.token.TruncationPolicy;
import io.ltm.examples.TrainerExport;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.train.TrainingConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ltm export --format axolotl|trl}: the dataset {@code ltm train} would train on and the
 * configuration of an existing distributed trainer with the same settings ({@link TrainerExport}).
 * Takes {@code ltm train}'s flags with the same names and defaults; the adapter the trainer writes is
 * PEFT's layout, which {@code ltm score/generate/loop/metrics/report --adapter} read.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
        "Write the scenes' chat dataset (with the reasoning) and an Axolotl YAML or TRL SFTConfig/LoraConfig for training "
            + "the same LoRA adapter elsewhere (many GPUs), with ltm train's settings.",
        "The PEFT adapter that comes back feeds ltm score/generate/loop/metrics/report --adapter."})
public final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--format", required = true, description = "axolotl (axolotl.yaml) or trl (trl.json + train_trl.py)")
  String format;

  @Option(names = "--base", required = true, paramLabel = "NAME_OR_DIR",
      description = "base model: a Hugging Face name (e.g. Qwen/Qwen3-0.6B) or a model folder; written into the config as given")
  String base;

  @Option(names = "--tokenizer", paramLabel = "DIR", description = "tokenizer folder for a --base given by name (default: "
      + "the base folder's own; for a name, the bundled Qwen3 tokenizer examples/tokenizer/qwen3)")
  Path tokenizer;

  @Option(names = "--scenes", required = true, description = "folder (or file) of scene YAML")
  Path scenes;

  @Option(names = "--vault", paramLabel = "DIR", description = "Obsidian vault: its notes become plain-text examples (data/notes.jsonl)")
  Path vault;

  @Option(names = "--out", required = true, description = "export folder")
  Path out;

  // ltm train's flags, same names, defaults and descriptions (TrainCommand).
  @Mixin LoraOptions loraOptions;

  @Mixin TrainingOptions training;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    TrainerExport.Format fmt;
    TrainingConfig cfg;
    LoraConfig lora;
    try {
      fmt = TrainerExport.Format.parse(format);
      // Built exactly as TrainCommand builds them, so the export says what `ltm train` records.
      cfg = training.config();
      lora = loraOptions.config(base);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    Path baseDir = Path.of(base);
    Path tok = tokenizer;
    if (tok == null) {
      if (Files.isDirectory(baseDir)) {
        BaseModelDir.require(baseDir);
        tok = baseDir;
      } else {
        tok = RandomCheckpointWriter.findDefaultTokenizerDir();
        if (tok == null) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--base " + base + " is not a folder here, so its "
              + "tokenizer is needed to measure the examples: pass --tokenizer DIR (a folder with tokenizer.json)");
        }
        err.printf("--base %s is a name, not a folder: measuring examples with the Qwen3 tokenizer in %s "
            + "(pass --tokenizer for another model family)%n", base, tok);
      }
    }
    List<Scene> sceneList;
    try {
      sceneList = SceneReader.readStrict(List.of(scenes));
    } catch (SceneValidationException e) {
      err.println(e.getMessage());
      return LtmCli.INPUT_ERROR;
    }
    if (sceneList.isEmpty()) {
      throw new IllegalArgumentException(scenes + ": no scenes to export (no *.yaml or *.yml scene files there)");
    }
    List<Note> notes = vault == null ? List.of() : Vault.read(vault).notes();
    Dataset ds;
    try (HfTokenizer t = HfTokenizer.load(tok)) {
      ds = DatasetBuilder.builder().setTokenizer(t).optMaxLength(training.maxLen()).optPack(true)
          .optTruncation(training.truncate() ? TruncationPolicy.TRUNCATE : TruncationPolicy.SKIP)
          .optValidationFraction(training.validation()).build().build(sceneList, notes);
    }
    err.println(ds.stats().format());
    if (ds.train().isEmpty()) {
      throw new IllegalArgumentException("no training examples from " + scenes + " (every scene longer than --max-len "
          + training.maxLen() + "?); raise --max-len or pass --truncate");
    }
    TrainerExport.Result r = TrainerExport.write(fmt, new TrainerExport.Settings(base, cfg, lora, training.maxLen(), training.truncate()), ds, out);
    o.printf("wrote %s: %d training and %d validation examples%s, %s%n", out.resolve("data"), r.trainExamples(),
        r.validationExamples(), r.noteExamples() > 0 ? " and " + r.noteExamples() + " notes" : "", r.config());
    for (String c : r.caveats()) {
      o.printf("note: %s%n", c);
    }
    if (fmt == TrainerExport.Format.AXOLOTL) {
      o.printf("next: cd %s && axolotl train %s%n", out, TrainerExport.AXOLOTL_FILE);
    } else {
      o.printf("next: cd %s && accelerate launch train_trl.py %s   (one GPU: python train_trl.py %s)%n", out,
          TrainerExport.TRL_FILE, TrainerExport.TRL_FILE);
    }
    o.printf("then: ltm loop --base <the base folder> --adapter %s ...   (the adapter is PEFT's layout)%n",
        out.resolve(TrainerExport.ADAPTER_OUT));
    o.flush();
    return LtmCli.OK;
  }
}
