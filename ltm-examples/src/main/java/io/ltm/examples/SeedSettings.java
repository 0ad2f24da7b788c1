package io.ltm.examples;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ltm.dataset.control.Control;
import io.ltm.metrics.experiment.Preregistration;
import io.ltm.metrics.trace.Metric;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The settings of a {@link SeedModel} experiment. Immutable; build with {@link #builder()}. Settings
 * left unset take defaults that depend on whether a base model is given: the real experiment
 * ({@code base} set) trains {@value #STEPS} steps and thinks {@value #MAX_NEW_TOKENS} tokens per
 * iteration; the random-model pipeline demo ({@code base} unset) trains {@value #DEMO_STEPS} steps and
 * thinks {@value #DEMO_MAX_NEW_TOKENS} tokens, so it finishes in minutes on a laptop.
 *
 * @param scenes scene folder or file (required)
 * @param out the run folder (required)
 * @param base the base model folder, or null for the random demo model
 * @param vault an Obsidian vault to ground the loop with retrieval, or null
 * @param tokenizer the tokenizer folder for the random demo model, or null to find the bundled one
 * @param steps training steps
 * @param r LoRA rank
 * @param alpha LoRA alpha
 * @param targets LoRA target modules ({@code all-linear} or a comma list)
 * @param lr peak learning rate
 * @param maxLen tokens per packed training sequence
 * @param validationFraction share of scenes held out (they become the probes)
 * @param iterations loop iterations per probe
 * @param maxNewTokens tokens per loop iteration
 * @param probes at most this many held-out probes
 * @param seed seed of everything random
 * @param think whether the model may think ({@code enable_thinking})
 * @param device cpu, gpu or gpu:N
 * @param probeCheckpoint whether a mid-run checkpoint runs the loop too
 * @param contextBudget tokens of retrieved context per probe
 * @param remote an OpenAI-compatible server to run the loop on instead of the local engine, or null; with
 *     it no adapter is trained here (see {@link SeedModel})
 * @param dropout LoRA dropout
 * @param rslora whether LoRA scales by alpha/sqrt(r) (rank-stabilized)
 * @param control the control condition trained next to the adapter ({@link Control#NONE} for none)
 * @param seeds training seeds per condition: seeds {@code seed, seed+1, ...}; the sampling seed stays {@code seed}
 * @param primary the pre-registered primary metrics
 */
public record SeedSettings(Path scenes, Path out, Path base, Path vault, Path tokenizer, long steps, int r, double alpha,
    String targets, double lr, int maxLen, double validationFraction, int iterations, int maxNewTokens, int probes,
    long seed, boolean think, String device, boolean probeCheckpoint, int contextBudget, RemoteBackend remote,
    double dropout, boolean rslora, Control control, int seeds, List<Metric> primary) {

  /** Training steps of the real experiment. */
  public static final int STEPS = 200;
  /** Training steps of the random demo. */
  public static final int DEMO_STEPS = 20;
  /** Tokens per packed training sequence of the random demo. */
  public static final int DEMO_MAX_LEN = 768;
  /** Tokens per iteration of the real experiment. */
  public static final int MAX_NEW_TOKENS = 512;
  /** Tokens per iteration of the random demo. */
  public static final int DEMO_MAX_NEW_TOKENS = 48;

  public SeedSettings {
    Objects.requireNonNull(scenes, "scenes");
    Objects.requireNonNull(out, "out");
    if (steps < 1) {
      throw new IllegalArgumentException("--steps must be at least 1 but got " + steps);
    }
    if (r < 1) {
      throw new IllegalArgumentException("--r must be at least 1 but got " + r);
    }
    if (maxLen < 16) {
      throw new IllegalArgumentException("--max-len must be at least 16 but got " + maxLen);
    }
    if (!(validationFraction > 0 && validationFraction < 1)) {
      throw new IllegalArgumentException("--validation must be in (0, 1) but got " + validationFraction);
    }
    if (iterations < 1 || maxNewTokens < 1 || probes < 1 || contextBudget < 1) {
      throw new IllegalArgumentException("--iterations, --max-new-tokens, --probes and --context-budget must be at least 1");
    }
    if (!Files.exists(scenes)) {
      throw new IllegalArgumentException("--scenes " + scenes + " does not exist; give a folder of scene YAML files");
    }
    if (vault != null && !Files.isDirectory(vault)) {
      throw new IllegalArgumentException("--vault " + vault + " is not a folder; give an Obsidian vault folder");
    }
    Objects.requireNonNull(targets, "targets");
    Objects.requireNonNull(device, "device");
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("--dropout must be in [0, 1) but got " + dropout);
    }
    Objects.requireNonNull(control, "control");
    if (seeds < 1) {
      throw new IllegalArgumentException("--seeds must be at least 1 but got " + seeds);
    }
    if (control == Control.VAULT_TEXT && vault == null) {
      throw new IllegalArgumentException("--control vault-text needs --vault: the neutral text comes from the vault's notes");
    }
    primary = List.copyOf(primary);
    if (primary.isEmpty()) {
      throw new IllegalArgumentException("--primary needs at least one metric");
    }
  }

  /** A builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The settings as JSON (snake_case keys), recorded in {@code RUN/seed.json}. */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("scenes", scenes.toString());
    o.put("out", out.toString());
    o.put("base", base == null ? null : base.toString());
    o.put("vault", vault == null ? null : vault.toString());
    o.put("steps", steps);
    o.put("r", r);
    o.put("alpha", alpha);
    o.put("targets", targets);
    o.put("dropout", dropout);
    o.put("rslora", rslora);
    o.put("lr", lr);
    o.put("max_len", maxLen);
    o.put("validation_fraction", validationFraction);
    o.put("iterations", iterations);
    o.put("max_new_tokens", maxNewTokens);
    o.put("probes", probes);
    o.put("seed", seed);
    o.put("think", think);
    o.put("device", device);
    o.put("probe_checkpoint", probeCheckpoint);
    o.put("context_budget", contextBudget);
    if (remote != null) {
      o.put("backend", "openai");
      o.put("url", remote.url());
      o.put("model", remote.model());
      o.putPOJO("adapter_models", remote.adapterModels());
    } else {
      o.put("backend", "local");
    }
    o.put("control", control.cliName());
    o.put("seeds", seeds);
    return o;
  }

  /** Builds {@link SeedSettings}; unset values get the defaults of the class comment. */
  public static final class Builder {
    private Path scenes;
    private Path out;
    private Path base;
    private Path vault;
    private Path tokenizer;
    private Long steps;
    private int r = 16;
    private double alpha = 32;
    private String targets = "all-linear";
    private double lr = 2e-4;
    private Integer maxLen;
    private double validationFraction = 0.1;
    private Integer iterations;
    private Integer maxNewTokens;
    private Integer probes;
    private long seed = 42;
    private boolean think = true;
    private String device = "cpu";
    private Boolean probeCheckpoint;
    private int contextBudget = 768;
    private RemoteBackend remote;
    private double dropout = 0.05;
    private boolean rslora;
    private Control control = Control.NO_REASONING;
    private int seeds = 1;
    private List<Metric> primary = Preregistration.DEFAULT_PRIMARY;

    private Builder() {}

    /** Run the loop on this server (no local training); default null: the local engine. */
    public Builder remote(RemoteBackend v) { remote = v; return this; }

    /** Default {@code no-reasoning}. */
    public Builder control(Control v) { control = v; return this; }
    /** Training seeds per condition; default 1 (3 recommended for a real run). */
    public Builder seeds(int v) { seeds = v; return this; }
    /** Default {@link Preregistration#DEFAULT_PRIMARY}. */
    public Builder primary(List<Metric> v) { primary = v; return this; }

    public Builder scenes(Path v) { scenes = v; return this; }
    public Builder out(Path v) { out = v; return this; }
    /** The base model folder; unset runs the random-model demo. */
    public Builder base(Path v) { base = v; return this; }
    public Builder vault(Path v) { vault = v; return this; }
    public Builder tokenizer(Path v) { tokenizer = v; return this; }
    /** Default {@value SeedSettings#STEPS} ({@value SeedSettings#DEMO_STEPS} for the demo). */
    public Builder steps(long v) { steps = v; return this; }
    /** Default 16. */
    public Builder r(int v) { r = v; return this; }
    /** Default 32. */
    public Builder alpha(double v) { alpha = v; return this; }
    /** Default all-linear. */
    public Builder targets(String v) { targets = v; return this; }
    /** Default 2e-4 (1e-3 for the demo, so its loss visibly falls in few steps). */
    public Builder lr(double v) { lr = v; lrSet = true; return this; }
    /** Default 2048 (768 for the demo: its longest scene is 609 tokens, and the demo trains an adapter and a control). */
    public Builder maxLen(int v) { maxLen = v; return this; }
    /** Default 0.1. */
    public Builder validationFraction(double v) { validationFraction = v; return this; }
    /** Default 3 (2 for the demo). */
    public Builder iterations(int v) { iterations = v; return this; }
    /** Default {@value SeedSettings#MAX_NEW_TOKENS} ({@value SeedSettings#DEMO_MAX_NEW_TOKENS} for the demo). */
    public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
    /** Default 4 (3 for the demo). */
    public Builder probes(int v) { probes = v; return this; }
    /** Default 42. */
    public Builder seed(long v) { seed = v; return this; }
    /** Default true. */
    public Builder think(boolean v) { think = v; return this; }
    /** Default cpu. */
    public Builder device(String v) { device = v; return this; }
    /** Default false (true for the demo). */
    public Builder probeCheckpoint(boolean v) { probeCheckpoint = v; return this; }
    /** Default 768. */
    public Builder contextBudget(int v) { contextBudget = v; return this; }
    /** LoRA dropout (default 0.05, as {@code ltm train}). */
    public Builder dropout(double v) { dropout = v; return this; }
    /** Rank-stabilized LoRA scaling (default off). */
    public Builder rslora(boolean v) { rslora = v; return this; }

    private boolean lrSet;

    /** @throws IllegalArgumentException naming the setting at fault */
    public SeedSettings build() {
      boolean demo = base == null && remote == null;
      return new SeedSettings(scenes, out, base, vault, tokenizer,
          steps != null ? steps : demo ? DEMO_STEPS : STEPS, r, alpha, targets,
          lrSet ? lr : demo ? 1e-3 : lr,
          maxLen != null ? maxLen : demo ? DEMO_MAX_LEN : 2048, validationFraction,
          iterations != null ? iterations : demo ? 2 : 3,
          maxNewTokens != null ? maxNewTokens : demo ? DEMO_MAX_NEW_TOKENS : MAX_NEW_TOKENS,
          probes != null ? probes : demo ? 3 : 4, seed, think, device,
          probeCheckpoint != null ? probeCheckpoint : demo, contextBudget, remote, dropout, rslora, control, seeds, primary);
    }
  }
}
