package io.ltm.cli;

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
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.train.AdamWConfig;
import io.ltm.lora.train.LrSchedule;
import io.ltm.lora.train.TrainingConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
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
  static final class Length {
    @Option(names = "--steps", description = "optimizer steps") long steps;
    @Option(names = "--epochs", description = "passes over the training split") int epochs;
  }

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  Length length;

  @Option(names = "--r", defaultValue = "16", description = "LoRA rank (default: ${DEFAULT-VALUE})")
  int r;

  @Option(names = "--alpha", defaultValue = "32", description = "LoRA alpha (default: ${DEFAULT-VALUE})")
  double alpha;

  @Option(names = "--targets", defaultValue = "all-linear",
      description = "target modules: q_proj,v_proj,... or all-linear (default: ${DEFAULT-VALUE})")
  String targets;

  @Option(names = "--dropout", defaultValue = "0.05", description = "LoRA dropout (default: ${DEFAULT-VALUE})")
  double dropout;

  @Option(names = "--rslora", description = "scale by alpha/sqrt(r) (rank-stabilized LoRA)")
  boolean rslora;

  @Option(names = "--lr", defaultValue = "2e-4", description = "peak learning rate (default: ${DEFAULT-VALUE})")
  double lr;

  @Option(names = "--schedule", defaultValue = "cosine", description = "cosine, linear or constant (default: ${DEFAULT-VALUE})")
  String schedule;

  @Option(names = "--warmup", defaultValue = "0", description = "warmup steps (default: ${DEFAULT-VALUE})")
  long warmup;

  @Option(names = "--weight-decay", defaultValue = "0", description = "AdamW weight decay (default: ${DEFAULT-VALUE})")
  double weightDecay;

  @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "global gradient norm clip, 0 = off (default: ${DEFAULT-VALUE})")
  double maxGradNorm;

  @Option(names = "--batch", defaultValue = "1", description = "sequences per micro-batch (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--grad-accum", defaultValue = "1", description = "micro-batches per step (default: ${DEFAULT-VALUE})")
  int gradAccum;

  @Option(names = "--max-len", defaultValue = "2048", description = "tokens per packed sequence (default: ${DEFAULT-VALUE})")
  int maxLen;

  @Option(names = "--truncate", description = "cut examples longer than --max-len instead of skipping them")
  boolean truncate;

  @Option(names = "--validation", defaultValue = "0.1", description = "validation fraction of scenes (default: ${DEFAULT-VALUE})")
  double validation;

  @Option(names = "--eval-every", defaultValue = "50", description = "evaluate every N steps (default: ${DEFAULT-VALUE})")
  int evalEvery;

  @Option(names = "--save-every", defaultValue = "100", description = "checkpoint every N steps (default: ${DEFAULT-VALUE})")
  int saveEvery;

  @Option(names = "--patience", defaultValue = "0", description = "early stopping after N evaluations without improvement, 0 = off (default: ${DEFAULT-VALUE})")
  int patience;

  @Option(names = "--seed", defaultValue = "42", description = "seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--gradient-checkpointing", description = "recompute decoder layers in backward: activation memory of one layer, one extra forward")
  boolean gradientCheckpointing;

  @Option(names = "--verbose", description = "print stack traces")
  boolean verbose;

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
      cfg = TrainingConfig.builder()
          .optMaxSteps(length != null ? length.steps : 0)
          .optEpochs(length != null && length.epochs > 0 ? length.epochs : 1)
          .optBatchSize(batch).optGradAccum(gradAccum).optLearningRate(lr).optSchedule(LrSchedule.Kind.parse(schedule))
          .optWarmupSteps(warmup).optAdamW(new AdamWConfig(0.9, 0.999, 1e-8, weightDecay)).optMaxGradNorm(maxGradNorm)
          .optEvalEvery(evalEvery).optSaveEvery(saveEvery).optEarlyStoppingPatience(patience).optSeed(seed)
          .optGradientCheckpointing(gradientCheckpointing).build();
      lora = LoraConfig.builder().optR(r).optLoraAlpha(alpha).optLoraDropout(dropout).optUseRslora(rslora)
          .optTargetModules(TargetModules.parseCommaSeparated(targets)).optBaseModelNameOrPath(base).build();
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
      ds = DatasetBuilder.builder().setTokenizer(t).optMaxLength(maxLen).optPack(true)
          .optTruncation(truncate ? TruncationPolicy.TRUNCATE : TruncationPolicy.SKIP)
          .optValidationFraction(validation).build().build(sceneList, notes);
    }
    err.println(ds.stats().format());
    if (ds.train().isEmpty()) {
      throw new IllegalArgumentException("no training examples from " + scenes + " (every scene longer than --max-len "
          + maxLen + "?); raise --max-len or pass --truncate");
    }
    TrainerExport.Result r = TrainerExport.write(fmt, new TrainerExport.Settings(base, cfg, lora, maxLen, truncate), ds, out);
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
