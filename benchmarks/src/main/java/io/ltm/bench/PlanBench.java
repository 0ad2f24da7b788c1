package io.ltm.bench;

import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.ModelConfig;
import io.ltm.lora.io.ModelType;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.plan.AllocatorEnvironment;
import io.ltm.lora.plan.MemoryPlan;
import io.ltm.lora.plan.MemoryPlanner;
import io.ltm.lora.plan.PlanRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code ltm plan} checked against measurement: for each configuration, runs {@code ltm train} (one step,
 * the example scenes) in a child JVM exactly as {@code ./ltm} starts it, samples the child's peak RSS
 * ({@code VmHWM} in {@code /proc/PID/status}, the kernel's own high-water mark) until it exits, and prints
 * predicted against measured. Runs one child at a time. Prints a Markdown table (and writes it to {@code --out}).
 *
 * <p>Run from the repository root after {@code ./ltm --version} (which builds the CLI the children run).
 * Refit: {@code PlanBench --fit FILE.tsv [--calibration default|ltm-env] [--out FILE]} (the constants of those allocator
 * settings; by default this process's). Usage: {@code PlanBench [--rows 0.6b:512,0.6b:512:ckpt,0.6b:2048:ckpt,...] [--dir /tmp/x] [--out FILE]};
 * a row is {@code shape:max-len[:ckpt][:targets=q_proj,v_proj][:dropout=0][:noeval][:batch=2]}, shapes {@code 0.6b}, {@code 0.6b-4l}
 * (its first four layers), {@code 1.7b-4l}. Add {@code predict} to a row to predict without running it.
 */
public final class PlanBench {
  private PlanBench() {}

  public static void main(String[] args) throws Exception {
    if (Arrays.asList(args).contains("--fit")) {
      // the constants to refit: those of the file's allocator settings (default: this process's, as ./ltm's)
      String which = arg(args, "--calibration", AllocatorEnvironment.current().isLtmEnv() ? "ltm-env" : "default");
      fit(Path.of(arg(args, "--fit", "benchmarks/results/plan-measured.tsv")), calibrationNamed(which), arg(args, "--out", null));
      return;
    }
    Path dir = Path.of(arg(args, "--dir", System.getProperty("java.io.tmpdir") + "/ltm-plan-bench"));
    String rows = arg(args, "--rows", "0.6b:512,0.6b:512:ckpt,0.6b:2048:ckpt,0.6b:2048:predict");
    String out = arg(args, "--out", null);
    String javaOpts = System.getenv().getOrDefault("LTM_JAVA_OPTS", "-Xmx16g");
    StringBuilder t = new StringBuilder();
    t.append("| shape | max-len | checkpointing | targets | predicted GiB | peak at | measured peak RSS GiB | error |\n");
    t.append("|---|---:|---|---|---:|---|---:|---:|\n");
    for (String row : rows.split(",")) {
      Row r = Row.parse(row);
      List<String> f = r.flags;
      ModelConfig c = r.config;
      int len = r.request.maxLen();
      boolean ckpt = r.request.gradientCheckpointing();
      String targets = r.targets;
      String dropout = r.dropout;
      int batch = r.request.batch();
      PlanRequest req = r.request;
      MemoryPlan plan = MemoryPlanner.plan(c, req, Long.MAX_VALUE / 4, "bench");
      double predicted = plan.train().bytes() / (double) (1L << 30);
      String measured = "not run";
      String err = "";
      if (!f.contains("predict")) {
        Path model = dir.resolve("qwen3-" + f.get(0));
        if (!Files.exists(model.resolve("config.json"))) {
          RandomCheckpointWriter.builder(c).dtype(TensorDType.BF16).seed(1).build().write(model);
        }
        List<String> cmd = new ArrayList<>(List.of("java"));
        cmd.addAll(Arrays.asList(javaOpts.trim().split("\\s+")));
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "-Dai.djl.offline=true", "-Dfile.encoding=UTF-8",
            "-cp", cliClasspath(), "io.ltm.cli.LtmCli", "train", "--base", model.toString(),
            "--scenes", "examples/scenes", "--out", dir.resolve("run-" + row.replace(':', '_').replace('=', '-')).toString(),
            "--steps", "1", "--max-len", String.valueOf(len), "--batch", String.valueOf(batch), "--targets", targets, "--dropout", dropout, "--force"));
        if (ckpt) {
          cmd.add("--gradient-checkpointing");
        }
        if (f.contains("noeval")) {
          cmd.addAll(List.of("--validation", "0"));
        }
        deleteRecursively(dir.resolve("run-" + row.replace(':', '_').replace('=', '-')));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(dir.resolve("log-" + row.replace(':', '_').replace('=', '-') + ".txt").toFile());
        pb.environment().putIfAbsent("OMP_WAIT_POLICY", "PASSIVE");
        Process p = pb.start();
        long hwm = 0;
        Path status = Path.of("/proc/" + p.pid() + "/status");
        while (p.isAlive()) {
          hwm = Math.max(hwm, vmHwmKb(status));
          Thread.sleep(200);
        }
        int rc = p.waitFor();
        double gib = hwm / 1024.0 / 1024.0;
        measured = rc == 0 ? String.format(Locale.ROOT, "%.2f", gib) : "failed (exit " + rc + ")";
        err = rc == 0 ? String.format(Locale.ROOT, "%+.1f%%", 100 * (predicted - gib) / gib) : "";
      }
      t.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %.2f | %s | %s | %s |%n", f.get(0), len, ckpt ? "yes" : "no",
          targets + (dropout.equals("0.05") ? "" : ", dropout " + dropout) + (f.contains("noeval") ? ", no evaluation" : "") + (batch > 1 ? ", batch " + batch : ""), predicted, plan.train().peakAt(), measured, err));
      System.err.print(t.substring(t.lastIndexOf("| " + f.get(0))));
    }
    System.out.print(t);
    if (out != null) {
      Files.writeString(Path.of(out), t.toString());
    }
  }

  /**
   * A row spec {@code shape:max-len[:ckpt][:targets=a+b][:dropout=D][:noeval][:batch=N][:predict]} as the
   * model's config and the request {@code ltm train} gets for it.
   */
  record Row(String spec, List<String> flags, ModelConfig config, PlanRequest request, String targets, String dropout) {
    static Row parse(String spec) {
      List<String> f = Arrays.asList(spec.split(":"));
      String targets = f.stream().filter(s -> s.startsWith("targets=")).map(s -> s.substring(8).replace('+', ','))
          .findFirst().orElse("all-linear");
      String dropout = f.stream().filter(s -> s.startsWith("dropout=")).map(s -> s.substring(8)).findFirst().orElse("0.05");
      int batch = Integer.parseInt(f.stream().filter(x -> x.startsWith("batch=")).map(x -> x.substring(6)).findFirst().orElse("1"));
      PlanRequest req = PlanRequest.builder().optMaxLen(Integer.parseInt(f.get(1))).optBatch(batch)
          .optGradientCheckpointing(f.contains("ckpt")).optTargets(TargetModules.parseCommaSeparated(targets))
          .optDropout(Double.parseDouble(dropout)).optEvaluation(!f.contains("noeval")).build();
      return new Row(spec, f, shape(f.get(0)), req, targets, dropout);
    }
  }

  /**
   * Refits {@link MemoryPlanner.Calibration} to the measured rows of {@code measured} (TSV: row spec, measured
   * peak RSS GiB, role {@code fit} or {@code check}): all five constants by coordinate descent on the largest relative error over the {@code fit} rows.
   * Prints every row under the current and the refitted constants.
   */
  static void fit(Path measured, MemoryPlanner.Calibration now, String out) throws IOException {
    List<Row> rows = new ArrayList<>();
    List<Double> gib = new ArrayList<>();
    List<Boolean> fitRow = new ArrayList<>();
    for (String line : Files.readAllLines(measured)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] col = line.split("\t");
      rows.add(Row.parse(col[0].trim()));
      gib.add(Double.parseDouble(col[1].trim()));
      fitRow.add(col[2].trim().equals("fit"));
    }
    double[] x = {now.lossLogitCopies(), now.activationFactor(), now.evalLogitCopies(), now.retainedAttentionBytes(),
        now.layerSlack()};
    double[] stepSize = {0.5, 0.2, 0.5, 0.5, 0.2};
    double best = worst(rows, gib, fitRow, calibration(now, x));
    for (int round = 0; round < 60; round++) {
      boolean moved = false;
      for (int i = 0; i < x.length; i++) {
        for (double sign : new double[] {1, -1}) {
          double[] y = x.clone();
          y[i] = Math.max(0, y[i] + sign * stepSize[i]);
          double e = worst(rows, gib, fitRow, calibration(now, y));
          if (e < best - 1e-9) {
            best = e;
            x = y;
            moved = true;
          }
        }
      }
      if (!moved) {
        for (int i = 0; i < stepSize.length; i++) {
          stepSize[i] /= 2;
        }
      }
    }
    MemoryPlanner.Calibration fitted = calibration(now, x);
    StringBuilder t = new StringBuilder();
    t.append(String.format(Locale.ROOT, "current: %s%nrefitted: %s (largest |error| over fit rows %.1f%%)%n%n", now, fitted, 100 * best));
    t.append("| row | role | measured GiB | current plan GiB | error | refitted plan GiB | error |\n|---|---|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < rows.size(); i++) {
      double a = predictGib(rows.get(i), now);
      double b = predictGib(rows.get(i), fitted);
      t.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %+.1f%% | %.2f | %+.1f%% |%n", rows.get(i).spec(),
          fitRow.get(i) ? "fit" : "check", gib.get(i), a, 100 * (a - gib.get(i)) / gib.get(i), b, 100 * (b - gib.get(i)) / gib.get(i)));
    }
    System.out.print(t);
    if (out != null) {
      Files.writeString(Path.of(out), t.toString());
    }
  }

  /** {@code default} (glibc's own allocator settings) or {@code ltm-env} (./ltm's, ltm-env.sh). */
  static MemoryPlanner.Calibration calibrationNamed(String name) {
    return switch (name) {
      case "default" -> MemoryPlanner.Calibration.DEFAULT;
      case "ltm-env" -> MemoryPlanner.Calibration.LTM_ENV;
      default -> throw new IllegalArgumentException("--calibration: default or ltm-env, not " + name);
    };
  }

  private static MemoryPlanner.Calibration calibration(MemoryPlanner.Calibration base, double[] x) {
    return new MemoryPlanner.Calibration(x[4], x[0], x[1], x[2], x[3]);
  }

  private static double worst(List<Row> rows, List<Double> gib, List<Boolean> fitRow, MemoryPlanner.Calibration k) {
    double w = 0;
    for (int i = 0; i < rows.size(); i++) {
      if (fitRow.get(i)) {
        w = Math.max(w, Math.abs(predictGib(rows.get(i), k) - gib.get(i)) / gib.get(i));
      }
    }
    return w;
  }

  private static double predictGib(Row r, MemoryPlanner.Calibration k) {
    return MemoryPlanner.plan(r.config(), r.request(), Long.MAX_VALUE / 4, "fit", k).train().bytes() / (double) (1L << 30);
  }

  static ModelConfig shape(String name) {
    ModelConfig q06 = CheckpointPreset.QWEN3_0_6B.config();
    return switch (name) {
      case "0.6b" -> q06;
      case "0.6b-4l" -> q06.toBuilder().numLayers(4).build();
      case "1.7b-4l" -> DeviceBench.QWEN3_1_7B.toBuilder().numLayers(4).build();
      case "0.6b-8l-v32k" -> q06.toBuilder().numLayers(8).vocabSize(151936).build();
      case "30b-a3b-2l" -> CheckpointPreset.QWEN3_30B_A3B_2L.config(); // Qwen3-30B-A3B's layers (128 experts of 768, top-8), 2 of them
      default -> throw new IllegalArgumentException("unknown shape " + name);
    };
  }

  /** The CLI's classpath as ./ltm builds it (run ./ltm --version first so that it is current). */
  private static String cliClasspath() throws IOException {
    Path jar = Path.of("ltm-examples/target/ltm-examples-0.1.0-SNAPSHOT.jar");
    Path cp = Path.of("ltm-examples/target/classpath.txt");
    if (!Files.exists(jar) || !Files.exists(cp)) {
      throw new IllegalStateException("build the CLI first: ./ltm --version (from the repository root)");
    }
    // a private copy of ltm's own jars, so that a rebuild while the children run does not change their classes
    Path copy = Files.createTempDirectory("ltm-plan-bench-jars");
    String root = Path.of("").toAbsolutePath().toString();
    StringBuilder out = new StringBuilder();
    for (String e : (jar.toAbsolutePath() + ":" + Files.readString(cp).trim()).split(":")) {
      Path p = Path.of(e);
      if (e.startsWith(root) && Files.isRegularFile(p)) {
        p = Files.copy(p, copy.resolve(p.getFileName()));
      }
      out.append(out.length() == 0 ? "" : ":").append(p);
    }
    return out.toString();
  }

  private static long vmHwmKb(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0; // the process has just exited
    }
    return 0;
  }

  private static void deleteRecursively(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var s = Files.walk(p)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
    }
  }

  private static String arg(String[] args, String name, String dflt) {
    int i = Arrays.asList(args).indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
  }

  static {
    ModelType.values();
  }
}
