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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>Data parallelism ({@link Builder#optReplicas}): exactly gradient accumulation done in parallel. This
 * is the idea of DJL's multi-device training ({@code EasyTrain.trainBatch} splits a batch over the
 * trainer's devices, runs the splits on an executor and sums the gradients before the optimizer step);
 * the loop here is our own, so the same idea is implemented here. With N replicas (the primary, which
 * owns the optimizer, is replica 0), each optimizer step takes the same micro-batches in the same order
 * as without replicas, deals micro-batch {@code k} to replica {@code k % N}, and runs the replicas
 * concurrently, one thread each, every micro-batch's loss divided by the whole step's predicted tokens.
 * Then each replica's A/B gradients are copied to the primary's device and added to the primary's, in
 * replica order (a fixed order: the sum is deterministic), and clipping and AdamW run on the primary as
 * before; the updated A/B values are then copied to every replica. The loss is the sum of the
 * micro-batches' NLL sums (added in micro-batch order) over the step's predicted tokens, as without
 * replicas. So a data-parallel run equals a single-device run with the same {@code gradAccum} up to float
 * rounding of the gradient sum (bit for bit when each replica gets one micro-batch per step), and a run
 * may be resumed with another number of replicas. Replicas with index {@code >= gradAccum} stay idle.
 * Evaluation runs on the primary. Replicas get the primary's values when training starts (after a resumed
 * checkpoint was loaded into the primary) and after every step. Each replica's model must be safe to run
 * concurrently with the others ({@link CausalLanguageModel}'s default and {@link RecomputingDecoderModel}
 * use a {@link ThreadGradientCollector} for that). LoRA dropout draws from libtorch's global generator, which the
 * replicas' threads share: with dropout above 0 a data-parallel run is not reproducible bit for bit
 * (without dropout it is, on the CPU).
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
  /** The extra data-parallel replicas (replica 0, the primary, is this trainer's model); empty: none. */
  private final List<TrainingReplica> replicas;
  /** Each extra replica's trainable arrays by name, as {@link #params}. */
  private final List<Map<String, NDArray>> replicaParams;
  private ExecutorService replicaThreads;
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
    this.replicas = List.copyOf(b.replicas);
    this.replicaParams = replicas.stream().map(r -> r.adapter().parameters()).toList();
  }

  /** @return a new builder */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs (or resumes) training to the last step or early stop, then saves the final adapter in
   * {@code RUN/adapter}. With early stopping on ({@code earlyStoppingPatience > 0}) and a validation
   * split, the adapter of the best evaluation so far is kept in {@code RUN/best-adapter} while training
   * and becomes {@code RUN/adapter} at the end (the best, not the last); an early stop is recorded in
   * {@code RUN/stopped.json}, and resuming such a run is refused with a message saying so.
   *
   * @return the summary
   * @throws TrainingException on NaN/Inf, memory exhaustion or a run directory that cannot be resumed
   * @throws IOException when the run directory cannot be written
   */
  public TrainingResult train() throws IOException {
    prepareRunDirectory();
    adapter.setTrainable(true);
    if (!replicas.isEmpty()) {
      for (TrainingReplica r : replicas) {
        r.adapter().setTrainable(true);
      }
      syncReplicas(); // after a resume too: the checkpoint was loaded into the primary only
      if (config.gradAccum() < replicas.size() + 1) {
        LOG.warn("gradAccum {} < {} replicas: {} replica(s) stay idle; set gradAccum to {} (or a multiple of it)",
            config.gradAccum(), replicas.size() + 1, replicas.size() + 1 - config.gradAccum(), replicas.size() + 1);
      }
      AtomicInteger threadNumber = new AtomicInteger();
      replicaThreads = Executors.newFixedThreadPool(replicas.size() + 1, task -> {
        Thread t = new Thread(task, "ltm-replica-" + threadNumber.getAndIncrement());
        t.setDaemon(true);
        return t;
      });
    }
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
      if (replicaThreads != null) {
        replicaThreads.shutdownNow();
        replicaThreads = null;
        for (Map<String, NDArray> p : replicaParams) {
          Gradients.zero(p.values());
        }
      }
    }
    if (keepsBest() && java.nio.file.Files.isDirectory(run.bestAdapterDir())) {
      io.ltm.lora.io.AtomicFiles.moveAtomically(run.bestAdapterDir(), run.adapterDir());
      LOG.info("{}: the best adapter by eval loss ({}), not the last", run.adapterDir(), state.bestEvalLoss());
    } else {
      PeftAdapterIo.save(adapter, run.adapterDir(), TensorDType.F32);
    }
    if (stoppedEarly) {
      writeStopRecord();
    }
    TrainingResult result = new TrainingResult(state.step(), state.lastLoss(), state.lastEvalLoss(),
        state.bestEvalLoss(), stoppedEarly, run.adapterDir());
    for (TrainingListener l : listeners) {
      l.onTrainingEnd(this, result);
    }
    return result;
  }

  /** True when the best adapter by eval loss is kept (early stopping on, with a validation split). */
  private boolean keepsBest() {
    return config.earlyStoppingPatience() > 0 && !validation.isEmpty();
  }

  /** {@code RUN/stopped.json}: where and why early stopping ended the run, and which step was best. */
  private void writeStopRecord() throws IOException {
    long bestStep = -1;
    double best = Double.POSITIVE_INFINITY;
    for (JsonNode line : run.readMetrics()) {
      if (line.has("eval_loss") && line.get("eval_loss").asDouble() < best) {
        best = line.get("eval_loss").asDouble();
        bestStep = line.path("step").asLong();
      }
    }
    ObjectNode o = RunDirectory.JSON.createObjectNode();
    o.put("step", state.step());
    o.put("total_steps", totalSteps);
    o.put("best_step", bestStep);
    o.put("best_eval_loss", state.bestEvalLoss());
    o.put("evaluations_without_improvement", state.evalsWithoutImprovement());
    o.put("patience", config.earlyStoppingPatience());
    o.put("reason", "early stopping: " + state.evalsWithoutImprovement()
        + " evaluations without improvement of eval_loss; adapter/ holds the adapter of step " + bestStep);
    io.ltm.lora.io.AtomicFiles.writeString(run.stoppedFile(), RunDirectory.JSON.writeValueAsString(o) + "\n");
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
    if (resume) {
      java.util.Optional<JsonNode> stopped = run.readStopped();
      if (stopped.isPresent()) {
        JsonNode st = stopped.get();
        throw new TrainingException(run.root() + " stopped early at step " + st.path("step").asLong() + " of "
            + st.path("total_steps").asLong() + " (" + st.path("evaluations_without_improvement").asInt()
            + " evaluations without improvement, patience " + st.path("patience").asInt() + "); its adapter/ is the best,"
            + " from step " + st.path("best_step").asLong() + " (eval loss " + st.path("best_eval_loss").asDouble()
            + "). Nothing to resume: to train further, train into a new --out folder with a larger --patience"
            + " (or 0 to turn early stopping off)");
      }
    }
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
    resetReached();
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
    double lossSum = replicas.isEmpty() ? sequentialPasses(stepNumber, micro, predicted)
        : parallelPasses(stepNumber, micro, predicted);
    Gradients.Norms norms = Gradients.clipGlobalNorm(params, config.maxGradNorm());
    if (norms.firstNonFinite() != null) {
      throw new TrainingException("step " + stepNumber + ": the gradient of " + norms.firstNonFinite()
          + " is not finite (NaN or Inf); stopped before updating the weights. " + lastGood());
    }
    double lr = schedule.lrAt(state.step());
    java.util.Set<String> reached = reachedParameters();
    optimizer.step(lr, reached::contains); // an expert no token chose has no gradient: skipped, as torch does
    if (!replicas.isEmpty()) {
      syncReplicas();
    }
    double loss = lossSum / predicted;
    double seconds = (System.nanoTime() - t0) / 1e9;
    long newMb = mb + config.gradAccum();
    state = new TrainerState(stepNumber, newMb, (int) (newMb / Math.max(1, microPerEpoch)), loss, lr,
        state.bestEvalLoss(), state.evalsWithoutImprovement(), state.lastEvalLoss(), state.elapsedS() + seconds,
        state.tokensSeen() + real);
    return new StepMetrics(stepNumber, totalSteps, loss, lr, norms.totalNorm(), real, real / seconds,
        state.elapsedS(), (int) (mb / Math.max(1, microPerEpoch)));
  }

  private void resetReached() {
    adapter.modules().values().forEach(io.ltm.lora.lora.LoraModule::resetReached);
    for (TrainingReplica r : replicas) {
      r.adapter().modules().values().forEach(io.ltm.lora.lora.LoraModule::resetReached);
    }
  }

  /** The parameter names of the modules a forward of this step reached, on any replica. */
  private java.util.Set<String> reachedParameters() {
    java.util.Set<String> out = new java.util.HashSet<>();
    for (var e : adapter.modules().entrySet()) {
      boolean reached = e.getValue().reached();
      for (TrainingReplica r : replicas) {
        io.ltm.lora.lora.LoraModule m = r.adapter().modules().get(e.getKey());
        reached |= m != null && m.reached();
      }
      if (reached) {
        out.add(e.getKey() + LoraAdapter.A_SUFFIX);
        out.add(e.getKey() + LoraAdapter.B_SUFFIX);
      }
    }
    return out;
  }

  /** The step's micro-batches one after another on the primary; returns the summed NLL. */
  private double sequentialPasses(long stepNumber, List<TrainingBatch> micro, long predicted) {
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
      throw memoryOrRethrow(e, stepNumber, "");
    } finally {
      selection.setTraining(false);
    }
    return lossSum;
  }

  /**
   * The step's micro-batches dealt to the replicas ({@code k -> k % N}), run concurrently, one thread per
   * replica, each replica's own micro-batches in order; then the replicas' gradients are added into the
   * primary's in replica order. Returns the summed NLL, added in micro-batch order.
   */
  private double parallelPasses(long stepNumber, List<TrainingBatch> micro, long predicted) {
    int n = replicas.size() + 1;
    int active = Math.min(n, micro.size());
    double[] parts = new double[micro.size()];
    for (Map<String, NDArray> p : replicaParams) {
      Gradients.zero(p.values());
    }
    List<Future<?>> running = new ArrayList<>(active);
    for (int r = 0; r < active; r++) {
      TrainingReplica replica = replica(r);
      int first = r;
      running.add(replicaThreads.submit(() -> {
        AdapterSelection sel = replica.selection();
        try (AdapterSelection.Scope use = sel.use(replica.adapter().name())) {
          sel.setTraining(true);
          try {
            for (int k = first; k < micro.size(); k += n) {
              try (NDManager scope = replica.adapter().manager().newSubManager()) {
                double part = replica.model().forwardBackward(scope, micro.get(k), (float) predicted);
                parts[k] = part;
                if (!Double.isFinite(part)) {
                  return null; // reported below, in micro-batch order
                }
              }
            }
          } finally {
            sel.setTraining(false);
          }
        }
        return null;
      }));
    }
    // Wait for every replica (none may still run when we throw), then report the first failure by replica.
    Throwable failure = null;
    int failedReplica = -1;
    boolean interrupted = false;
    for (int r = 0; r < running.size(); r++) {
      while (true) {
        try {
          running.get(r).get();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          if (failure == null) {
            failure = e.getCause();
            failedReplica = r;
          }
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
      throw new TrainingException("step " + stepNumber + ": interrupted while the replicas trained; stopped before "
          + "updating the weights. " + lastGood());
    }
    if (failure != null) {
      String where = " on replica " + failedReplica + " (" + replica(failedReplica).adapter().manager().getDevice() + ")";
      if (failure instanceof EngineException || failure instanceof OutOfMemoryError) {
        throw memoryOrRethrow(failure, stepNumber, where);
      }
      if (failure instanceof TrainingException te) {
        throw te;
      }
      throw new TrainingException("step " + stepNumber + where + ": " + failure, failure);
    }
    double lossSum = 0;
    for (int k = 0; k < parts.length; k++) {
      if (!Double.isFinite(parts[k])) {
        throw new TrainingException(String.format(java.util.Locale.ROOT,
            "step %d: the loss is %s (micro-batch %d of %d, on replica %d); stopped before updating the weights. %s",
            stepNumber, parts[k], k + 1, micro.size(), k % n, lastGood()));
      }
      lossSum += parts[k];
    }
    // All-reduce to the primary: g_0 += g_r for r = 1, 2, ... (copied to the primary's device first).
    try (NDManager scope = adapter.manager().newSubManager()) {
      for (int r = 1; r < active; r++) {
        Map<String, NDArray> theirs = replicaParams.get(r - 1);
        for (var e : params.entrySet()) {
          NDArray mine = e.getValue().getGradient();
          mine.attach(scope);
          NDArray grad = theirs.get(e.getKey()).getGradient();
          grad.attach(scope);
          NDArray moved = grad.toDevice(mine.getDevice(), false);
          moved.attach(scope);
          mine.addi(moved);
        }
      }
    }
    return lossSum;
  }

  /** @param r 0 for the primary, else an extra replica @return the replica */
  private TrainingReplica replica(int r) {
    return r == 0 ? new TrainingReplica(model, adapter, selection) : replicas.get(r - 1);
  }

  /**
   * Copies the primary's A/B values into every replica's, in place and device to device: {@code p_r = 0 * p_r
   * + p_0}, exact for finite values (a non-finite loss or gradient stops the run before any update). Not
   * {@code NDArray.set(Buffer)}: on the CPU, PyTorch's set makes the tensor point at the buffer's memory.
   */
  private void syncReplicas() {
    try (NDManager scope = adapter.manager().newSubManager()) {
      for (var e : params.entrySet()) {
        NDArray source = e.getValue();
        for (Map<String, NDArray> p : replicaParams) {
          NDArray target = p.get(e.getKey());
          NDArray moved = source.toDevice(target.getDevice(), false); // the source itself on the same device
          if (moved != source) {
            moved.attach(scope);
          }
          target.muli(0f).addi(moved);
        }
      }
    }
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

  private RuntimeException memoryOrRethrow(Throwable e, long step, String where) {
    String msg = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
    if (e instanceof OutOfMemoryError || msg.contains("out of memory") || msg.contains("can't allocate")
        || msg.contains("failed to allocate") || msg.contains("alloc_cpu") || msg.contains("cudaerrormemoryallocation")) {
      return new TrainingException("step " + step + ": out of memory" + where + " (" + e.getMessage() + "). Lower --batch (now "
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
      if (keepsBest()) {
        try {
          PeftAdapterIo.save(adapter, run.bestAdapterDir(), TensorDType.F32);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException("cannot save the best adapter to " + run.bestAdapterDir(), e);
        }
      }
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
    private List<TrainingReplica> replicas = List.of();

    private Builder() {}

    /**
     * Trains data-parallel over the primary (the model and adapter given to {@link #setModel} and
     * {@link #setAdapter}) and these extra replicas; see the class comment. Each replica's adapter must
     * have the primary's name, config and parameter names and shapes (checked at {@link #build()}); its
     * values need not match, the primary's are copied in when training starts. Use a {@code gradAccum} of
     * at least {@code replicas.size() + 1}, else some replicas stay idle.
     *
     * @param others the replicas besides the primary (default none: the single-device loop, unchanged)
     * @return this
     */
    public Builder optReplicas(List<TrainingReplica> others) {
      this.replicas = List.copyOf(others);
      return this;
    }

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
      checkReplicas();
      if (defaults) {
        listeners.add(0, new CheckpointListener());
        listeners.add(0, new MetricsListener());
      }
      return new LoraTrainer(this);
    }

    private void checkReplicas() {
      Map<String, NDArray> mine = adapter.parameters();
      for (int i = 0; i < replicas.size(); i++) {
        TrainingReplica r = replicas.get(i);
        String who = "replica " + (i + 1) + " (" + r.adapter().manager().getDevice() + ")";
        if (r.adapter() == adapter || r.model() == model) {
          throw new IllegalArgumentException(who + " is the primary itself; a replica needs its own model and adapter");
        }
        if (!r.adapter().name().equals(adapter.name())) {
          throw new IllegalArgumentException(who + ": its adapter is named \"" + r.adapter().name()
              + "\" but the trained one is \"" + adapter.name() + "\"; create it under the same name");
        }
        Map<String, NDArray> theirs = r.adapter().parameters();
        for (var e : mine.entrySet()) {
          NDArray other = theirs.get(e.getKey());
          if (other == null) {
            throw new IllegalArgumentException(who + ": its adapter has no parameter " + e.getKey()
                + " (shape " + e.getValue().getShape() + " in the trained adapter); create it with the same targets");
          }
          if (!other.getShape().equals(e.getValue().getShape())) {
            throw new IllegalArgumentException(who + ": parameter " + e.getKey() + " has shape " + other.getShape()
                + " but the trained adapter's has shape " + e.getValue().getShape()
                + "; create the replica's adapter with the same rank and base model");
          }
        }
        for (String name : theirs.keySet()) {
          if (!mine.containsKey(name)) {
            throw new IllegalArgumentException(who + ": its adapter has a parameter " + name
                + " (shape " + theirs.get(name).getShape() + ") that the trained adapter lacks; create it with the same targets");
          }
        }
        if (!r.adapter().config().equals(adapter.config())) {
          throw new IllegalArgumentException(who + ": its LoRA config " + r.adapter().config()
              + " differs from the trained adapter's " + adapter.config() + "; create it with the same settings");
        }
      }
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
