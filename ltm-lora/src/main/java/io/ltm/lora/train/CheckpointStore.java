package io.ltm.lora.train;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.lora.io.AtomicFiles;
import io.ltm.lora.io.PeftAdapterIo;
import io.ltm.lora.io.SafetensorsFile;
import io.ltm.lora.io.SafetensorsWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.io.TensorInfo;
import io.ltm.lora.lora.LoraAdapter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes and reads checkpoints: {@code adapter/} (PEFT layout, f32 so a resume is exact),
 * {@code optimizer.safetensors} (AdamW's moments, f32, keyed {@code <param>.exp_avg} /
 * {@code <param>.exp_avg_sq}) and {@code trainer_state.json} (step, data position, scheduler, RNG scheme,
 * early-stopping state). A checkpoint is built in a temporary folder and renamed into place, so a kill at
 * any moment leaves the previous checkpoints intact. Stateless.
 */
public final class CheckpointStore {

  /** The optimizer state file inside a checkpoint. */
  public static final String OPTIMIZER_FILE = "optimizer.safetensors";

  private CheckpointStore() {}

  /**
   * Saves the run's state after its current step as {@code RUN/checkpoint-<step>}.
   *
   * @param ctx the run
   * @param schedule the learning rate schedule
   * @return the checkpoint folder
   * @throws IOException when writing fails (no partial checkpoint is left under the final name)
   */
  public static Path save(TrainingContext ctx, LrSchedule schedule) throws IOException {
    TrainerState s = ctx.state();
    RunDirectory run = ctx.run();
    Path target = run.checkpointDir(s.step());
    Files.createDirectories(run.root());
    Path tmp = Files.createTempDirectory(run.root(), ".checkpoint-" + s.step() + ".tmp-");
    try {
      PeftAdapterIo.save(ctx.adapter(), tmp.resolve("adapter"), TensorDType.F32);
      SafetensorsWriter w = new SafetensorsWriter(TensorDType.F32);
      w.metadata("step", Long.toString(ctx.optimizer().stepCount()));
      for (var e : ctx.optimizer().stateArrays().entrySet()) {
        NDArray a = e.getValue();
        w.add(e.getKey(), a.getShape().getShape(), a.toFloatArray());
      }
      for (var e : ctx.optimizer().parameterSteps().entrySet()) { // exact in f32 up to 2^24 steps
        w.add(e.getKey() + ".step", new long[] {1}, new float[] {e.getValue()});
      }
      w.write(tmp.resolve(OPTIMIZER_FILE));
      ObjectNode state = RunDirectory.JSON.valueToTree(s);
      ObjectNode sched = state.putObject("scheduler");
      sched.put("kind", schedule.kind().name().toLowerCase(java.util.Locale.ROOT));
      sched.put("peak_lr", schedule.peakLr());
      sched.put("warmup_steps", schedule.warmupSteps());
      sched.put("total_steps", schedule.totalSteps());
      sched.put("last_lr", s.lastLr());
      ObjectNode rng = state.putObject("rng");
      rng.put("seed", ctx.config().seed());
      rng.put("scheme", "torch seed (seed * 1000003 + step) before each step (dropout); data order "
          + "java.util.Random(seed + epoch) shuffle; adapter init SplittableRandom(seed ^ module)");
      ObjectNode data = state.putObject("data_position");
      data.put("epoch", s.epoch());
      data.put("micro_batches", s.microBatches());
      data.put("train_sequences", ctx.trainSequences());
      data.put("batch_size", ctx.config().batchSize());
      data.put("grad_accum", ctx.config().gradAccum());
      AtomicFiles.writeString(tmp.resolve(RunDirectory.STATE_FILE), RunDirectory.JSON.writeValueAsString(state) + "\n");
      AtomicFiles.moveAtomically(tmp, target);
    } finally {
      AtomicFiles.deleteRecursively(tmp);
    }
    run.pruneCheckpoints(ctx.config().keepCheckpoints());
    return target;
  }

  /**
   * Restores adapter weights and optimizer moments from a checkpoint into live objects.
   *
   * @param dir the checkpoint folder
   * @param adapter the adapter (created in model order; weights are overwritten by name)
   * @param optimizer the optimizer
   * @return the saved run state
   * @throws IOException when a file is missing or does not fit the adapter
   */
  public static TrainerState load(Path dir, LoraAdapter adapter, AdamW optimizer) throws IOException {
    JsonNode state = RunDirectory.JSON.readTree(dir.resolve(RunDirectory.STATE_FILE).toFile());
    com.fasterxml.jackson.databind.node.ObjectNode fields = ((com.fasterxml.jackson.databind.node.ObjectNode) state).deepCopy();
    fields.remove(java.util.List.of("scheduler", "rng", "data_position"));
    TrainerState s = RunDirectory.JSON.treeToValue(fields, TrainerState.class);
    SafetensorsFile weights = SafetensorsFile.open(dir.resolve("adapter").resolve(PeftAdapterIo.WEIGHTS_FILE));
    for (var e : adapter.parameters().entrySet()) {
      TensorInfo info = weights.tensors().get(PeftAdapterIo.KEY_PREFIX + e.getKey());
      if (info == null || info.elements() != e.getValue().size()) {
        throw new IOException(dir + ": checkpoint adapter lacks " + e.getKey() + " with shape " + e.getValue().getShape()
            + "; it was written for other LoRA settings");
      }
      e.getValue().set(SafetensorsWriter.readFloats(info));
    }
    SafetensorsFile opt = SafetensorsFile.open(dir.resolve(OPTIMIZER_FILE));
    Map<String, float[]> values = new HashMap<>();
    for (var e : opt.tensors().entrySet()) {
      values.put(e.getKey(), SafetensorsWriter.readFloats(e.getValue()));
    }
    try {
      optimizer.loadState(s.step(), values);
    } catch (IllegalArgumentException e) {
      throw new IOException(dir.resolve(OPTIMIZER_FILE) + ": " + e.getMessage(), e);
    }
    return s;
  }
}
