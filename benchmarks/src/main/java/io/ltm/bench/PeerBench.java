package io.ltm.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.LoadOptions;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.model.Decoder;
import io.ltm.lora.model.DecoderInput;
import io.ltm.lora.model.KvCache;
import io.ltm.lora.plan.AllocatorEnvironment;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * ltm against llama.cpp on the CPU, same checkpoint (our safetensors directory and its GGUF), side by
 * side: prefill of 512 tokens and decode of 128 tokens, tokens/s, at each thread count, several rounds
 * alternating the two engines (ltm first in rounds 1, 3, ..., llama.cpp first in rounds 2, 4, ...), and the table
 * {@code threads | prefill ltm / llama.cpp | decode ltm / llama.cpp} with each side's min–max and the
 * median of the per-round ratios. Without a llama.cpp build it says so and measures ltm alone.
 *
 * <p>Run (docs/benchmarks.md, "Peer: llama.cpp"): {@code benchmarks/run PeerBench --llama-bench
 * PATH --gguf FILE [--model DIR] [--rounds N] [--threads 1,2] [--prefill 512] [--new 128] --out FILE.md}.
 * ltm loads the model as {@code ltm generate} does: a bf16 checkpoint keeps its matrices in bf16, to compare
 * with a bf16 or f16 GGUF of it ({@code --model benchmarks/target/qwen3-0.6b-bf16}, written on first use;
 * {@code hf_to_gguf.py ... --outtype bf16}).
 *
 * <p>libtorch's thread count is fixed per process, so each thread count runs in its own child JVM
 * (this JVM's options plus {@code -Dai.djl.pytorch.num_threads=T}, {@code OMP_NUM_THREADS=T}); the
 * child loads the model once and, in each round, measures ltm (through {@link Decoder#forward} into a
 * {@link KvCache} for prefill, {@link LocalModel#generator()} greedy for decode, as {@link EngineBench})
 * and runs {@code llama-bench -p 512 -n 128 -t T -r 1 -o json}. {@code --in-process} measures in this
 * JVM instead (its own thread settings; for tests and quick looks).
 */
public final class PeerBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Path DEFAULT_MODEL = Path.of("benchmarks", "target", "qwen3-0.6b-f32");
  /** The same shape in bf16 (written on first use): ltm keeps its matrices in bf16, against a bf16/f16 GGUF. */
  static final Path DEFAULT_BF16_MODEL = Path.of("benchmarks", "target", "qwen3-0.6b-bf16");

  private PeerBench() {}

  /** The harness's settings, checked. */
  record Options(Path llamaBench, Path gguf, Path model, int rounds, List<Integer> threads, int prefill,
      int newTokens, int depth, Path out, boolean inProcess, List<String> llamaArgs, boolean bf16Matmul,
      boolean halfKvCache) {
    Options {
      Objects.requireNonNull(model, "model");
      threads = List.copyOf(threads);
      llamaArgs = List.copyOf(llamaArgs);
      if (rounds < 1 || prefill < 1 || newTokens < 2 || depth < 0 || threads.isEmpty()) {
        throw new IllegalArgumentException("--rounds, --prefill must be >= 1, --new >= 2, --depth >= 0, --threads not empty");
      }
      for (int t : threads) {
        if (t < 1) {
          throw new IllegalArgumentException("--threads: " + t + " is not a thread count (use e.g. 1,2)");
        }
      }
    }

    /** Whether a llama.cpp build was given and exists. */
    boolean hasPeer() {
      return llamaBench != null && Files.isExecutable(llamaBench);
    }

    /** One line saying why llama.cpp is not measured, or null when it is. */
    String noPeerReason() {
      if (llamaBench == null) {
        return "no llama.cpp build given (--llama-bench PATH): measuring ltm alone";
      }
      if (!Files.isExecutable(llamaBench)) {
        return "no llama-bench executable at " + llamaBench + ": measuring ltm alone "
            + "(build it: docs/benchmarks.md, \"Peer: llama.cpp\")";
      }
      return null;
    }

    static Options parse(String[] args) {
      Path llama = null;
      Path gguf = null;
      Path model = DEFAULT_MODEL;
      int rounds = 3;
      int cores = Runtime.getRuntime().availableProcessors();
      List<Integer> threads = cores > 1 ? List.of(1, cores) : List.of(1);
      int prefill = 512;
      int newTokens = 128;
      int depth = 0;
      Path out = null;
      boolean inProcess = false;
      List<String> llamaArgs = List.of();
      boolean bf16Matmul = false;
      boolean halfKvCache = false;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--in-process") || a.equals("--bf16-matmul")) {
          inProcess |= a.equals("--in-process");
          bf16Matmul |= a.equals("--bf16-matmul");
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "--llama-bench" -> llama = Path.of(v);
          case "--gguf" -> gguf = Path.of(v);
          case "--model" -> model = Path.of(v);
          case "--rounds" -> rounds = Integer.parseInt(v);
          case "--threads" -> threads = Arrays.stream(v.split(",")).map(String::trim).map(Integer::valueOf).toList();
          case "--prefill" -> prefill = Integer.parseInt(v);
          case "--new" -> newTokens = Integer.parseInt(v);
          case "--depth" -> depth = Integer.parseInt(v);
          case "--out" -> out = Path.of(v);
          case "--llama-args" -> llamaArgs = v.isBlank() ? List.of() : List.of(v.trim().split("\\s+"));
          case "--kv-cache" -> {
            if (!v.equals("f32") && !v.equals("f16")) {
              throw new IllegalArgumentException("--kv-cache must be f32 or f16 but got " + v);
            }
            halfKvCache = v.equals("f16");
          }
          default -> throw new IllegalArgumentException("unknown argument " + a + " (PeerBench --llama-bench PATH "
              + "--gguf FILE [--model DIR] [--rounds N] [--threads 1,2] [--prefill 512] [--new 128] [--depth 2048] [--in-process] "
              + "[--llama-args \"-fa off\"] [--bf16-matmul] [--kv-cache f32|f16] --out FILE.md)");
        }
      }
      Options o = new Options(llama, gguf, model, rounds, threads, prefill, newTokens, depth, out, inProcess, llamaArgs,
          bf16Matmul, halfKvCache);
      if (o.hasPeer() && (gguf == null || !Files.isRegularFile(gguf))) {
        throw new IllegalArgumentException(gguf == null
            ? "--llama-bench needs --gguf FILE, the GGUF of the same checkpoint (docs/benchmarks.md, \"Peer: llama.cpp\")"
            : "--gguf " + gguf + ": no such file (make it with convert_hf_to_gguf.py or benchmarks/peer/hf_to_gguf.py)");
      }
      return o;
    }
  }

  /**
   * One round of one engine at one thread count: prefill and decode tokens/s, decode tokens/s after a long prompt
   * ({@code --depth}; 0 when not measured), and the cores the process kept busy (CPU time / wall time): ltm's during
   * prefill and decode; llama-bench's over its whole process (both the same figure); 0 when not measured.
   */
  record Sample(String engine, int threads, int round, double prefillTps, double decodeTps, double deepDecodeTps,
      double prefillCores, double decodeCores) {
    static final String LTM = "ltm";
    static final String LLAMA = "llama.cpp";

    /** A sample without the decode after a long prompt. */
    Sample(String engine, int threads, int round, double prefillTps, double decodeTps, double prefillCores,
        double decodeCores) {
      this(engine, threads, round, prefillTps, decodeTps, 0, prefillCores, decodeCores);
    }

    Sample {
      if (!engine.equals(LTM) && !engine.equals(LLAMA)) {
        throw new IllegalArgumentException("engine " + engine);
      }
      if (!(prefillTps > 0) || !(decodeTps > 0) || !(deepDecodeTps >= 0)) {
        throw new IllegalArgumentException(engine + " round " + round + ": tokens/s " + prefillTps + ", " + decodeTps
            + ", " + deepDecodeTps);
      }
    }
  }

  /** What one child JVM (one thread count) reports back. */
  record WorkerReport(int threads, String libtorch, String llamaBuild, String llamaModel, String llamaSettings,
      String cpu, double loadBefore, double loadAfter, List<Sample> samples) {}

  public static void main(String[] args) throws IOException, InterruptedException {
    int worker = -1;
    Path samplesFile = null;
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--worker-threads" -> worker = Integer.parseInt(args[++i]);
        case "--samples" -> samplesFile = Path.of(args[++i]);
        default -> rest.add(args[i]);
      }
    }
    Options o = Options.parse(rest.toArray(String[]::new));
    if (worker > 0) { // child JVM: one thread count, results as JSON
      writeAtomically(samplesFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(measure(o, worker)));
      return;
    }
    System.out.print(run(o, rest));
  }

  /** Runs every thread count (child JVMs unless {@code --in-process}) and returns the Markdown report. */
  static String run(Options o, List<String> args) throws IOException, InterruptedException {
    String reason = o.noPeerReason();
    if (reason != null) {
      EngineBench.log("%s", reason);
    }
    if (!Files.isRegularFile(o.model().resolve("config.json"))) {
      if (!o.model().equals(DEFAULT_MODEL) && !o.model().equals(DEFAULT_BF16_MODEL)) {
        throw new IllegalArgumentException("--model " + o.model() + ": no config.json (a Hugging Face checkpoint directory)");
      }
      TensorDType dtype = o.model().equals(DEFAULT_BF16_MODEL) ? TensorDType.BF16 : TensorDType.F32;
      RandomCheckpointWriter.builder(CheckpointPreset.QWEN3_0_6B).dtype(dtype).seed(1).build().write(o.model());
      EngineBench.log("wrote the Qwen3-0.6B-shaped random checkpoint (seed 1, %s) to %s", dtype, o.model());
    }
    Instant start = Instant.now();
    List<WorkerReport> reports = new ArrayList<>();
    for (int t : o.threads()) {
      reports.add(o.inProcess() ? measure(o, t) : measureInChild(o, t, args));
    }
    String md = report(o, reports, start, args);
    if (o.out() != null) {
      writeAtomically(o.out(), md);
      EngineBench.log("wrote %s", o.out());
    }
    return md;
  }

  /**
   * In this JVM: loads the model, warms it up, then for each round measures ltm and llama-bench in
   * alternating order at {@code threads} (llama-bench's {@code -t}; ltm's threads are this JVM's).
   */
  static WorkerReport measure(Options o, int threads) {
    double loadBefore = loadAverage();
    List<Sample> samples = new ArrayList<>();
    String build = "";
    String llamaModel = "";
    String cpu = "";
    String settings = "";
    // as `ltm generate` loads: a bf16 checkpoint's matrices stay bf16 (the GEMV reads 16 bits), f32 stays f32;
    // --bf16-matmul and --kv-cache f16 as generate's flags of those names
    LoadOptions load = LoadOptions.forGeneration(ai.djl.Device.cpu()).withBf16Matmul(o.bf16Matmul())
        .withKvCache(o.halfKvCache() ? io.ltm.lora.io.TensorDType.F16 : io.ltm.lora.io.TensorDType.F32);
    try (LocalModel model = LocalModel.open(o.model(), load)) {
      // warm-up as llama-bench warms up with a run of its test: two rounds of the measured sizes, so the JIT, the
      // allocator, the page cache and oneDNN's kernels for these shapes are ready (two: the second still gained).
      // The decode at its measured length too: with 4 warm-up tokens (until 2026-12-06) the first measured round's
      // 2-thread f32 prefill ran 119-130 tokens/s against 131-142 in the later rounds (the JIT still compiling the
      // decode path, presumably); with the whole decode in the warm-up, 149 (one run: 148.8, 129.3, 140.9)
      // With --depth, the second warm-up round decodes after the long prompt too (until 2026-12-07 neither did, and
      // the first round's two-thread decode after 2,048 tokens could run at half its later speed)
      for (int w = 0; w < 2; w++) {
        ltmRound(model, o.prefill(), o.newTokens(), w == 1 ? o.depth() : 0, threads, -1);
      }
      for (int r = 0; r < o.rounds(); r++) {
        for (int k = 0; k < 2; k++) {
          boolean ltmTurn = (k == 0) == (r % 2 == 0);
          if (ltmTurn) {
            Sample s = ltmRound(model, o.prefill(), o.newTokens(), o.depth(), threads, r);
            samples.add(s);
            EngineBench.log("round %d, %d threads, ltm: prefill %.1f tok/s, decode %.2f tok/s%s", r + 1, threads,
                s.prefillTps(), s.decodeTps(), deepLog(o, s));
          } else if (o.hasPeer()) {
            LlamaBenchResult.Run run = LlamaBenchResult.run(o.llamaBench(), o.gguf(), o.prefill(), o.newTokens(),
                threads, o.llamaArgs());
            List<LlamaBenchResult> res = run.tests();
            Sample s = llamaSample(res, threads, r, run.cores());
            if (o.depth() > 0) { // its tg test after a prompt of `depth` tokens (-d), no pp test (-p 0)
              List<String> deep = new ArrayList<>(o.llamaArgs());
              deep.addAll(List.of("-d", Integer.toString(o.depth())));
              double tg = generationTps(LlamaBenchResult.run(o.llamaBench(), o.gguf(), 0, o.newTokens(), threads,
                  deep).tests());
              s = new Sample(s.engine(), s.threads(), s.round(), s.prefillTps(), s.decodeTps(), tg, s.prefillCores(),
                  s.decodeCores());
            }
            samples.add(s);
            build = res.get(0).buildCommit();
            llamaModel = String.format(Locale.ROOT, "%s, %.2f GB", res.get(0).modelType(), res.get(0).modelBytes() / 1e9);
            cpu = res.get(0).cpuInfo();
            settings = res.get(0).settings();
            EngineBench.log("round %d, %d threads, llama.cpp: prefill %.1f tok/s, decode %.2f tok/s%s", r + 1,
                threads, s.prefillTps(), s.decodeTps(), deepLog(o, s));
          }
        }
      }
    }
    return new WorkerReport(threads, Engine.getEngine("PyTorch").getVersion(), build, llamaModel, settings, cpu, loadBefore,
        loadAverage(), samples);
  }

  /** ", after N tokens T" for the log line of a round with {@code --depth}, else "". */
  private static String deepLog(Options o, Sample s) {
    return o.depth() > 0 ? String.format(Locale.ROOT, ", after %d tokens %.2f", o.depth(), s.deepDecodeTps()) : "";
  }

  /** The tokens/s of the generation test among {@code res}, a llama-bench run with {@code -p 0}. */
  static double generationTps(List<LlamaBenchResult> res) {
    for (LlamaBenchResult x : res) {
      if (!x.isPrompt()) {
        return x.tokensPerSecond();
      }
    }
    throw new IllegalStateException("llama-bench printed no tg test (got " + res.size() + " entries)");
  }

  /** The prompt and generation tests of one llama-bench run as one sample; {@code cores}: the process's. */
  static Sample llamaSample(List<LlamaBenchResult> res, int threads, int round, double cores) {
    double pp = 0;
    double tg = 0;
    for (LlamaBenchResult x : res) {
      if (x.isPrompt()) {
        pp = x.tokensPerSecond();
      } else if (x.nPrompt() == 0) {
        tg = x.tokensPerSecond();
      }
    }
    if (pp == 0 || tg == 0) {
      throw new IllegalStateException("llama-bench printed no pp and tg test (got " + res.size() + " entries)");
    }
    return new Sample(Sample.LLAMA, threads, round, pp, tg, cores, cores);
  }

  /**
   * ltm: one prefill of {@code prefill} random tokens into a fresh KV cache, then a greedy decode after a 16-token
   * prompt, and when {@code depth > 0} one after a {@code depth}-token prompt.
   */
  static Sample ltmRound(LocalModel model, int prefill, int newTokens, int depth, int threads, int round) {
    Decoder d = model.decoder();
    int[] prompt = EngineBench.randomIds(prefill, 1);
    double seconds;
    long cpu0 = processCpuNanos();
    try (NDManager scope = d.manager().newSubManager(); KvCache cache = d.newCache(1, prefill)) {
      long t = System.nanoTime();
      d.forward(scope, DecoderInput.of(prompt), cache, true).toFloatArray(); // logits of the last position
      seconds = (System.nanoTime() - t) / 1e9;
    }
    long cpu1 = processCpuNanos();
    long t1 = System.nanoTime();
    double msPerToken = EngineBench.decodeMsPerToken(model, newTokens); // after EngineBench's 16-token prompt
    double decodeWall = (System.nanoTime() - t1) / 1e9;
    long cpu2 = processCpuNanos();
    double deep = depth > 0 ? 1000 / EngineBench.decodeMsPerToken(model, newTokens, depth) : 0;
    return new Sample(Sample.LTM, threads, round, prefill / seconds, 1000 / msPerToken, deep,
        (cpu1 - cpu0) / 1e9 / seconds, (cpu2 - cpu1) / 1e9 / decodeWall);
  }

  /** CPU time of this process, all threads (JVM, libtorch, GEMV pool), in ns; 0 where unavailable. */
  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? Math.max(0, os.getProcessCpuTime()) : 0;
  }

  /** Runs {@link #measure} in a child JVM with libtorch (and the GEMV) at {@code threads} threads. */
  static WorkerReport measureInChild(Options o, int threads, List<String> args) throws IOException, InterruptedException {
    Path samples = Files.createTempFile("peerbench-" + threads + "t-", ".json");
    try {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments()); // -Xmx, -D..., --add-modules
      cmd.add("-Dai.djl.pytorch.num_threads=" + threads); // last -D wins: overrides LTM_BENCH_JAVA_OPTS
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(PeerBench.class.getName());
      cmd.addAll(args);
      cmd.addAll(List.of("--worker-threads", Integer.toString(threads), "--samples", samples.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
      pb.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
      pb.environment().put("MKL_NUM_THREADS", Integer.toString(threads));
      EngineBench.log("%d threads: child JVM (-Dai.djl.pytorch.num_threads=%d, OMP_NUM_THREADS=%d)", threads, threads, threads);
      int rc = pb.start().waitFor();
      if (rc != 0) {
        throw new IllegalStateException("the " + threads + "-thread child JVM exited with " + rc + " (see its log above)");
      }
      return JSON.readValue(samples.toFile(), WorkerReport.class);
    } finally {
      Files.deleteIfExists(samples);
    }
  }

  /** The Markdown report: the ratio table, then every round. */
  static String report(Options o, List<WorkerReport> reports, Instant start, List<String> args) {
    StringBuilder md = new StringBuilder();
    String reason = o.noPeerReason();
    md.append("PeerBench: ltm vs llama.cpp on the CPU, same checkpoint, prefill ").append(o.prefill())
        .append(" tokens and decode ").append(o.newTokens()).append(" tokens, ").append(o.rounds())
        .append(" alternating rounds per thread count.\n\n");
    if (reason != null) {
      md.append("**").append(reason).append(".**\n\n");
    }
    boolean deep = o.depth() > 0;
    md.append("| threads | prefill ").append(o.prefill()).append(", ltm / llama.cpp | decode, ltm / llama.cpp |")
        .append(deep ? " decode after " + o.depth() + " tokens, ltm / llama.cpp |" : "").append("\n");
    md.append(deep ? "|---|---|---|---|\n" : "|---|---|---|\n");
    for (WorkerReport w : reports) {
      md.append("| ").append(w.threads()).append(" | ").append(cell(w.samples(), true)).append(" | ")
          .append(cell(w.samples(), false)).append(" |")
          .append(deep ? " " + cell(w.samples(), Sample::deepDecodeTps) + " |" : "").append("\n");
    }
    md.append("\nEach cell: ltm's min–max / llama.cpp's min–max over the rounds, tokens/s; then the median of the "
        + "per-round ratios ltm / llama.cpp (and their min–max). ltm's decode is greedy through the generator after a "
        + "16-token prompt (sampling included: the logprob/entropy pass over the vocabulary); llama-bench's tg test "
        + "decodes from an empty context without sampling. ltm's prefill is one `Decoder.forward` of the prompt into a "
        + "fresh KV cache, logits of the last position; llama-bench's pp test is one batch of the same size. Each "
        + "warms up first: ltm with two rounds of the same sizes" + (deep ? " (the second also after the long prompt)" : "")
        + ", llama-bench with its own warm-up run."
        + (deep ? " After " + o.depth() + " tokens: ltm decodes after a prompt of that many random tokens (its prefill "
            + "not timed), llama-bench runs its tg test with `-d " + o.depth() + " -p 0`, a second llama-bench process "
            + "in the same round." : "") + "\n\n");
    md.append("Every round, tokens/s, and the cores each process kept busy (CPU time / wall time: ltm's during "
        + "prefill / decode, llama-bench's over its whole process, load and warm-up included). The cores check the "
        + "thread setting and show what other jobs took: a core shared with another job counts < 1.\n\n");
    md.append("| round | threads | ltm prefill | llama.cpp prefill | ltm decode | llama.cpp decode |")
        .append(deep ? " ltm decode after " + o.depth() + " | llama.cpp decode after " + o.depth() + " |" : "")
        .append(" ltm cores, prefill / decode | llama-bench cores |\n");
    md.append(deep ? "|---|---|---|---|---|---|---|---|---|---|\n" : "|---|---|---|---|---|---|---|---|\n");
    for (WorkerReport w : reports) {
      for (int r = 0; r < o.rounds(); r++) {
        Sample l = find(w.samples(), Sample.LTM, r);
        Sample p = find(w.samples(), Sample.LLAMA, r);
        md.append(String.format(Locale.ROOT, "| %d%s | %d | %s | %s | %s | %s |%s %s | %s |%n", r + 1,
            r % 2 == 0 ? " (ltm first)" : " (llama.cpp first)", w.threads(), tps(l, true), tps(p, true),
            tps(l, false), tps(p, false), deep ? " " + tps(l, Sample::deepDecodeTps) + " | "
                + tps(p, Sample::deepDecodeTps) + " |" : "", l == null ? "—" : String.format(Locale.ROOT, "%.2f / %.2f",
                l.prefillCores(), l.decodeCores()), p == null ? "—" : String.format(Locale.ROOT, "%.2f",
                p.prefillCores())));
      }
    }
    md.append("\n");
    WorkerReport first = reports.get(0);
    AllocatorEnvironment allocator = AllocatorEnvironment.current(); // ltm-env.sh; docs/engine.md "Memory pages"
    md.append("- ltm: `").append(o.model()).append("`, libtorch ").append(first.libtorch())
        .append(o.bf16Matmul() ? ", `--bf16-matmul` (prefill multiplies bf16 weights in bf16)" : "")
        .append(o.halfKvCache() ? ", `--kv-cache f16`" : "")
        .append("; each thread count in its own JVM (`-Dai.djl.pytorch.num_threads=T`, `OMP_NUM_THREADS=T`)")
        .append(o.inProcess() ? " — here `--in-process`: all in one JVM, its own thread settings" : "")
        .append("; allocator: ").append(allocator.isLtmEnv() ? "huge pages as ./ltm runs" : "glibc's and libtorch's defaults")
        .append(" (").append(allocator.describe()).append(").\n");
    if (reason == null) {
      md.append("- llama.cpp: `").append(o.llamaBench()).append("` build ").append(first.llamaBuild()).append(", `")
          .append(o.gguf()).append("` (").append(first.llamaModel()).append("), `-p ").append(o.prefill())
          .append(" -n ").append(o.newTokens()).append(" -t T -r 1 -o json")
          .append(o.llamaArgs().isEmpty() ? "" : " " + String.join(" ", o.llamaArgs())).append("` per round; ")
          .append(first.llamaSettings()).append(" (ltm's KV cache is ").append(o.halfKvCache() ? "f16" : "f32").append(").\n");
      md.append("- CPU: ").append(first.cpu()).append(".\n");
    }
    md.append(String.format(Locale.ROOT, "- Machine: %d cores; load average %s (before, after each thread count); "
        + "started %s, %.1f min. Shared machine: read the ratios and their spread, not the absolute figures.%n",
        Runtime.getRuntime().availableProcessors(), loads(reports), start.truncatedTo(ChronoUnit.SECONDS),
        (Instant.now().toEpochMilli() - start.toEpochMilli()) / 60000.0));
    String javaOpts = System.getenv("LTM_BENCH_JAVA_OPTS"); // e.g. -Dltm.gemv.threads=1: part of what was measured
    md.append("- Command: `").append(javaOpts == null || javaOpts.isBlank() ? "" : "LTM_BENCH_JAVA_OPTS=\"" + javaOpts.trim() + "\" ")
        .append("benchmarks/run PeerBench ").append(String.join(" ", args)).append("`\n");
    return md.toString();
  }

  /** "69–74 / 72–73 tok/s: 0.99x (0.95–1.02)", or ltm's range alone without llama.cpp samples. */
  static String cell(List<Sample> samples, boolean prefill) {
    return cell(samples, prefill ? Sample::prefillTps : Sample::decodeTps);
  }

  /** As {@link #cell(List, boolean)} for the measure {@code m} of each sample. */
  static String cell(List<Sample> samples, ToDoubleFunction<Sample> m) {
    List<Double> ltm = values(samples, Sample.LTM, m);
    List<Double> peer = values(samples, Sample.LLAMA, m);
    if (ltm.isEmpty()) {
      return "—";
    }
    if (peer.isEmpty()) {
      return range(ltm) + " / — tok/s (no llama.cpp)";
    }
    List<Double> ratios = new ArrayList<>();
    for (Sample l : samples) {
      Sample p = l.engine().equals(Sample.LTM) ? find(samples, Sample.LLAMA, l.round()) : null;
      if (p != null) {
        ratios.add(m.applyAsDouble(l) / m.applyAsDouble(p));
      }
    }
    return String.format(Locale.ROOT, "%s / %s tok/s: **%.2fx** (%s)", range(ltm), range(peer),
        EngineBench.median(ratios), range2(ratios));
  }

  private static List<Double> values(List<Sample> samples, String engine, ToDoubleFunction<Sample> m) {
    List<Double> v = new ArrayList<>();
    for (Sample s : samples) {
      if (s.engine().equals(engine)) {
        v.add(m.applyAsDouble(s));
      }
    }
    return v;
  }

  private static Sample find(List<Sample> samples, String engine, int round) {
    for (Sample s : samples) {
      if (s.engine().equals(engine) && s.round() == round) {
        return s;
      }
    }
    return null;
  }

  private static String range(List<Double> v) {
    double lo = Collections.min(v);
    double hi = Collections.max(v);
    String f = hi >= 20 ? "%.0f" : "%.1f";
    return String.format(Locale.ROOT, f + "–" + f, lo, hi);
  }

  private static String range2(List<Double> v) {
    return String.format(Locale.ROOT, "%.2f–%.2f", Collections.min(v), Collections.max(v));
  }

  private static String tps(Sample s, boolean prefill) {
    return tps(s, prefill ? Sample::prefillTps : Sample::decodeTps);
  }

  private static String tps(Sample s, ToDoubleFunction<Sample> m) {
    return s == null ? "—" : String.format(Locale.ROOT, "%.2f", m.applyAsDouble(s));
  }

  private static String loads(List<WorkerReport> reports) {
    Map<Integer, String> m = new LinkedHashMap<>();
    for (WorkerReport w : reports) {
      m.put(w.threads(), String.format(Locale.ROOT, "%.1f → %.1f", w.loadBefore(), w.loadAfter()));
    }
    List<String> parts = new ArrayList<>();
    m.forEach((t, s) -> parts.add(t + "T: " + s));
    return String.join(", ", parts);
  }

  static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1; // not Linux
    }
  }

  private static void writeAtomically(Path out, String text) throws IOException {
    Path parent = out.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, out.getFileName().toString(), ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
