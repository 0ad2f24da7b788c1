package io.ltm.lora.doctor;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.cuda.CudaUtils;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.ModelType;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import io.ltm.lora.model.KvCache;
import io.ltm.lora.model.LinearProjection;
import io.ltm.lora.model.TorchKernels;
import io.ltm.lora.plan.ByteSize;
import io.ltm.lora.plan.DeviceMemory;
import io.ltm.lora.plan.MemoryPlan;
import io.ltm.lora.plan.MemoryPlanner;
import io.ltm.lora.plan.PlanRequest;
import io.ltm.lora.train.AdamW;
import io.ltm.lora.train.AdamWConfig;
import io.ltm.lora.train.DecoderLanguageModel;
import io.ltm.lora.train.Gradients;
import io.ltm.lora.train.TrainingBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * {@code ltm doctor}: does this machine run ltm, and how fast? Checks, in order: which libtorch DJL loaded
 * (version, flavour, folder); the devices and their memory; a Qwen3 (the user's {@code --base}, or a random
 * one in the HF layout) scored on the device against the CPU; a short LoRA training on the device against
 * the same seed on the CPU; speed (prefill and training tokens/s and MFU against the matmul limit measured
 * in the same run on that device, decode ms/token against the memory-bandwidth floor measured likewise);
 * peak memory against {@link MemoryPlanner}; on the CPU, whether the loaded weights sit on huge pages ({@link HugePages}).
 * Every failed check says what to do.
 *
 * <p><b>Precision.</b> On the CPU the frozen weights are f32 and every matmul runs in f32. On a GPU they are
 * stored in f16 ({@link LoadOptions#on}): projections multiply in f16 (cuBLAS, f32 accumulation), RMSNorm,
 * RoPE, softmax, residuals, LoRA and the loss stay f32. DJL 0.36.0's JNI cannot hold bf16 on any device (its
 * dtype switch has no bf16 case and aborts the JVM), so bf16 checkpoints are converted; f16 overflows above
 * 65504, which the score and training checks catch as non-finite values and report.
 *
 * <p>Not thread-safe; one run at a time. Writes a random model into its work folder when no base is given.
 */
public final class Doctor {
  /** Logprob tolerance of the device against the CPU (f32 reference), by the device's weight type. */
  static final double SCORE_TOL_F32 = 1e-3;
  /** f16 weights round each weight to 11 significant bits; 0.05 nats per token is what that allows here. */
  static final double SCORE_TOL_F16 = 5e-2;
  /** Loss-curve tolerance, relative, by weight type. */
  static final double TRAIN_TOL_F32 = 1e-3;
  static final double TRAIN_TOL_F16 = 2e-2;
  /** Memory check: measured peak within this fraction of the plan passes, beyond it warns. */
  static final double MEMORY_TOL = 0.25;

  private final Device device;
  private final Path base;
  private final Path workDir;
  private final boolean quick;
  private final int seqLen;
  private final int steps;
  private final int decodeTokens;

  private Doctor(Builder b) {
    this.device = b.device;
    this.base = b.base;
    this.workDir = b.workDir;
    this.quick = b.quick;
    this.seqLen = b.seqLen > 0 ? b.seqLen : (quick ? 32 : 512);
    this.steps = b.steps > 0 ? b.steps : (quick ? 3 : 4);
    this.decodeTokens = quick ? 4 : 32;
  }

  /** A builder; {@link Builder#setDevice} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** Runs every check and returns the report (a failed check stops those that depend on it). */
  public DoctorReport run() {
    List<Check> checks = new ArrayList<>();
    Engine engine;
    try {
      engine = Engine.getEngine("PyTorch");
      engine.getVersion();
    } catch (Throwable t) { // UnsatisfiedLinkError, EngineException: report, do not crash
      checks.add(Check.fail("libtorch", "DJL could not load libtorch: " + t.getClass().getSimpleName() + ": " + t.getMessage(),
          libtorchFix()));
      return new DoctorReport(deviceName(), skipRest(checks, "libtorch did not load"));
    }
    Check lib = libtorch(engine);
    checks.add(lib);
    Check devs = devices(engine);
    checks.add(devs);
    if (lib.status() == Check.Status.FAIL || devs.status() == Check.Status.FAIL) {
      return new DoctorReport(deviceName(), skipRest(checks, "the device is not usable"));
    }
    Path modelDir;
    try {
      modelDir = base != null ? base : writeRandomModel();
    } catch (IOException | RuntimeException e) {
      checks.add(Check.fail("model", "could not write a random checkpoint to " + workDir + ": " + e.getMessage(),
          "give a writable folder (--work) with a few GB free, or --base with your own model"));
      return new DoctorReport(deviceName(), skipRest(checks, "no model"));
    }
    ModelConfig config = ModelConfig.read(modelDir.resolve("config.json"));
    int[] ids = randomIds(seqLen, config.vocabSize(), 11);
    TrainingBatch batch = batch(ids);

    // CPU reference first, closed before the device run so that the device's memory peak is its own.
    double[] refLogprobs;
    double[] refLosses;
    try (Decoder d = DecoderLoader.load(modelDir, LoadOptions.cpu()); LoraModel m = new LoraModel(d)) {
      refLogprobs = logprobs(d, ids);
      refLosses = train(m, batch, null);
    }
    PeakMemory.resetProcessPeak();

    LoadOptions opts = LoadOptions.on(device);
    boolean f16 = opts.weightType() == TensorDType.F16;
    double matmul = matmulGflops(f16);
    double bandwidth = readGBps();
    try (Decoder d = DecoderLoader.load(modelDir, opts); LoraModel m = new LoraModel(d)) {
      Check score = scoreCheck(d, ids, refLogprobs, f16);
      double prefillS = prefillSeconds(d, ids);
      double decodeMs = decodeMs(d, ids);
      long[] stepNanos = new long[steps];
      double[] losses = train(m, batch, stepNanos);
      // The limits again after the work: on a shared machine the load changes, and a limit measured while
      // others ran would make the ratios exceed 100%; the higher of the two readings is the limit.
      matmul = Math.max(matmul, matmulGflops(f16));
      bandwidth = Math.max(bandwidth, readGBps());
      checks.add(Check.pass("limits", String.format(Locale.ROOT, "%s matmul %.1f GFLOP/s (%d^3), read %.1f GB/s (a sum over "
          + "%s), measured on %s before and after the runs below (the higher of the two)", f16 ? "f16" : "f32", matmul, matmulN(),
          bandwidth, ByteSize.gib(readBytes()), deviceName()), Map.of("matmul_gflops", matmul, "read_gbps", bandwidth)));
      checks.add(score);
      checks.add(prefillCheck(config, ids.length, prefillS, matmul));
      checks.add(decodeCheck(config, decodeMs, bandwidth, f16));
      checks.add(trainCheck(config, losses, refLosses, f16, stepNanos, matmul));
      checks.add(memoryCheck(config));
      if (!device.isGpu()) { // read while the model is loaded: are its weights on huge pages?
        checks.add(HugePages.current().check());
        checks.add(kernelsCheck(TorchKernels.probe()));
      }
    } catch (RuntimeException | OutOfMemoryError e) {
      String msg = String.valueOf(e.getMessage());
      boolean oom = msg.contains("out of memory") || e instanceof OutOfMemoryError;
      checks.add(Check.fail("device run", e.getClass().getSimpleName() + ": " + firstLine(msg), oom
          ? "out of memory on " + device + ": run ./ltm plan --base DIR --device " + deviceName() + " and use the flags it names "
            + "(--gradient-checkpointing, a smaller --max-len or --batch); for the doctor itself, --seq " + Math.max(32, seqLen / 2)
          : "run again with --verbose for the stack trace; if it names libtorch or CUDA, check the libtorch check above"));
    }
    return new DoctorReport(deviceName(), checks);
  }

  // ---------------------------------------------------------------- checks

  /** The fused prefill kernels and the bf16 products of {@code --bf16-matmul} (docs/engine.md). */
  static Check kernelsCheck(TorchKernels.Probe p) {
    if (!p.loaded()) {
      return new Check("kernels", Check.Status.WARN, "libtorch could not load ltm's TorchScript kernels: prefill runs the "
          + "explicit attention and --bf16-matmul keeps the f32 products", "use the libtorch 2.7.1 DJL ships (see the "
          + "libtorch check); everything else works without them", Map.of("loaded", false));
    }
    Map<String, Object> figs = new LinkedHashMap<>();
    figs.put("loaded", true);
    figs.put("cpu_bf16", p.cpuHasBf16());
    figs.put("bf16_gflops", p.bf16Gflops());
    figs.put("f32_gflops", p.f32Gflops());
    figs.put("bf16_max_relative_error", p.maxRelativeError());
    String summary = String.format(Locale.ROOT, "fused attention loaded; bf16 products (--bf16-matmul) %.1f GFLOP/s vs f32 "
        + "%.1f (%.2fx), max relative difference %.1e; CPU bf16 dot products: %s", p.bf16Gflops(), p.f32Gflops(),
        p.bf16Gflops() / p.f32Gflops(), p.maxRelativeError(), p.cpuHasBf16() ? "yes" : "no");
    if (!(p.maxRelativeError() < 2e-2)) {
      return new Check("kernels", Check.Status.FAIL, summary, "the bf16 product disagrees with the f32 one beyond bf16's "
          + "precision: do not use --bf16-matmul here, and report it", figs);
    }
    if (p.bf16Gflops() < p.f32Gflops()) {
      return new Check("kernels", Check.Status.WARN, summary, "bf16 products are slower than f32 on this CPU: leave "
          + "--bf16-matmul off", figs);
    }
    return new Check("kernels", Check.Status.PASS, summary, "", figs);
  }

  private Check libtorch(Engine engine) {
    String version = engine.getVersion();
    String path = libtorchPath();
    String flavour = flavour(path, engine);
    Map<String, Object> figs = new LinkedHashMap<>();
    figs.put("version", version);
    figs.put("flavour", flavour);
    figs.put("path", path);
    figs.put("djl", Engine.getDjlVersion());
    String summary = String.format(Locale.ROOT, "libtorch %s (%s) from %s, DJL %s", version, flavour, path, Engine.getDjlVersion());
    if (device.isGpu() && !flavour.startsWith("cu")) {
      return new Check("libtorch", Check.Status.FAIL, summary + ": a CPU build cannot use " + device,
          libtorchFix(), figs);
    }
    return Check.pass("libtorch", summary, figs);
  }

  private Check devices(Engine engine) {
    Map<String, Object> figs = new LinkedHashMap<>();
    DeviceMemory ram = DeviceMemory.cpu();
    figs.put("cpu_cores", Runtime.getRuntime().availableProcessors());
    figs.put("cpu_memory_bytes", ram.bytes());
    int gpus = engine.getGpuCount();
    figs.put("gpus", gpus);
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "cpu: %d cores, %s; %d GPU(s)",
        Runtime.getRuntime().availableProcessors(), ByteSize.gib(ram.bytes()), gpus));
    for (int i = 0; i < gpus; i++) {
      try {
        var mem = CudaUtils.getGpuMemory(Device.gpu(i));
        s.append(String.format(Locale.ROOT, "; cuda:%d sm_%s %s total, %s in use", i,
            CudaUtils.getComputeCapability(i), ByteSize.gib(mem.getMax()), ByteSize.gib(mem.getCommitted())));
        figs.put("cuda" + i + "_memory_bytes", mem.getMax());
      } catch (RuntimeException e) {
        s.append("; cuda:").append(i).append(" memory unreadable (").append(e.getMessage()).append(')');
      }
    }
    if (device.isGpu() && device.getDeviceId() >= gpus) {
      return new Check("devices", Check.Status.FAIL, s + ": " + device + " is not among them",
          gpus == 0 ? "no GPU is visible: nvidia-smi should list the card; a 'CUDA driver version is insufficient' warning "
              + "means the driver is older than the CUDA runtime libtorch was built for (update the driver or use a libtorch "
              + "for an older CUDA); in a container pass the GPU through (--gpus all)"
              : "use --device cuda:0 .. cuda:" + (gpus - 1), figs);
    }
    return Check.pass("devices", s.toString(), figs);
  }

  private Check scoreCheck(Decoder d, int[] ids, double[] ref, boolean f16) {
    double[] lp = logprobs(d, ids);
    double tol = f16 ? SCORE_TOL_F16 : SCORE_TOL_F32;
    double maxDiff = 0;
    for (int i = 0; i < lp.length; i++) {
      if (!Double.isFinite(lp[i])) {
        return Check.fail("score", String.format(Locale.ROOT, "log-probability of token %d is %s on %s", i + 1, lp[i], device),
            f16 ? "the activations overflowed f16 (above 65504) with f16 weights; this checkpoint needs f32 weights on this "
                + "device, which ltm does not offer on a GPU yet: train it on the CPU or report it with the model's name"
                : "non-finite values on the CPU mean a broken checkpoint: check it with ./ltm score --base DIR --verbose");
      }
      maxDiff = Math.max(maxDiff, Math.abs(lp[i] - ref[i]));
    }
    String dtype = f16 ? "f16 weights" : "f32 weights";
    String summary = String.format(Locale.ROOT, "%d token log-probabilities on %s (%s) vs the CPU (f32): max |diff| %.2e, "
        + "tolerance %.0e for %s", lp.length, deviceName(), dtype, maxDiff, tol, dtype);
    Map<String, Object> figs = Map.of("max_abs_diff", maxDiff, "tolerance", tol, "tokens", lp.length);
    if (maxDiff > tol) {
      return new Check("score", Check.Status.FAIL, summary, "the device computes a different model: check that the libtorch "
          + "above is the one built for this card and the JNI for it (docs/doctor.md); report it with this output", figs);
    }
    return Check.pass("score", summary, figs);
  }

  private static double prefillSeconds(Decoder d, int[] ids) {
    DecoderInput in = DecoderInput.of(ids);
    forwardLastLogits(d, in); // warm up
    int reps = 2;
    long t0 = System.nanoTime();
    for (int i = 0; i < reps; i++) {
      forwardLastLogits(d, in);
    }
    return (System.nanoTime() - t0) / 1e9 / reps;
  }

  private Check prefillCheck(ModelConfig c, int tokens, double sec, double matmulGflops) {
    double tps = tokens / sec;
    double flops = Flops.prefillPerToken(c, tokens);
    double mfu = tps * flops / (matmulGflops * 1e9);
    return Check.pass("prefill", String.format(Locale.ROOT, "%d tokens in %.3f s: %.1f tokens/s, %.1f%% of the matmul limit "
        + "(%.2f GFLOP/token)", tokens, sec, tps, 100 * mfu, flops / 1e9),
        Map.of("tokens_per_s", tps, "mfu", mfu, "seconds", sec));
  }

  private double decodeMs(Decoder d, int[] ids) {
    int prompt = Math.min(ids.length, 32);
    int[] p = java.util.Arrays.copyOf(ids, prompt);
    int n = decodeTokens;
    try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, prompt + n + 1)) {
      int next = argmaxLast(d, scope, DecoderInput.of(p, 0), cache);
      next = argmaxLast(d, scope, DecoderInput.of(new int[] {next}, prompt), cache); // warm-up step
      long t0 = System.nanoTime();
      for (int i = 1; i < n; i++) {
        next = argmaxLast(d, scope, DecoderInput.of(new int[] {next}, prompt + i), cache);
      }
      return (System.nanoTime() - t0) / 1e6 / (n - 1);
    }
  }

  private Check decodeCheck(ModelConfig c, double ms, double readGBps, boolean f16) {
    long weightBytes = (c.activeParameterCount() - (c.tieWordEmbeddings() ? 0 : (long) c.vocabSize() * c.hiddenSize()))
        * (f16 ? 2 : 4); // an untied embedding is read one row a token
    double floorMs = weightBytes / (readGBps * 1e9) * 1e3;
    String summary = String.format(Locale.ROOT, "%.2f ms/token (%d tokens); floor %.2f ms to read %s of weights at "
        + "the measured read bandwidth: %.0f%% of it", ms, decodeTokens - 1, floorMs, ByteSize.gib(weightBytes), 100 * floorMs / ms);
    Map<String, Object> figures = Map.of("ms_per_token", ms, "floor_ms", floorMs, "of_floor", floorMs / ms, "bytes_per_token",
        weightBytes);
    // the CPU decode's Java kernels: the JVM options they want
    java.util.List<String> advice = device.isGpu() ? java.util.List.of() : LinearProjection.jvmAdvice();
    return advice.isEmpty() ? Check.pass("decode", summary, figures)
        : new Check("decode", Check.Status.WARN, summary, String.join("; ", advice), figures);
  }

  private Check trainCheck(ModelConfig c, double[] losses, double[] ref, boolean f16, long[] stepNanos, double matmulGflops) {
    double tol = f16 ? TRAIN_TOL_F16 : TRAIN_TOL_F32;
    double maxRel = 0;
    for (int i = 0; i < losses.length; i++) {
      if (!Double.isFinite(losses[i])) {
        return Check.fail("train", "loss at step " + (i + 1) + " is " + losses[i] + " on " + device,
            f16 ? "f16 overflow in the activations (above 65504): train this model on the CPU (f32) for now"
                : "non-finite loss on the CPU: lower --lr or check the checkpoint");
      }
      maxRel = Math.max(maxRel, Math.abs(losses[i] - ref[i]) / Math.max(1e-6, Math.abs(ref[i])));
    }
    long total = 0;
    for (int i = 1; i < stepNanos.length; i++) {
      total += stepNanos[i];
    }
    double stepS = total / 1e9 / Math.max(1, stepNanos.length - 1);
    double tps = seqLen / stepS;
    double flops = Flops.trainPerToken(c, seqLen);
    double mfu = tps * flops / (matmulGflops * 1e9);
    String curve = java.util.Arrays.stream(losses).mapToObj(v -> String.format(Locale.ROOT, "%.4f", v))
        .reduce((a, b) -> a + " " + b).orElse("");
    String summary = String.format(Locale.ROOT, "LoRA r=16 all-linear, %d steps of %d tokens: loss %s; max relative diff vs "
        + "the CPU %.2e (tolerance %.0e); %.2f s/step, %.1f tokens/s, MFU %.1f%% of the matmul limit", steps, seqLen, curve,
        maxRel, tol, stepS, tps, 100 * mfu);
    Map<String, Object> figs = new LinkedHashMap<>();
    figs.put("max_rel_diff", maxRel);
    figs.put("tolerance", tol);
    figs.put("step_s", stepS);
    figs.put("tokens_per_s", tps);
    figs.put("mfu", mfu);
    figs.put("first_loss", losses[0]);
    figs.put("last_loss", losses[losses.length - 1]);
    if (maxRel > tol) {
      return new Check("train", Check.Status.FAIL, summary, "training on " + device + " does not follow the CPU: check the "
          + "libtorch and JNI above; report it with this output", figs);
    }
    if (!(losses[losses.length - 1] < losses[0])) {
      return new Check("train", Check.Status.FAIL, summary, "the loss did not fall in " + steps + " steps: report it", figs);
    }
    return new Check("train", Check.Status.PASS, summary, "", figs);
  }

  private Check memoryCheck(ModelConfig c) {
    PlanRequest req = PlanRequest.builder().optGpu(device.isGpu()).optMaxLen(seqLen).optDropout(0).optEvaluation(false).build();
    MemoryPlan plan = MemoryPlanner.plan(c, req, Long.MAX_VALUE / 4, "doctor");
    long measured;
    String what;
    if (device.isGpu()) {
      try {
        measured = CudaUtils.getGpuMemory(device).getCommitted();
      } catch (RuntimeException e) { // DJL reads it through libcudart by JNA, which may not be on the library path
        return Check.skip("memory", "device memory unreadable (" + e.getMessage() + "): put libcudart.so on LD_LIBRARY_PATH "
            + "or -Djna.library.path; the plan for this run is " + ByteSize.gib(plan.train().bytes()));
      }
      what = "memory in use on " + deviceName() + " after training (libtorch's caching allocator keeps its peak)";
    } else {
      measured = PeakMemory.processPeakBytes();
      what = PeakMemory.resetWorked() ? "process peak RSS of the device run" : "process peak RSS (reference run included)";
    }
    Map<String, Object> figs = Map.of("measured_bytes", measured, "plan_bytes", plan.train().bytes());
    if (measured <= 0) {
      return new Check("memory", Check.Status.SKIP, "peak memory could not be read here", "", figs);
    }
    double ratio = (double) measured / plan.train().bytes();
    String summary = String.format(Locale.ROOT, "%s %s vs ltm plan's %s (%.0f%%)", what, ByteSize.gib(measured),
        ByteSize.gib(plan.train().bytes()), 100 * ratio);
    if (Math.abs(ratio - 1) > MEMORY_TOL) {
      return new Check("memory", Check.Status.WARN, summary, "the plan is off by more than " + Math.round(MEMORY_TOL * 100)
          + "% on this machine: leave that much headroom when ./ltm plan says a run fits", figs);
    }
    return Check.pass("memory", summary, figs);
  }

  // ---------------------------------------------------------------- work

  private double[] train(LoraModel m, TrainingBatch batch, long[] stepNanos) {
    LoraAdapter a = m.create("doctor", LoraConfig.builder().optR(16).optLoraAlpha(32).optLoraDropout(0)
        .optTargetModules(new TargetModules.AllLinear()).build(), 5);
    a.setTrainable(true);
    DecoderLanguageModel lm = new DecoderLanguageModel(m);
    double[] losses = new double[steps];
    float denom = batch.predictedTokens();
    try (var use = m.use(a.name()); AdamW opt = new AdamW(AdamWConfig.DEFAULT, a.parameters(), a.manager())) {
      for (int s = 0; s < steps; s++) {
        long t0 = System.nanoTime();
        Gradients.zero(a.parameters().values());
        try (NDManager scope = a.manager().newSubManager()) {
          losses[s] = lm.forwardBackward(scope, batch, denom) / denom;
        }
        Gradients.clipGlobalNorm(a.parameters(), 1.0);
        opt.step(quick ? 5e-2 : 1e-3);
        if (stepNanos != null) {
          stepNanos[s] = System.nanoTime() - t0;
        }
      }
    } finally {
      m.detach(a.name());
    }
    return losses;
  }

  /** Log-probability of each token after the first under the model, f64 from f32 logits. */
  static double[] logprobs(Decoder d, int[] ids) {
    try (NDManager scope = d.manager().newSubManager()) {
      NDArray logits = d.forward(scope, DecoderInput.of(ids), null, false); // (1, T, V)
      NDArray logp = logits.toType(DataType.FLOAT32, false).logSoftmax(-1); // (1, T, V)
      float[] all = logp.get("0").toType(DataType.FLOAT32, false).toFloatArray(); // (T * V)
      int v = d.config().vocabSize();
      double[] out = new double[ids.length - 1];
      for (int i = 0; i + 1 < ids.length; i++) {
        out[i] = all[i * v + ids[i + 1]];
      }
      return out;
    }
  }

  private static void forwardLastLogits(Decoder d, DecoderInput in) {
    try (NDManager scope = d.manager().newSubManager()) {
      d.forward(scope, in, null, true).toType(DataType.FLOAT32, false).max().getFloat(); // syncs the device
    }
  }

  private static int argmaxLast(Decoder d, NDManager parent, DecoderInput in, KvCache cache) {
    try (NDManager scope = parent.newSubManager()) {
      NDArray logits = d.forward(scope, in, cache, true); // (1, 1, V)
      return (int) logits.argMax().getLong();
    }
  }

  private int matmulN() {
    return quick ? 256 : device.isGpu() ? 8192 : 2048;
  }

  /** Matmul throughput of this device in the weights' type, GFLOP/s. */
  private double matmulGflops(boolean f16) {
    int n = matmulN();
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
      NDArray b = m.randomUniform(-1, 1, new Shape(n, n));
      if (f16) {
        a = a.toType(DataType.FLOAT16, false);
        b = b.toType(DataType.FLOAT16, false);
      }
      a.matMul(b).getScalar(0, 0).toType(DataType.FLOAT32, false).getFloat(); // warm up, sync
      int reps = quick ? 2 : device.isGpu() ? 20 : 4;
      long t0 = System.nanoTime();
      NDArray c = null;
      for (int i = 0; i < reps; i++) {
        if (c != null) {
          c.close();
        }
        c = a.matMul(b);
      }
      c.getScalar(0, 0).toType(DataType.FLOAT32, false).getFloat();
      double sec = (System.nanoTime() - t0) / 1e9;
      return 2.0 * n * n * n * reps / sec / 1e9;
    }
  }

  private long readBytes() {
    return quick ? (32L << 20) : device.isGpu() ? (2L << 30) : (512L << 20);
  }

  /** Read bandwidth of this device: a sum over a large array (reads it once, writes nothing), GB/s. */
  private double readGBps() {
    long floats = readBytes() / 4;
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray a = m.ones(new Shape(floats));
      a.sum().getFloat(); // warm up, sync
      int reps = quick ? 2 : 5;
      long t0 = System.nanoTime();
      float acc = 0;
      for (int i = 0; i < reps; i++) {
        acc += a.sum().getFloat(); // reading the scalar back syncs the device
      }
      double sec = (System.nanoTime() - t0) / 1e9;
      return acc > 0 ? 4.0 * floats * reps / sec / 1e9 : Double.NaN;
    }
  }

  private Path writeRandomModel() throws IOException {
    Files.createDirectories(workDir);
    ModelConfig shape = quick
        ? ModelConfig.builder(ModelType.QWEN3).hiddenSize(64).intermediateSize(128).numLayers(2).numHeads(4).numKvHeads(2)
            .headDim(16).maxPositionEmbeddings(4096).eosTokenIds(List.of(151645)).build()
        : CheckpointPreset.QWEN3_0_6B.config();
    Path dir = workDir.resolve(quick ? "doctor-tiny-qwen3" : "doctor-qwen3-0.6b");
    if (!Files.exists(dir.resolve("config.json"))) {
      RandomCheckpointWriter.builder(shape).dtype(TensorDType.BF16).seed(17).withoutTokenizer().build().write(dir);
    }
    return dir;
  }

  static int[] randomIds(int n, int vocab, long seed) {
    Random r = new Random(seed);
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = r.nextInt(Math.min(vocab, 151_000));
    }
    return ids;
  }

  private static TrainingBatch batch(int[] ids) {
    int n = ids.length;
    int[] pos = new int[n];
    int[] seg = new int[n];
    for (int i = 0; i < n; i++) {
      pos[i] = i;
      seg[i] = 1;
    }
    return new TrainingBatch(1, n, ids.clone(), ids.clone(), pos, seg);
  }

  private List<Check> skipRest(List<Check> checks, String why) {
    List<Check> out = new ArrayList<>(checks);
    for (String n : List.of("devices", "limits", "score", "prefill", "decode", "train", "memory")) {
      if (out.stream().noneMatch(c -> c.name().equals(n))) {
        out.add(Check.skip(n, "skipped: " + why));
      }
    }
    return out;
  }

  private String libtorchFix() {
    if (device.isGpu()) {
      return "DJL needs a CUDA libtorch and a libdjl_torch.so JNI built for that exact libtorch: either build ltm with -Pcuda "
          + "(DJL then downloads both once, needs network), or point PYTORCH_LIBRARY_PATH at torch/lib of a CUDA PyTorch "
          + "(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__)+\"/lib\")') with PYTORCH_VERSION and "
          + "PYTORCH_FLAVOR set and the JNI built for it in that folder or DJL's cache (gpu/bundle.sh and docs/doctor.md show how)";
    }
    return "ltm's jars carry the CPU libtorch (pytorch-native-cpu): rebuild with mvn -DskipTests package; if "
        + "PYTORCH_LIBRARY_PATH is set, unset it or point it at a libtorch matching DJL 0.36.0's JNI (2.7.1)";
  }

  private String deviceName() {
    return device.isGpu() ? "cuda:" + device.getDeviceId() : "cpu";
  }

  private static String libtorchPath() {
    try {
      return ai.djl.pytorch.jni.LibUtils.getLibtorchPath();
    } catch (RuntimeException | LinkageError e) {
      return "unknown";
    }
  }

  /** The flavour from DJL's cache folder name (e.g. 2.7.1-cpu-precxx11-linux-x86_64), PYTORCH_FLAVOR, or the GPU count. */
  static String flavour(String path, Engine engine) {
    String env = System.getenv("PYTORCH_FLAVOR");
    if (env != null && !env.isBlank()) {
      return env;
    }
    String dir = Path.of(path).getFileName() == null ? path : Path.of(path).getFileName().toString();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\d+\\.\\d+\\.\\d+-(.+?)-(linux|osx|win).*").matcher(dir);
    if (m.matches()) {
      return m.group(1);
    }
    return engine.getGpuCount() > 0 ? "cuda (from PYTORCH_LIBRARY_PATH)" : "cpu (from PYTORCH_LIBRARY_PATH)";
  }

  private static String firstLine(String s) {
    int i = s.indexOf('\n');
    return i < 0 ? s : s.substring(0, i);
  }

  /** Builds a {@link Doctor}. Not thread-safe. */
  public static final class Builder {
    private Device device;
    private Path base;
    private Path workDir = Path.of(System.getProperty("java.io.tmpdir"), "ltm-doctor");
    private boolean quick;
    private int seqLen;
    private int steps;

    private Builder() {}

    /** @param d the device to check (required) @return this */
    public Builder setDevice(Device d) { device = Objects.requireNonNull(d, "device"); return this; }
    /** @param p the user's own model folder (default: a random Qwen3 written to the work folder) @return this */
    public Builder optBase(Path p) { base = p; return this; }
    /** @param p where the random model is written (default: TMPDIR/ltm-doctor) @return this */
    public Builder optWorkDir(Path p) { workDir = Objects.requireNonNull(p, "workDir"); return this; }
    /** @param q a tiny model and short runs, seconds on the CPU (default false: the Qwen3-0.6B shape) @return this */
    public Builder optQuick(boolean q) { quick = q; return this; }
    /** @param n tokens per scored/trained sequence (default 512; 32 when quick) @return this */
    public Builder optSeqLen(int n) { seqLen = n; return this; }
    /** @param n training steps (default 4; 3 when quick) @return this */
    public Builder optSteps(int n) { steps = n; return this; }

    /** @return the doctor @throws IllegalArgumentException for a missing device or bad sizes */
    public Doctor build() {
      if (device == null) {
        throw new IllegalArgumentException("device is required (cpu, cuda or cuda:N)");
      }
      if (seqLen < 0 || seqLen == 1 || steps < 0 || steps == 1) {
        throw new IllegalArgumentException("--seq must be at least 2 and --steps at least 2 (one warm-up step) but got "
            + seqLen + ", " + steps);
      }
      return new Doctor(this);
    }
  }
}
