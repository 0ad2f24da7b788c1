package io.ltm.lora.train;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.dataset.token.TokenSequence;
import io.ltm.lora.io.PeftAdapterConfig;
import io.ltm.lora.io.PeftAdapterIo;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraAdapter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one LoRA adapter on packed token sequences: per optimizer step, {@code gradAccum} micro-batches
 * of {@code batchSize} sequences, loss = summed NLL over all the step's predicted tokens divided by their
 * count (the same as one large batch), global-norm clipping, AdamW with warmup + decay, evaluation every N
 * steps, optional early stopping, checkpoints, and exact resumption.
 *
 * <p>Determinism: the data order of epoch {@code e} is a {@code java.util.Random(seed + e)} shuffle, the
 * torch seed is reset to {@code seed * 1000003 + step} before each step (dropout), so a run resumed from a
 * checkpoint makes the same steps as one that never stopped (bit for bit on the CPU).
 *
 * <p>Failure: a NaN/Inf loss or gradient stops the run with a {@link TrainingException} naming the step
 * (and parameter), before the optimizer touches the weights; the last checkpoint stays intact. Memory
 * exhaustion is reported with the settings to lower. Not thread-safe; {@link #train()} runs once.
 */
public final class LoraTrainer implements TrainingContext {

  private static final Logger LOG = LoggerFactory.getLogger(LoraTrainer.class);

  private final TrainingConfig config;
  private final CausalLanguageModel model;
  private final LoraAdapter adapter;
  private final AdapterSelection selection;
  private final List<TokenSequence> train;
  private final List<TokenSequence> validation;
  private final int padId;
  private final RunDirectory run;
  private final List<TrainingListener> listeners;
  private final boolean resume;
  private final ObjectNode runInfo;
  private final Map<String, NDArray> params;
  private final long totalSteps;
  private final int microPerEpoch;
  private final LrSchedule schedule;
  private final AdamW optimizer;
  private final Map<Integer, int[]> epochOrders = new HashMap<>();
  private TrainerState state = TrainerState.initial();

  private LoraTrainer(Builder b) {
    this.config = b.config;
    this.model = b.model;
    this.adapter = b.adapter;
    this.selection = b.selection;
    this.train = List.copyOf(b.train);
    this.validation = List.copyOf(b.validation);
    this.padId = b.padId;
    this.run = b.run;
    this.listeners = List.copyOf(b.listeners);
    this.resume = b.resume;
    this.runInfo = b.runInfo;
    this.params = adapter.parameters();
    this.microPerEpoch = (train.size() + config.batchSize() - 1) / config.batchSize();
    this.totalSteps = config.maxSteps() > 0 ? config.maxSteps()
        : Math.max(1, ((long) config.epochs() * microPerEpoch + config.gradAccum() - 1) / config.gradAccum());
    this.schedule = new LrSchedule(config.schedule(), config.learningRate(), config.warmupSteps(), totalSteps);
    this.optimizer = new AdamW(config.adamw(), params, adapter.manager());
  }

  /** @return a new builder */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs (or resumes) training to the last step or early stop, then saves the final adapter in
   * {@code RUN/adapter}.
   *
   * @return the summary
   * @throws TrainingException on NaN/Inf, memory exhaustion or a run directory that cannot be resumed
   * @throws IOException when the run directory cannot be written
   */
  public TrainingResult train() throws IOException {
    prepareRunDirectory();
    adapter.setTrainable(true);
    for (TrainingListener l : listeners) {
      l.onTrainingBegin(this);
    }
    boolean stoppedEarly = false;
    try (AdapterSelection.Scope active = selection.use(adapter.name())) {
      while (state.step() < totalSteps && !stoppedEarly) {
        StepMetrics m = step();
        for (TrainingListener l : listeners) {
          l.onStep(this, m);
        }
        long s = state.step();
        boolean evalDue = !validation.isEmpty()
            && ((config.evalEvery() > 0 && s % config.evalEvery() == 0) || s == totalSteps);
        if (evalDue) {
          EvalMetrics em = evaluate();
          stoppedEarly = recordEvaluation(em);
          for (TrainingListener l : listeners) {
            l.onEvaluation(this, em);
          }
        }
        for (TrainingListener l : listeners) {
          l.onStepEnd(this);
        }
      }
    } finally {
      selection.setTraining(false);
      Gradients.zero(params.values());
    }
    PeftAdapterIo.save(adapter, run.adapterDir(), TensorDType.F32);
    TrainingResult result = new TrainingResult(state.step(), state.lastLoss(), state.lastEvalLoss(),
        state.bestEvalLoss(), stoppedEarly, run.adapterDir());
    for (TrainingListener l : listeners) {
      l.onTrainingEnd(this, result);
    }
    return result;
  }

  private void prepareRunDirectory() throws IOException {
    ObjectNode resolved = RunDirectory.JSON.createObjectNode();
    resolved.set("training", RunDirectory.JSON.valueToTree(config));
    resolved.set("lora", PeftAdapterConfig.toJson(adapter.config()));
    ObjectNode data = resolved.putObject("data");
    data.put("train_sequences", train.size());
    data.put("validation_sequences", validation.size());
    data.put("pad_id", padId);
    resolved.put("total_steps", totalSteps);
    if (runInfo != null) {
      resolved.set("run", runInfo);
    }
    List<Long> checkpoints = run.checkpointSteps();
    if (resume && !checkpoints.isEmpty()) {
      JsonNode saved = run.readConfig().orElseThrow(() -> new TrainingException(run.configFile()
          + " is missing; cannot resume a run without its config"));
      for (String key : List.of("training", "lora", "data", "total_steps")) {
        // Compared as canonical JSON text: a number read back may be another node type (int vs long).
        if (!Objects.equals(String.valueOf(saved.get(key)), String.valueOf(resolved.get(key)))) {
          throw new TrainingException("cannot resume " + run.root() + ": its " + key + " settings differ: "
              + settingsDiff(saved.get(key), resolved.get(key))
              + "; resume with the same settings, or train into a new --out folder");
        }
      }
      long step = checkpoints.get(checkpoints.size() - 1);
      state = CheckpointStore.load(run.checkpointDir(step), adapter, optimizer);
      run.truncateMetricsAfter(step);
      LOG.info("resuming {} from checkpoint-{}", run.root(), step);
      return;
    }
    if (!resume && (!checkpoints.isEmpty() || java.nio.file.Files.exists(run.metricsFile()))) {
      throw new TrainingException(run.root() + " already holds a training run; pass --resume to continue it, "
          + "or choose another --out folder");
    }
    if (resume) {
      LOG.info("no checkpoint in {}; starting from step 0", run.root());
      java.nio.file.Files.deleteIfExists(run.metricsFile());
    }
    run.writeConfig(resolved);
  }

  private StepMetrics step() {
    long stepNumber = state.step() + 1;
    long t0 = System.nanoTime();
    Engine.getInstance().setRandomSeed((int) (config.seed() * 1000003L + stepNumber));
    Gradients.zero(params.values());
    List<TrainingBatch> micro = new ArrayList<>();
    long mb = state.microBatches();
    for (int k = 0; k < config.gradAccum(); k++) {
      micro.add(microBatch(mb + k));
    }
    long predicted = 0;
    long real = 0;
    for (TrainingBatch b : micro) {
      predicted += b.predictedTokens();
      real += b.realTokens();
    }
    if (predicted == 0) {
      throw new TrainingException("step " + stepNumber + ": its batches hold no label tokens; check the dataset's "
          + "loss masks");
    }
    selection.setTraining(true);
    double lossSum = 0;
    try {
      for (int k = 0; k < micro.size(); k++) {
        try (NDManager scope = adapter.manager().newSubManager()) {
          double part = model.forwardBackward(scope, micro.get(k), (float) predicted);
          if (!Double.isFinite(part)) {
            throw new TrainingException(String.format(java.util.Locale.ROOT,
                "step %d: the loss is %s (micro-batch %d of %d); stopped before updating the weights. %s",
                stepNumber, part, k + 1, micro.size(), lastGood()));
          }
          lossSum += part;
        }
      }
    } catch (EngineException | OutOfMemoryError e) {
      throw memoryOrRethrow(e, stepNumber);
    } finally {
      selection.setTraining(false);
    }
    Gradients.Norms norms = Gradients.clipGlobalNorm(params, config.maxGradNorm());
    if (norms.firstNonFinite() != null) {
      throw new TrainingException("step " + stepNumber + ": the gradient of " + norms.firstNonFinite()
          + " is not finite (NaN or Inf); stopped before updating the weights. " + lastGood());
    }
    double lr = schedule.lrAt(state.step());
    optimizer.step(lr);
    double loss = lossSum / predicted;
    double seconds = (System.nanoTime() - t0) / 1e9;
    long newMb = mb + config.gradAccum();
    state = new TrainerState(stepNumber, newMb, (int) (newMb / Math.max(1, microPerEpoch)), loss, lr,
        state.bestEvalLoss(), state.evalsWithoutImprovement(), state.lastEvalLoss(), state.elapsedS() + seconds,
        state.tokensSeen() + real);
    return new StepMetrics(stepNumber, totalSteps, loss, lr, norms.totalNorm(), real, real / seconds,
        state.elapsedS(), (int) (mb / Math.max(1, microPerEpoch)));
  }

  private String lastGood() {
    try {
      List<Long> cps = run.checkpointSteps();
      return cps.isEmpty() ? "No checkpoint was saved yet." : "The last good checkpoint is "
          + run.checkpointDir(cps.get(cps.size() - 1)) + "; lower --lr or check the data, then --resume.";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private RuntimeException memoryOrRethrow(Throwable e, long step) {
    String msg = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
    if (e instanceof OutOfMemoryError || msg.contains("out of memory") || msg.contains("can't allocate")
        || msg.contains("failed to allocate") || msg.contains("alloc_cpu") || msg.contains("cudaerrormemoryallocation")) {
      return new TrainingException("step " + step + ": out of memory (" + e.getMessage() + "). Lower --batch (now "
          + config.batchSize() + ") and raise --grad-accum to keep the effective batch, lower --max-len, lower --r, "
          + "or turn on gradient checkpointing.", e);
    }
    return e instanceof RuntimeException re ? re : new TrainingException(e.toString(), e);
  }

  private TrainingBatch microBatch(long globalIndex) {
    int epoch = (int) (globalIndex / microPerEpoch);
    int j = (int) (globalIndex % microPerEpoch);
    int[] order = epochOrders.computeIfAbsent(epoch, e -> {
      List<Integer> idx = new ArrayList<>();
      for (int i = 0; i < train.size(); i++) {
        idx.add(i);
      }
      Collections.shuffle(idx, new Random(config.seed() + e));
      return idx.stream().mapToInt(Integer::intValue).toArray();
    });
    epochOrders.keySet().removeIf(e -> e < epoch - 1);
    List<TokenSequence> seqs = new ArrayList<>();
    for (int i = j * config.batchSize(); i < Math.min(train.size(), (j + 1) * config.batchSize()); i++) {
      seqs.add(train.get(order[i]));
    }
    return TrainingBatch.of(seqs, padId);
  }

  /**
   * The mean loss over the validation split (no dropout, no gradients).
   *
   * @return the evaluation at the current step
   */
  public EvalMetrics evaluate() {
    double sum = 0;
    long tokens = 0;
    selection.setTraining(false);
    try (AdapterSelection.Scope active = selection.use(adapter.name())) {
    for (int i = 0; i < validation.size(); i += config.batchSize()) {
      TrainingBatch b = TrainingBatch.of(validation.subList(i, Math.min(validation.size(), i + config.batchSize())), padId);
      try (NDManager scope = adapter.manager().newSubManager()) {
        NDArray logits = model.logits(scope, b);
        CausalLmLoss.Sum s = CausalLmLoss.sum(logits, CausalLanguageModel.labels(scope, b),
            CausalLanguageModel.segments(scope, b));
        sum += s.sum().getFloat();
        tokens += s.tokens();
      }
    }
    }
    double loss = tokens == 0 ? Double.NaN : sum / tokens;
    return new EvalMetrics(state.step(), loss, Math.exp(loss), tokens);
  }

  private boolean recordEvaluation(EvalMetrics em) {
    double best = state.bestEvalLoss();
    int without = state.evalsWithoutImprovement();
    if (Double.isNaN(best) || em.evalLoss() < best) {
      best = em.evalLoss();
      without = 0;
    } else {
      without++;
    }
    state = new TrainerState(state.step(), state.microBatches(), state.epoch(), state.lastLoss(), state.lastLr(), best,
        without, em.evalLoss(), state.elapsedS(), state.tokensSeen());
    boolean stop = config.earlyStoppingPatience() > 0 && without >= config.earlyStoppingPatience();
    if (stop) {
      LOG.info("early stopping at step {}: {} evaluations without improvement (best eval_loss {})", state.step(),
          without, best);
    }
    return stop;
  }

  @Override
  public RunDirectory run() {
    return run;
  }

  @Override
  public TrainingConfig config() {
    return config;
  }

  @Override
  public LoraAdapter adapter() {
    return adapter;
  }

  @Override
  public AdamW optimizer() {
    return optimizer;
  }

  @Override
  public TrainerState state() {
    return state;
  }

  @Override
  public LrSchedule schedule() {
    return schedule;
  }

  @Override
  public long totalSteps() {
    return totalSteps;
  }

  @Override
  public int trainSequences() {
    return train.size();
  }

  /** Builds a {@link LoraTrainer}; required: config, model, adapter, selection, train, padId, run. */
  public static final class Builder {
    private TrainingConfig config;
    private CausalLanguageModel model;
    private LoraAdapter adapter;
    private AdapterSelection selection;
    private List<TokenSequence> train;
    private List<TokenSequence> validation = List.of();
    private int padId = -1;
    private RunDirectory run;
    private final List<TrainingListener> listeners = new ArrayList<>();
    private boolean resume;
    private ObjectNode runInfo;
    private boolean defaults = true;

    private Builder() {}

    /** @param c the settings @return this */
    public Builder setConfig(TrainingConfig c) {
      this.config = c;
      return this;
    }

    /** @param m the model with the adapter attached @return this */
    public Builder setModel(CausalLanguageModel m) {
      this.model = m;
      return this;
    }

    /** @param a the adapter to train (attached to the model under its name) @param s the model's selection @return this */
    public Builder setAdapter(LoraAdapter a, AdapterSelection s) {
      this.adapter = a;
      this.selection = s;
      return this;
    }

    /** @param seqs training sequences (at least one) @return this */
    public Builder setTrain(List<TokenSequence> seqs) {
      this.train = seqs;
      return this;
    }

    /** @param seqs validation sequences (default none: no evaluation) @return this */
    public Builder optValidation(List<TokenSequence> seqs) {
      this.validation = seqs;
      return this;
    }

    /** @param id the padding token id @return this */
    public Builder setPadId(int id) {
      this.padId = id;
      return this;
    }

    /** @param r the run directory @return this */
    public Builder setRunDirectory(RunDirectory r) {
      this.run = r;
      return this;
    }

    /** @param l an extra listener (after the metrics writer and checkpointer) @return this */
    public Builder addListener(TrainingListener l) {
      this.listeners.add(Objects.requireNonNull(l));
      return this;
    }

    /** @param on continue from the run directory's last checkpoint (default false) @return this */
    public Builder optResume(boolean on) {
      this.resume = on;
      return this;
    }

    /** @param info extra facts for config.json (base model, scenes, max length) @return this */
    public Builder optRunInfo(ObjectNode info) {
      this.runInfo = info;
      return this;
    }

    /** @param on register the metrics writer and checkpointer (default true) @return this */
    public Builder optDefaultListeners(boolean on) {
      this.defaults = on;
      return this;
    }

    /** @return the trainer @throws IllegalStateException when a required part is missing */
    public LoraTrainer build() {
      if (config == null || model == null || adapter == null || selection == null || train == null || run == null) {
        throw new IllegalStateException("config, model, adapter, train sequences and run directory are required");
      }
      if (train.isEmpty()) {
        throw new IllegalArgumentException("no training sequences: the dataset's train split is empty");
      }
      if (padId < 0) {
        throw new IllegalStateException("padId is required");
      }
      if (defaults) {
        listeners.add(0, new CheckpointListener());
        listeners.add(0, new MetricsListener());
      }
      return new LoraTrainer(this);
    }
  }


  /**
   * The fields that differ between two resolved config sections, {@code name: was X, now Y} each, so a
   * refused resume says which flag changed; the whole values when a section is not an object.
   */
  static String settingsDiff(JsonNode was, JsonNode now) {
    if (was == null || now == null || !was.isObject() || !now.isObject()) {
      return "was " + was + ", now " + now;
    }
    java.util.Set<String> names = new java.util.TreeSet<>();
    was.fieldNames().forEachRemaining(names::add);
    now.fieldNames().forEachRemaining(names::add);
    List<String> diffs = new java.util.ArrayList<>();
    for (String n : names) {
      String a = String.valueOf(was.get(n));
      String b = String.valueOf(now.get(n));
      if (!a.equals(b)) {
        diffs.add(n + ": was " + a + ", now " + b);
      }
    }
    return diffs.isEmpty() ? "was " + was + ", now " + now : String.join("; ", diffs);
  }
}
