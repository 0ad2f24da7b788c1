package io.ltm.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.ltm.core.generate.ChatMessage;
import io.ltm.dataset.Dataset;
import io.ltm.dataset.ExampleInfo;
import io.ltm.dataset.split.Split;
import io.ltm.dataset.chat.ChatExample;
import io.ltm.dataset.export.JsonlExport;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.train.LrSchedule;
import io.ltm.lora.train.TrainingConfig;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Writes what an existing distributed trainer needs to train the adapter {@code ltm train} would
 * train, with the same settings: the chat dataset ltm builds ({@code data/train.jsonl}, {@code
 * data/validation.jsonl}: one {@code {"messages": [...]}} per line, the assistant's reasoning in
 * {@code reasoning_content}, which Qwen3's chat template renders inside {@code <think>}; plus ltm's own
 * export {@code data/scenes.jsonl} with ids, splits and step kinds) and the trainer's configuration:
 *
 * <ul>
 *   <li>{@link Format#AXOLOTL}: {@code axolotl.yaml} for {@code axolotl train} (one GPU, or many through
 *       DeepSpeed or FSDP); keys as in Axolotl's config reference ({@code docs/config-reference.qmd});
 *   <li>{@link Format#TRL}: {@code trl.json} with {@code SFTConfig} and {@code LoraConfig} arguments
 *       and {@code train_trl.py}, which reads it and runs {@code SFTTrainer} ({@code python} or
 *       {@code accelerate launch}).
 * </ul>
 *
 * Every value comes from the same {@link TrainingConfig} and {@link LoraConfig} that {@code ltm
 * train} records in {@code RUN/config.json}; {@link #axolotl} and {@link #trl} are the mapping, one
 * line per setting. What a trainer cannot express as ltm does is listed as {@code # note:} comments at
 * the top of {@code axolotl.yaml} and under {@code ltm_notes} in {@code trl.json}. Stateless.
 */
public final class TrainerExport {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER).enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR).build());

  /** Relative paths inside the export folder. */
  public static final String TRAIN = "data/train.jsonl";
  public static final String VALIDATION = "data/validation.jsonl";
  public static final String NOTES = "data/notes.jsonl";
  public static final String SCENES = "data/scenes.jsonl";
  public static final String AXOLOTL_FILE = "axolotl.yaml";
  public static final String TRL_FILE = "trl.json";
  public static final String TRL_SCRIPT = "train_trl.py";
  /** Where the trainer writes the adapter, relative to the export folder. */
  public static final String ADAPTER_OUT = "adapter-out";

  /** The trainer to export for. */
  public enum Format {
    AXOLOTL,
    TRL;

    /** {@code axolotl} or {@code trl}, any case. */
    public static Format parse(String s) {
      try {
        return valueOf(s.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--format must be axolotl or trl but got '" + s + "'", e);
      }
    }
  }

  /**
   * What to export.
   *
   * @param base the base model: a Hugging Face hub name or a model folder, written as given
   * @param training the training settings, built as {@code ltm train} builds them
   * @param lora the LoRA settings, built as {@code ltm train} builds them
   * @param maxLen tokens per packed sequence ({@code --max-len})
   * @param truncate whether examples over {@code maxLen} are cut ({@code --truncate}) rather than left out
   */
  public record Settings(String base, TrainingConfig training, LoraConfig lora, int maxLen, boolean truncate) {
    public Settings {
      Objects.requireNonNull(base, "base");
      Objects.requireNonNull(training, "training");
      Objects.requireNonNull(lora, "lora");
      if (maxLen < 16) {
        throw new IllegalArgumentException("--max-len must be at least 16 but got " + maxLen);
      }
    }
  }

  /**
   * What {@link #write} wrote.
   *
   * @param config the trainer's configuration file
   * @param script the script that runs it (TRL), or null
   * @param trainExamples chat examples in {@code data/train.jsonl}
   * @param validationExamples chat examples in {@code data/validation.jsonl}
   * @param noteExamples vault examples in {@code data/notes.jsonl}
   * @param caveats what the trainer's configuration cannot say exactly as ltm does
   */
  public record Result(Path config, Path script, int trainExamples, int validationExamples, int noteExamples,
      List<String> caveats) {}

  private TrainerExport() {}

  /**
   * Writes the dataset and the configuration of {@code format} into {@code out} (created), each file
   * atomically.
   *
   * @return the configuration file and the example counts
   */
  public static Result write(Format format, Settings s, Dataset ds, Path out) throws IOException {
    Files.createDirectories(out.resolve("data"));
    JsonlExport.writeMessages(out.resolve(SCENES), ds);
    Map<String, ExampleInfo> info = new HashMap<>();
    for (ExampleInfo e : ds.examples()) {
      info.put(e.id(), e);
    }
    List<ChatExample> train = new ArrayList<>();
    List<ChatExample> validation = new ArrayList<>();
    for (ChatExample ex : ds.chatExamples()) {
      ExampleInfo e = info.get(ex.id());
      if (e != null && !e.status().inDataset()) {
        continue; // left out by ltm's dataset (too long, no labels): left out here too
      }
      (ds.splitOf(ex.id()) == Split.VALIDATION ? validation : train).add(ex);
    }
    writeMessagesOnly(out.resolve(TRAIN), train);
    writeMessagesOnly(out.resolve(VALIDATION), validation);
    int notes = 0;
    if (!ds.textExamples().isEmpty()) {
      JsonlExport.writeTexts(out.resolve(NOTES), ds);
      notes = ds.textExamples().size();
    }
    boolean hasValidation = !validation.isEmpty();
    if (format == Format.AXOLOTL) {
      ObjectNode cfg = axolotl(s, hasValidation, notes > 0);
      List<String> caveats = notesOf(cfg);
      cfg.remove("ltm_notes"); // comments, not a key: Axolotl validates its config's keys
      StringBuilder head = new StringBuilder("# Written by `ltm export --format axolotl`: the settings of `ltm train` "
          + "with the same flags.\n# Run: axolotl train " + AXOLOTL_FILE
          + "   (many GPUs: add deepspeed: or fsdp_config:, see docs/export.md)\n");
      for (String c : caveats) {
        head.append("# note: ").append(c.replace('\n', ' ')).append('\n');
      }
      Path file = out.resolve(AXOLOTL_FILE);
      writeAtomically(file, head + YAML.writeValueAsString(cfg));
      return new Result(file, null, train.size(), validation.size(), notes, caveats);
    }
    ObjectNode cfg = trl(s, hasValidation, notes > 0);
    Path file = out.resolve(TRL_FILE);
    writeAtomically(file, JSON.writeValueAsString(cfg) + "\n");
    Path script = out.resolve(TRL_SCRIPT);
    writeAtomically(script, TRL_SCRIPT_TEXT);
    return new Result(file, script, train.size(), validation.size(), notes, notesOf(cfg));
  }

  private static List<String> notesOf(ObjectNode cfg) {
    List<String> n = new ArrayList<>();
    if (cfg.has("ltm_notes")) {
      cfg.get("ltm_notes").forEach(x -> n.add(x.asText()));
    }
    return n;
  }

  /**
   * The Axolotl configuration (keys from Axolotl's {@code docs/config-reference.qmd}). Assistant-only
   * loss on Qwen3's own template: {@code chat_template: tokenizer_default}, {@code roles_to_train:
   * [assistant]}, {@code train_on_eos: turn}; the template reads each message's {@code
   * reasoning_content} itself (Axolotl passes message properties the mapping does not name through).
   */
  public static ObjectNode axolotl(Settings s, boolean hasValidation, boolean hasNotes) {
    TrainingConfig t = s.training();
    LoraConfig l = s.lora();
    ObjectNode c = JsonNodeFactory.instance.objectNode();
    ArrayNode notes = JsonNodeFactory.instance.arrayNode();
    c.put("base_model", s.base());
    c.put("chat_template", "tokenizer_default");
    ArrayNode datasets = c.putArray("datasets");
    chatDataset(datasets.addObject(), TRAIN);
    if (hasNotes) {
      ObjectNode n = datasets.addObject();
      n.put("path", NOTES);
      n.put("ds_type", "json");
      n.put("type", "completion");
      n.put("field", "text");
    }
    if (hasValidation) {
      chatDataset(c.putArray("test_datasets").addObject(), VALIDATION).put("split", "train");
    }
    c.put("val_set_size", 0.0); // ltm's split (by a hash of the scene id) is in the files already
    c.put("dataset_prepared_path", "last_run_prepared");
    c.put("output_dir", "./" + ADAPTER_OUT);
    c.put("train_on_inputs", false);

    c.put("adapter", "lora");
    c.put("lora_r", l.r());
    putNumber(c, "lora_alpha", l.loraAlpha());
    c.put("lora_dropout", l.loraDropout());
    if (l.targetModules() instanceof TargetModules.AllLinear) {
      c.put("lora_target_linear", true);
    } else {
      putTargets(c, "lora_target_modules", l.targetModules());
    }
    c.put("peft_use_rslora", l.useRslora());

    c.put("sequence_len", s.maxLen());
    c.put("sample_packing", true); // block-diagonal attention per packed example, as ltm packs
    c.put("eval_sample_packing", false);
    c.put("pad_to_sequence_len", true);
    c.put("flash_attention", true);
    c.put("bf16", "auto");

    c.put("micro_batch_size", t.batchSize());
    c.put("gradient_accumulation_steps", t.gradAccum());
    if (t.maxSteps() > 0) {
      c.put("max_steps", t.maxSteps());
    } else {
      c.put("num_epochs", t.epochs());
    }
    c.put("optimizer", "adamw_torch");
    c.put("learning_rate", t.learningRate());
    c.put("lr_scheduler", scheduler(t));
    c.put("warmup_steps", t.warmupSteps());
    c.put("weight_decay", t.adamw().weightDecay());
    c.put("adam_beta1", t.adamw().beta1());
    c.put("adam_beta2", t.adamw().beta2());
    c.put("adam_epsilon", t.adamw().eps());
    c.put("max_grad_norm", t.maxGradNorm());
    if (hasValidation && t.evalEvery() > 0) {
      c.put("eval_steps", t.evalEvery());
    } else {
      c.put("eval_strategy", "no");
    }
    if (t.saveEvery() > 0) {
      c.put("save_steps", t.saveEvery());
    } else {
      c.put("save_strategy", "no");
    }
    c.put("save_total_limit", t.keepCheckpoints());
    if (t.earlyStoppingPatience() > 0) {
      c.put("early_stopping_patience", t.earlyStoppingPatience());
      if (!hasValidation) {
        notes.add("early stopping needs a validation split; there is none, so it never triggers");
      }
    }
    c.put("seed", t.seed());
    c.put("gradient_checkpointing", t.gradientCheckpointing());
    notes.add("ltm clips the global gradient norm and computes the loss over assistant tokens (<think>, answer, "
        + "<|im_end|>) exactly as this config asks; batch sizes are per GPU (micro_batch_size x "
        + "gradient_accumulation_steps x GPUs sequences per step), so on N GPUs divide gradient_accumulation_steps "
        + "by N to keep ltm's step size");
    c.set("ltm_notes", notes);
    return c;
  }

  private static ObjectNode chatDataset(ObjectNode d, String path) {
    d.put("path", path);
    d.put("ds_type", "json");
    d.put("type", "chat_template");
    d.put("field_messages", "messages");
    d.putArray("roles_to_train").add("assistant");
    d.put("train_on_eos", "turn");
    return d;
  }

  /**
   * The TRL arguments: {@code sft_config} for {@code trl.SFTConfig} (a {@code
   * transformers.TrainingArguments}), {@code lora_config} for {@code peft.LoraConfig}, the base and the
   * data files. Assistant-only loss through {@code assistant_only_loss} (TRL swaps in its Qwen3 training
   * template with {@code {% generation %}} markers); packing without cross-example attention through
   * {@code packing_strategy: bfd} on FlashAttention.
   */
  public static ObjectNode trl(Settings s, boolean hasValidation, boolean hasNotes) {
    TrainingConfig t = s.training();
    LoraConfig l = s.lora();
    ObjectNode c = JsonNodeFactory.instance.objectNode();
    ArrayNode notes = JsonNodeFactory.instance.arrayNode();
    c.put("model_name_or_path", s.base());
    ObjectNode files = c.putObject("data_files");
    files.put("train", TRAIN);
    if (hasValidation) {
      files.put("validation", VALIDATION);
    }
    ObjectNode a = c.putObject("sft_config");
    a.put("output_dir", ADAPTER_OUT);
    if (t.maxSteps() > 0) {
      a.put("max_steps", t.maxSteps());
    } else {
      a.put("num_train_epochs", t.epochs());
    }
    a.put("per_device_train_batch_size", t.batchSize());
    a.put("per_device_eval_batch_size", t.batchSize());
    a.put("gradient_accumulation_steps", t.gradAccum());
    a.put("learning_rate", t.learningRate());
    a.put("lr_scheduler_type", scheduler(t));
    a.put("warmup_steps", t.warmupSteps());
    a.put("optim", "adamw_torch");
    a.put("weight_decay", t.adamw().weightDecay());
    a.put("adam_beta1", t.adamw().beta1());
    a.put("adam_beta2", t.adamw().beta2());
    a.put("adam_epsilon", t.adamw().eps());
    a.put("max_grad_norm", t.maxGradNorm());
    if (hasValidation && t.evalEvery() > 0) {
      a.put("eval_strategy", "steps");
      a.put("eval_steps", t.evalEvery());
    } else {
      a.put("eval_strategy", "no");
    }
    if (t.saveEvery() > 0) {
      a.put("save_strategy", "steps");
      a.put("save_steps", t.saveEvery());
    } else {
      a.put("save_strategy", "no");
    }
    a.put("save_total_limit", t.keepCheckpoints());
    a.put("seed", t.seed());
    a.put("gradient_checkpointing", t.gradientCheckpointing());
    a.put("logging_steps", 1);
    a.put("bf16", true);
    a.put("max_length", s.maxLen());
    a.put("packing", true);
    a.put("packing_strategy", "bfd");
    a.put("assistant_only_loss", true);
    a.putObject("model_init_kwargs").put("attn_implementation", "flash_attention_2").put("dtype", "bfloat16");
    a.put("report_to", "none");

    ObjectNode p = c.putObject("lora_config");
    p.put("r", l.r());
    putNumber(p, "lora_alpha", l.loraAlpha());
    p.put("lora_dropout", l.loraDropout());
    putTargets(p, "target_modules", l.targetModules());
    p.put("use_rslora", l.useRslora());
    p.put("bias", l.bias());
    p.put("task_type", "CAUSAL_LM");

    if (t.earlyStoppingPatience() > 0) {
      c.put("early_stopping_patience", t.earlyStoppingPatience());
      notes.add("SFTConfig has no early-stopping argument: train_trl.py adds transformers' EarlyStoppingCallback"
          + "(early_stopping_patience) with load_best_model_at_end and metric_for_best_model=eval_loss");
    }
    if (hasNotes) {
      notes.add("the vault's notes (data/notes.jsonl, plain text) are not in this config: SFTTrainer takes one dataset "
          + "format per run; use --format axolotl to train on scenes and notes together");
    }
    if (s.truncate()) {
      notes.add("examples longer than max_length are cut by SFTTrainer, as ltm train --truncate cuts them");
    }
    notes.add("assistant_only_loss on Qwen3 needs a TRL whose SFTTrainer swaps in its Qwen3 training template "
        + "(huggingface/trl#5470); with an older TRL pass a chat template with {% generation %} markers");
    c.set("ltm_notes", notes);
    return c;
  }

  /** Hugging Face's scheduler name for ltm's: {@code constant} with warmup is {@code constant_with_warmup}. */
  static String scheduler(TrainingConfig t) {
    return t.schedule() == LrSchedule.Kind.CONSTANT && t.warmupSteps() > 0 ? "constant_with_warmup"
        : t.schedule().name().toLowerCase(Locale.ROOT);
  }

  private static void putNumber(ObjectNode o, String key, double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      o.put(key, (long) v);
    } else {
      o.put(key, v);
    }
  }

  private static void putTargets(ObjectNode o, String key, TargetModules tm) {
    if (tm instanceof TargetModules.Names n) {
      ArrayNode arr = o.putArray(key);
      n.names().stream().sorted().forEach(arr::add);
    } else if (tm instanceof TargetModules.Regex r) {
      o.put(key, r.pattern());
    } else {
      o.put(key, TargetModules.ALL_LINEAR);
    }
  }

  private static void writeMessagesOnly(Path file, List<ChatExample> examples) throws IOException {
    StringBuilder sb = new StringBuilder();
    ObjectMapper line = new ObjectMapper();
    for (ChatExample ex : examples) {
      ObjectNode o = line.createObjectNode();
      ArrayNode msgs = o.putArray("messages");
      for (ChatMessage m : ex.messages()) {
        ObjectNode mo = msgs.addObject();
        mo.put("role", m.role().templateName());
        mo.put("content", m.content());
        if (!m.reasoning().isEmpty()) {
          mo.put("reasoning_content", m.reasoning());
        }
      }
      sb.append(line.writeValueAsString(o)).append('\n');
    }
    writeAtomically(file, sb.toString());
  }

  private static void writeAtomically(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      w.write(text);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The script {@code train_trl.py}: reads {@code trl.json} and runs SFTTrainer with LoRA. */
  static final String TRL_SCRIPT_TEXT = """
      # Written by `ltm export --format trl`. Runs TRL's SFTTrainer with the settings in trl.json
      # (those of `ltm train` with the same flags). One GPU:   python train_trl.py trl.json
      # Many GPUs (DDP, or FSDP/DeepSpeed through an accelerate config):
      #   accelerate launch --num_processes N train_trl.py trl.json
      # The PEFT adapter lands in adapter-out/ (adapter_config.json + adapter_model.safetensors).
      import json
      import sys

      from datasets import load_dataset
      from peft import LoraConfig
      from transformers import EarlyStoppingCallback
      from trl import SFTConfig, SFTTrainer

      cfg = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "trl.json"))
      data = load_dataset("json", data_files=cfg["data_files"])
      sft = dict(cfg["sft_config"])
      callbacks = []
      if cfg.get("early_stopping_patience") and "validation" in data:
          sft.update(load_best_model_at_end=True, metric_for_best_model="eval_loss", greater_is_better=False)
          callbacks.append(EarlyStoppingCallback(early_stopping_patience=cfg["early_stopping_patience"]))
      trainer = SFTTrainer(
          model=cfg["model_name_or_path"],
          args=SFTConfig(**sft),
          train_dataset=data["train"],
          eval_dataset=data.get("validation"),
          peft_config=LoraConfig(**cfg["lora_config"]),
          callbacks=callbacks,
      )
      trainer.train()
      trainer.save_model(sft["output_dir"])
      """;
}
