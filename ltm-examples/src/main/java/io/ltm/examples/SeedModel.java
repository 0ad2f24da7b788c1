package io.ltm.examples;

import io.ltm.metrics.detect.BehaviourClassifier;
import io.ltm.metrics.detect.learned.Detectors;
import io.ltm.metrics.trace.ThoughtMetrics;
import java.time.Instant;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.core.loop.GenerationSettings;
import io.ltm.core.loop.LoopListener;
import io.ltm.core.loop.Probe;
import io.ltm.core.loop.ProbeResult;
import io.ltm.core.problem.Problem;
import io.ltm.core.scene.Scene;
import io.ltm.core.scene.SceneLoad;
import io.ltm.core.scene.SceneReader;
import io.ltm.core.scene.SceneValidationException;
import io.ltm.core.vault.Note;
import io.ltm.core.vault.Vault;
import io.ltm.dataset.Dataset;
import io.ltm.dataset.DatasetBuilder;
import io.ltm.dataset.ExampleInfo;
import io.ltm.dataset.control.Control;
import io.ltm.dataset.control.ControlData;
import io.ltm.dataset.export.JsonlExport;
import io.ltm.dataset.split.Split;
import io.ltm.dataset.token.HfTokenizer;
import io.ltm.dataset.token.TokenSequence;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.train.DecoderLanguageModel;
import io.ltm.lora.train.LoggingListener;
import io.ltm.lora.train.LoraTrainer;
import io.ltm.lora.train.RunDirectory;
import io.ltm.lora.train.TrainingConfig;
import io.ltm.lora.train.TrainingListener;
import io.ltm.lora.train.TrainingResult;
import io.ltm.metrics.experiment.ExperimentAnalysis;
import io.ltm.metrics.experiment.ExperimentResult;
import io.ltm.metrics.experiment.Preregistration;
import io.ltm.metrics.report.RunReport;
import io.ltm.metrics.trace.Metric;
import io.ltm.rag.index.FileStatus;
import io.ltm.rag.index.IndexReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The seed experiment, the whole ltm cycle in one run folder:
 *
 * <ol>
 *   <li><b>base</b>: the user's base model, or, without one, a tiny random Qwen3 written into {@code
 *       RUN/base-random} (a pipeline demo: every stage runs for real, but the model knows nothing);
 *   <li><b>validate</b> the scenes (every problem printed with file, line and column);
 *   <li><b>dataset</b>: scenes -> Qwen3 chat with {@code <think>} -> tokens, split by a hash of the scene
 *       id; exported to {@code RUN/dataset/} (chat JSONL, tokens, statistics);
 *   <li><b>control data</b> (unless {@code --control none}): the same scenes without their thinking
 *       ({@link ControlData}), its training split repeated to the adapter's number of loss tokens:
 *       {@code RUN/dataset/control.jsonl};
 *   <li><b>pre-register</b>: primary metrics, probes, sampling settings, control, training seeds and
 *       adapter labels into {@code RUN/seed.json}, before anything is trained (a re-run with another
 *       design is refused);
 *   <li><b>train</b> a LoRA adapter per training seed ({@code seed, seed+1, ...}), and a control adapter
 *       per seed with the same base, steps, rank, learning rate and seed: the first adapter in {@code
 *       RUN} ({@code RUN/metrics.jsonl}, {@code RUN/checkpoint-N/}, {@code RUN/adapter/}), the others
 *       in {@code RUN/seeds/seed-S/}, the controls in {@code RUN/control/seed-S/};
 *   <li><b>think</b>: the thinking loop (answer, then reflect and rewrite) on the held-out scenes'
 *       prompts with the base, every adapter and control (same probes, same sampling seed) and a
 *       mid-run checkpoint, optionally grounded by the vault: {@code RUN/traces/loop.jsonl};
 *   <li><b>report</b>: thought metrics and the experiment's verdict ({@link ExperimentAnalysis}: each
 *       metric's effect vs base and vs control with intervals over probes and training seeds, a paired
 *       test, Holm correction), next to the loss curves: {@code RUN/report.html} (plus PNG charts and a
 *       TensorBoard event file). The verdict is printed at the end too.
 * </ol>
 *
 * Re-running with the same run folder skips what is finished: the base and the dataset files when
 * present, training when {@code RUN/adapter} exists (an interrupted training resumes from its last
 * checkpoint), and the loop's probes already in the trace file. Read {@link #run()} top to bottom:
 * each stage is one short method over the library's public API.
 *
 * <p>With {@link SeedSettings#remote()} (an OpenAI-compatible server: {@code ltm seed --backend openai
 * --url URL --model NAME [--adapter-model NAME]...}) the base model and any adapters are the server's:
 * stage 1 only finds a tokenizer for the dataset (the {@code --base} folder when given, else the bundled
 * Qwen3 tokenizer), stage 3 writes the dataset as before (train it elsewhere: {@code ltm export}), stage
 * 4 trains nothing (an adapter trained elsewhere is served by name, e.g. vLLM {@code --lora-modules
 * NAME=DIR}, and named with {@code --adapter-model}), and stage 5 runs the loop on the served base and
 * adapters over the same held-out probes. Without {@code --adapter-model} it is a baseline of the base
 * alone.
 *
 * <p>Command line: {@code ltm seed --scenes DIR --out RUN [--base DIR] [--vault DIR] [--steps N] ...}
 * ({@code io.ltm.cli.SeedCommand}); this class's {@link #main} takes {@code SCENES RUN [BASE]}.
 * Not thread-safe; one experiment per run folder at a time.
 */
public final class SeedModel {
  /** The trace file inside the run folder. */
  public static final String TRACES = "traces/loop.jsonl";
  /** Where the random demo base goes inside the run folder. */
  public static final String RANDOM_BASE = "base-random";

  private final BehaviourClassifier detector;
  private static final int STAGES = 8;

  private final SeedSettings settings;
  private final PrintWriter log;
  private final TrainingListener trainingProgress;
  private final LoopListener loopProgress;

  /**
   * @param settings the experiment
   * @param log where stage headers and summaries go (a terminal, or a StringWriter in tests)
   * @param trainingProgress progress of training (e.g. a progress bar); null logs every 10 steps
   * @param loopProgress progress of the thinking loop; null for none
   */
  public SeedModel(SeedSettings settings, PrintWriter log, TrainingListener trainingProgress, LoopListener loopProgress) {
    this(settings, log, trainingProgress, loopProgress, Detectors.byDefault());
  }

  /**
   * The experiment, measuring thought metrics with {@code detector} (the CLI's {@code --detector}).
   */
  public SeedModel(SeedSettings settings, PrintWriter log, TrainingListener trainingProgress, LoopListener loopProgress,
      BehaviourClassifier detector) {
    this.detector = Objects.requireNonNull(detector, "detector");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.log = Objects.requireNonNull(log, "log");
    this.trainingProgress = trainingProgress != null ? trainingProgress : new LoggingListener(10);
    this.loopProgress = loopProgress;
  }

  /**
   * What the experiment produced.
   *
   * @param runDir the run folder
   * @param base the base model folder used (with a remote backend: the tokenizer folder)
   * @param randomBase true when the base is the random demo model
   * @param adapter the trained adapter folder, or null with a remote backend (nothing trained here)
   * @param traces the trace file
   * @param probes the held-out probes run
   * @param loops the loop results, variant by variant
   * @param report the report files and the experiment's verdict ({@link #experiment()})
   */
  public record Result(Path runDir, Path base, boolean randomBase, Path adapter, Path traces, List<Probe> probes,
      List<ProbeResult> loops, RunReport.Result report) {
    /** The experiment's analysis and verdict. */
    public ExperimentResult experiment() {
      return report.experiment();
    }
  }

  /** Runs every stage; see the class comment. */
  public Result run() throws IOException, SceneValidationException {
    Path out = settings.out();
    Files.createDirectories(out);
    RemoteBackend remote = settings.remote();
    boolean random = settings.base() == null && remote == null;
    Path base = stage(1, "base model", () -> remote != null ? remoteTokenizer(remote) : prepareBase());
    List<Scene> scenes = stage(2, "validate scenes", this::validate);
    Dataset dataset = stage(3, "dataset", () -> buildDataset(base, scenes));
    Dataset control = settings.control() == Control.NONE || remote != null ? null
        : stage(4, "control data (" + settings.control().cliName() + ")", () -> buildControl(base, scenes, dataset));
    List<Probe> probes = heldOutProbes(scenes, dataset);
    Preregistration prereg = stage(5, "pre-register", () -> preregister(base, random, probes));
    Path adapter = stage(6, "train LoRA adapters", () -> remote != null ? skipTraining(remote) : trainAll(base, dataset, control));
    List<ProbeResult> loops = stage(7, "thinking loop", () -> remote != null ? thinkRemote(remote, probes) : think(base, probes));
    RunReport.Result report = stage(8, "thought metrics, verdict and report", this::report);
    writeSummary(base, random, probes, prereg);
    if (random) {
      banner("This was a PIPELINE DEMO with a RANDOM model: every stage ran for real, but the model knows nothing,",
          "so its 'thoughts' are noise. For the real experiment, point --base at your model, e.g.",
          "  ltm seed --scenes " + settings.scenes() + " --out runs/seed --base ~/models/Qwen3-0.6B --seeds 3");
    }
    printVerdict(report.experiment());
    log.printf("open %s%n", report.html());
    log.flush();
    return new Result(out, base, random, adapter, out.resolve(TRACES), probes, loops, report);
  }

  /** The adapter label of training seed {@code s}. */
  public static String adapterLabel(long s) {
    return "adapter-s" + s;
  }

  /** The control's adapter label of training seed {@code s}. */
  public static String controlLabel(long s) {
    return "control-s" + s;
  }

  /** The training seeds: {@code seed, seed + 1, ...}, shared by adapter and control. */
  List<Long> trainingSeeds() {
    List<Long> seeds = new ArrayList<>();
    for (int i = 0; i < settings.seeds(); i++) {
      seeds.add(settings.seed() + i);
    }
    return seeds;
  }

  /** The run folder of the adapter trained with the {@code i}-th seed. */
  Path adapterRun(int i) {
    return i == 0 ? settings.out() : settings.out().resolve("seeds").resolve("seed-" + trainingSeeds().get(i));
  }

  /** The run folder of the control trained with the {@code i}-th seed. */
  Path controlRun(int i) {
    return settings.out().resolve("control").resolve("seed-" + trainingSeeds().get(i));
  }

  private GenerationSettings sampling() {
    return new GenerationSettings(settings.maxNewTokens(), 0.0, 1.0, 0, 1.0, settings.seed(), settings.think());
  }

  /** Stage 1: the user's base model, or a tiny random Qwen3 checkpoint written once into the run folder. */
  Path prepareBase() throws IOException {
    if (settings.base() != null) {
      if (!Files.isRegularFile(settings.base().resolve("config.json"))) {
        throw new IllegalArgumentException(settings.base() + ": no config.json; --base must be a Hugging Face model folder "
            + "(config.json, model.safetensors, tokenizer.json), e.g. a download of Qwen/Qwen3-0.6B");
      }
      log.printf("using %s%n", settings.base());
      return settings.base();
    }
    banner("No --base given: this run is a PIPELINE DEMO with a tiny RANDOM Qwen3 model (2 layers, hidden 64).",
        "Every stage is real (dataset, LoRA training, thinking loop, metrics, report), the model is not.",
        "For the real experiment pass --base ~/models/Qwen3-0.6B (a Hugging Face model folder).");
    Path dir = settings.out().resolve(RANDOM_BASE);
    if (Files.isRegularFile(dir.resolve("model.safetensors")) && Files.isRegularFile(dir.resolve("tokenizer.json"))) {
      log.printf("%s: present, reused%n", dir);
      return dir;
    }
    RandomCheckpointWriter.Builder w = RandomCheckpointWriter.builder(CheckpointPreset.TINY_QWEN3).seed(settings.seed());
    Path tokenizer = settings.tokenizer() != null ? settings.tokenizer() : RandomCheckpointWriter.findDefaultTokenizerDir();
    if (tokenizer == null) {
      throw new IllegalArgumentException("the random demo model needs the Qwen3 tokenizer (" + RandomCheckpointWriter.DEFAULT_TOKENIZER_DIR
          + " in the ltm repository); run from the repository, or pass --base with your own model");
    }
    w.tokenizerDir(tokenizer).build().write(dir);
    log.printf("wrote %s (%,d parameters, seed %d)%n", dir, CheckpointPreset.TINY_QWEN3.config().parameterCount(), settings.seed());
    return dir;
  }

  /**
   * Stage 1 with a remote backend: no weights here, only the tokenizer that measures the dataset's
   * examples (the {@code --base} folder when given, else the bundled Qwen3 tokenizer).
   */
  Path remoteTokenizer(RemoteBackend remote) {
    log.printf("model %s%s at %s (no local weights)%n", remote.model(),
        remote.adapterModels().isEmpty() ? "" : " with adapters " + remote.adapterModels(), remote.url());
    Path tok = settings.base() != null ? settings.base()
        : settings.tokenizer() != null ? settings.tokenizer() : RandomCheckpointWriter.findDefaultTokenizerDir();
    if (tok == null || !Files.isRegularFile(tok.resolve("tokenizer.json"))) {
      throw new IllegalArgumentException("the dataset stage needs the model's tokenizer: pass --base with a folder holding "
          + "tokenizer.json (the served model's own files), or run from the ltm repository (bundled Qwen3 tokenizer)");
    }
    log.printf("tokenizer for the dataset: %s%n", tok);
    return tok;
  }

  /** Stage 4 with a remote backend: training happens elsewhere; the served adapters are compared. */
  Path skipTraining(RemoteBackend remote) {
    if (remote.adapterModels().isEmpty()) {
      log.println("no training here (--backend openai) and no --adapter-model: the loop runs the served base alone, a baseline.");
    } else {
      log.printf("no training here (--backend openai): comparing the served adapter%s %s with the base%n",
          remote.adapterModels().size() == 1 ? "" : "s", remote.adapterModels());
    }
    log.printf("to train one elsewhere: ltm export --format axolotl|trl --scenes %s --base <hub name> --out export/, "
        + "then serve it (vLLM: --enable-lora --lora-modules NAME=export/adapter-out) and pass --adapter-model NAME%n",
        settings.scenes());
    return null;
  }

  /** Stage 5 with a remote backend: the served base and adapters over the same probes, one trace file. */
  List<ProbeResult> thinkRemote(RemoteBackend remote, List<Probe> probes) throws IOException {
    GenerationSettings gen = new GenerationSettings(settings.maxNewTokens(), 0.0, 1.0, 0, 1.0, settings.seed(), settings.think());
    String runId = settings.out().toAbsolutePath().normalize().getFileName().toString();
    Path traces = settings.out().resolve(TRACES);
    if (settings.vault() == null) {
      return new RemoteComparison(remote, true, b -> b.runId(runId).iterations(settings.iterations()).settings(gen)
          .listener(loopProgress)).run(probes, traces);
    }
    Path index = settings.out().resolve("index");
    IndexReport r = VaultContext.index(settings.vault(), index);
    log.printf("indexed %s into %s: %s%n", settings.vault(), index, r.counts().get(FileStatus.Status.INDEXED) + " notes indexed");
    try (VaultContext context = VaultContext.open(index, settings.contextBudget())) {
      return new RemoteComparison(remote, true, b -> b.runId(runId).iterations(settings.iterations()).settings(gen)
          .listener(loopProgress).contextProvider(context.provider())).run(probes, traces);
    }
  }

  /** Stage 2: every scene checked; problems printed; the first error stops the run. */
  List<Scene> validate() throws SceneValidationException {
    SceneLoad load = SceneReader.readLenient(List.of(settings.scenes()));
    for (Problem p : load.problems()) {
      log.println(p.format());
    }
    if (load.hasErrors()) {
      log.printf("%d error(s); fix them (ltm validate %s) and run again%n", load.errors().size(), settings.scenes());
      throw new SceneValidationException(load.errors().get(0));
    }
    if (load.scenes().isEmpty()) {
      throw new IllegalArgumentException("no scenes under " + settings.scenes() + "; write scene YAML files there (see examples/scenes)");
    }
    log.printf("%d scenes valid (%d warnings)%n", load.scenes().size(), load.warnings().size());
    return load.sceneList();
  }

  /** Stage 3: scenes -> packed token sequences with loss masks; the export is written once. */
  Dataset buildDataset(Path base, List<Scene> scenes) throws IOException {
    Dataset ds;
    try (HfTokenizer tok = HfTokenizer.load(base)) {
      ds = datasetBuilder(tok).build().build(scenes);
    }
    log.print(ds.stats().format());
    Path file = settings.out().resolve("dataset/scenes.jsonl");
    if (Files.isRegularFile(file)) {
      log.printf("%s: present, kept%n", file);
    } else {
      Files.createDirectories(file.getParent());
      JsonlExport.writeTokens(JsonlExport.besides(file, "tokens"), ds);
      JsonlExport.writeStats(JsonlExport.besides(file, "stats.json"), ds);
      JsonlExport.writeMessages(file, ds); // last: its presence marks the stage done
      log.printf("wrote %s (+ tokens, stats)%n", file);
    }
    if (ds.train().isEmpty()) {
      throw new IllegalArgumentException("no training sequences (every scene longer than --max-len " + settings.maxLen()
          + "?); raise --max-len");
    }
    return ds;
  }

  private DatasetBuilder.Builder datasetBuilder(HfTokenizer tok) {
    return DatasetBuilder.builder().setTokenizer(tok).optMaxLength(settings.maxLen()).optPack(true)
        .optValidationFraction(settings.validationFraction());
  }

  /**
   * Stage 4: the control's dataset: the same scenes through {@link ControlData} (same ids, so the same
   * split), its training split repeated until it holds as many loss tokens as the adapter's.
   */
  Dataset buildControl(Path base, List<Scene> scenes, Dataset dataset) throws IOException {
    long budget = dataset.train().stream().mapToLong(TokenSequence::labelCount).sum();
    String neutral = null;
    if (settings.control() == Control.VAULT_TEXT) {
      StringBuilder sb = new StringBuilder();
      for (Note n : Vault.read(settings.vault()).notes()) {
        sb.append(n.body()).append('\n');
      }
      neutral = sb.toString();
    }
    Dataset ds;
    try (HfTokenizer tok = HfTokenizer.load(base)) {
      ds = datasetBuilder(tok).optExampleTransform(new ControlData(settings.control(), settings.seed(), neutral))
          .optTrainLabelBudget(budget).build().build(scenes);
    }
    long got = ds.train().stream().mapToLong(TokenSequence::labelCount).sum();
    log.printf("control '%s': %d training sequences, %,d loss tokens (adapter: %d sequences, %,d loss tokens)%n",
        settings.control().cliName(), ds.train().size(), got, dataset.train().size(), budget);
    Path file = settings.out().resolve("dataset/control.jsonl");
    if (!Files.isRegularFile(file)) {
      Files.createDirectories(file.getParent());
      JsonlExport.writeMessages(file, ds);
      log.printf("wrote %s%n", file);
    }
    return ds;
  }

  /**
   * Stage 5: the pre-registration, written into {@code RUN/seed.json} before training. A run folder
   * that already pre-registered another design is refused.
   */
  Preregistration preregister(Path base, boolean random, List<Probe> probes) throws IOException {
    List<Long> seeds = trainingSeeds();
    Preregistration p = new Preregistration(settings.primary(), probes.stream().map(Probe::id).toList(), sampling(),
        settings.iterations(), settings.control().cliName(), seeds, seeds.stream().map(SeedModel::adapterLabel).toList(),
        settings.control() == Control.NONE ? List.of() : seeds.stream().map(SeedModel::controlLabel).toList(),
        Preregistration.DEFAULT_ALPHA, Instant.now().toString());
    Preregistration before = RunReport.readPreregistration(settings.out());
    if (before != null) {
      if (!before.sameDesign(p)) {
        throw new IllegalArgumentException(settings.out().resolve("seed.json") + " pre-registered another design ("
            + before.toJson() + "); a pre-registration is not changed after the fact: use a new --out");
      }
      log.printf("pre-registration of %s kept%n", before.registeredAt());
      return before;
    }
    writeSeedJson(base, random, probes, p);
    log.printf("primary metrics %s; control %s; training seeds %s; probes %s -> %s%n",
        p.primary().stream().map(Metric::key).toList(), p.control(), seeds, p.probes(), settings.out().resolve("seed.json"));
    return p;
  }

  /** Stage 6: every adapter and control, one per training seed; returns the first adapter. */
  Path trainAll(Path base, Dataset dataset, Dataset control) throws IOException {
    List<Long> seeds = trainingSeeds();
    Path first = null;
    for (int i = 0; i < seeds.size(); i++) {
      log.printf("-- adapter, training seed %d -> %s%n", seeds.get(i), adapterRun(i));
      Path a = train(base, dataset, adapterRun(i), seeds.get(i));
      first = first == null ? a : first;
      if (control != null) {
        log.printf("-- control (%s), training seed %d -> %s%n", settings.control().cliName(), seeds.get(i), controlRun(i));
        train(base, control, controlRun(i), seeds.get(i));
      }
    }
    return first;
  }

  /** LoRA training into {@code runDir}, resumed from its last checkpoint after an interruption. */
  Path train(Path base, Dataset dataset, Path runDir, long seed) throws IOException {
    RunDirectory run = new RunDirectory(runDir);
    if (Files.isRegularFile(run.adapterDir().resolve("adapter_config.json"))) {
      log.printf("%s: present, training skipped (delete it to train again)%n", run.adapterDir());
      return run.adapterDir();
    }
    long steps = settings.steps();
    TrainingConfig cfg = TrainingConfig.builder().optMaxSteps(steps).optBatchSize(1).optLearningRate(settings.lr())
        .optEvalEvery((int) Math.max(1, steps / 5)).optSaveEvery((int) Math.max(1, steps / 4)).optKeepCheckpoints(8)
        .optSeed(seed).build();
    LoraConfig lora = LoraConfig.builder().optR(settings.r()).optLoraAlpha(settings.alpha())
        .optLoraDropout(settings.dropout()).optUseRslora(settings.rslora())
        .optTargetModules(TargetModules.parseCommaSeparated(settings.targets()))
        .optBaseModelNameOrPath(base.toAbsolutePath().normalize().toString()).build();
    ObjectNode info = JsonNodeFactory.instance.objectNode();
    info.put("base", base.toAbsolutePath().normalize().toString());
    info.put("scenes", settings.scenes().toAbsolutePath().normalize().toString());
    info.put("max_len", settings.maxLen());
    info.put("validation_fraction", settings.validationFraction());
    info.put("training_seed", seed);
    try (Decoder decoder = DecoderLoader.load(base, LoadOptions.on(LoadOptions.parseDevice(settings.device())));
        LoraModel model = new LoraModel(decoder)) {
      model.create("seed", lora, seed);
      log.println(model.trainableParameters("seed").format());
      log.flush();
      TrainingResult result = LoraTrainer.builder().setConfig(cfg).setModel(new DecoderLanguageModel(model))
          .setAdapter(model.adapters().get("seed"), model.selection()).setTrain(dataset.train())
          .optValidation(dataset.validation()).setPadId(dataset.padId()).setRunDirectory(run).optResume(true)
          .optRunInfo(info).addListener(trainingProgress).build().train();
      log.printf(Locale.ROOT, "trained %d steps: loss %.4f, eval loss %s%n", result.steps(), result.finalLoss(),
          Double.isNaN(result.finalEvalLoss()) ? "n/a" : String.format(Locale.ROOT, "%.4f", result.finalEvalLoss()));
      return result.adapterDir();
    }
  }

  /**
   * The probes: the prompts of the scenes the dataset held out for validation (the adapter never
   * trained on them), at most {@code probes}; when the split holds none, the first scenes, with a
   * warning that they were seen in training.
   */
  List<Probe> heldOutProbes(List<Scene> scenes, Dataset dataset) {
    Map<String, Split> split = new HashMap<>();
    for (ExampleInfo e : dataset.examples()) {
      split.put(e.id(), e.split());
    }
    List<Probe> held = new ArrayList<>();
    for (Scene s : scenes) {
      if (split.get(s.id()) == Split.VALIDATION && held.size() < settings.probes()) {
        held.add(Probe.fromScene(s));
      }
    }
    if (held.isEmpty()) {
      log.println("warning: no scene is held out for validation; probing with training scenes (the adapter has seen them)");
      for (Scene s : scenes.subList(0, Math.min(settings.probes(), scenes.size()))) {
        held.add(Probe.fromScene(s));
      }
    }
    log.printf("probes (held-out scenes): %s%n", held.stream().map(Probe::id).toList());
    return held;
  }

  /**
   * Stage 7: the base, every adapter and control, and (optionally) the first adapter's mid-run
   * checkpoint over the same probes with the same sampling settings and seed, one trace file.
   */
  List<ProbeResult> think(Path base, List<Probe> probes) throws IOException {
    ModelComparison.Builder cmp = ModelComparison.builder().base(base) // generation: a bf16 base stays bf16 on the CPU
        .load(LoadOptions.forGeneration(LoadOptions.parseDevice(settings.device())));
    List<Long> seeds = trainingSeeds();
    for (int i = 0; i < seeds.size(); i++) {
      cmp.adapter(new AdapterSpec(new RunDirectory(adapterRun(i)).adapterDir(), adapterLabel(seeds.get(i)), null));
      if (settings.control() != Control.NONE) {
        cmp.adapter(new AdapterSpec(new RunDirectory(controlRun(i)).adapterDir(), controlLabel(seeds.get(i)), null));
      }
    }
    if (settings.probeCheckpoint()) {
      RunDirectory run = new RunDirectory(adapterRun(0));
      List<Long> steps = run.checkpointSteps();
      long last = steps.isEmpty() ? -1 : steps.get(steps.size() - 1);
      steps.stream().filter(s -> s < last).reduce((a, b) -> Math.abs(a - last / 2.0) <= Math.abs(b - last / 2.0) ? a : b)
          .ifPresent(mid -> cmp.adapter(new AdapterSpec(AdapterSpec.of(run.checkpointDir(mid)).dir(), adapterLabel(seeds.get(0)),
              (int) (long) mid)));
    }
    GenerationSettings gen = sampling();
    String runId = settings.out().toAbsolutePath().normalize().getFileName().toString();
    Path traces = settings.out().resolve(TRACES);
    if (settings.vault() == null) {
      return cmp.loop(b -> b.runId(runId).iterations(settings.iterations()).settings(gen).listener(loopProgress))
          .build().run(probes, traces);
    }
    Path index = settings.out().resolve("index");
    IndexReport r = VaultContext.index(settings.vault(), index);
    log.printf("indexed %s into %s: %s%n", settings.vault(), index, r.counts().get(FileStatus.Status.INDEXED) + " notes indexed");
    try (VaultContext context = VaultContext.open(index, settings.contextBudget(), base)) {
      return cmp.loop(b -> b.runId(runId).iterations(settings.iterations()).settings(gen).listener(loopProgress)
          .contextProvider(context.provider())).build().run(probes, traces);
    }
  }

  /** Stage 8: metrics over the traces and the training log, the experiment's verdict, and the report. */
  RunReport.Result report() throws IOException {
    RunReport.Result r = RunReport.build(settings.out(), ThoughtMetrics.builder().detectors(detector).build(), Instant.now());
    for (Problem w : r.warnings()) {
      log.println(w.format());
    }
    log.printf("wrote %s (%d charts) and %s%n", r.html(), r.charts().size(), r.events().getFileName());
    return r;
  }

  private void writeSummary(Path base, boolean random, List<Probe> probes, Preregistration prereg) throws IOException {
    writeSeedJson(base, random, probes, prereg);
  }

  /** {@code RUN/seed.json}: the settings, what was used, and the pre-registration (written atomically). */
  private void writeSeedJson(Path base, boolean random, List<Probe> probes, Preregistration prereg) throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode o = settings.toJson();
    o.put(settings.remote() != null ? "tokenizer_used" : "base_used", base.toAbsolutePath().normalize().toString());
    o.put("random_base", random);
    o.put("detector", detector.name());
    o.putPOJO("probes", probes.stream().map(Probe::id).toList());
    o.set("preregistration", prereg.toJson());
    Path file = settings.out().resolve("seed.json");
    Path tmp = settings.out().resolve(".seed.json.tmp");
    Files.writeString(tmp, json.writeValueAsString(o) + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private void printVerdict(ExperimentResult e) {
    if (e == null) {
      return;
    }
    String bar = "=".repeat(100);
    log.println(bar);
    log.println("VERDICT (" + e.verdict().kind() + "): " + e.verdict().headline());
    for (String d : e.verdict().details()) {
      log.println("  " + d);
    }
    log.println(bar);
  }

  @FunctionalInterface
  private interface Stage<T> {
    T run() throws IOException, SceneValidationException;
  }

  private <T> T stage(int n, String name, Stage<T> body) throws IOException, SceneValidationException {
    log.printf("%n== %d/%d %s%n", n, STAGES, name);
    log.flush();
    long t0 = System.nanoTime();
    T value = body.run();
    log.printf(Locale.ROOT, "   (%s: %.1f s)%n", name, (System.nanoTime() - t0) / 1e9);
    log.flush();
    return value;
  }

  private void banner(String... lines) {
    String bar = "!".repeat(100);
    log.println(bar);
    for (String l : lines) {
      log.println("!! " + l);
    }
    log.println(bar);
    log.flush();
  }

  /**
   * Runs the seed experiment: {@code SeedModel SCENES RUN [BASE]}. Without BASE it is the pipeline
   * demo on a random model. All options: {@code ltm seed --help}.
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 2 || args.length > 3) {
      System.err.println("usage: SeedModel SCENES RUN [BASE]   (all options: ltm seed --help)");
      System.exit(2);
    }
    SeedSettings.Builder b = SeedSettings.builder().scenes(Path.of(args[0])).out(Path.of(args[1]));
    if (args.length == 3) {
      b.base(Path.of(args[2]));
    }
    PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
    new SeedModel(b.build(), err, null, null).run();
  }
}
