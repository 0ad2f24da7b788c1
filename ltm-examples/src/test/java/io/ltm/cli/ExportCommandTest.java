package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ltm export} against {@code ltm train}: the same flags go to both, and every value the export
 * writes is read back and compared with what {@code ltm train} recorded in {@code RUN/config.json}.
 *
 * <p>Field names, checked against the trainers' documentation:
 * <ul>
 *   <li>Axolotl, {@code docs/config-reference.qmd} (axolotl-ai-cloud/axolotl): {@code base_model},
 *       {@code adapter}, {@code lora_r}, {@code lora_alpha}, {@code lora_dropout}, {@code
 *       lora_target_modules}, {@code lora_target_linear}, {@code peft_use_rslora}, {@code sequence_len},
 *       {@code sample_packing}, {@code micro_batch_size}, {@code gradient_accumulation_steps}, {@code
 *       max_steps}, {@code num_epochs}, {@code learning_rate}, {@code lr_scheduler} (a transformers
 *       SchedulerType), {@code warmup_steps}, {@code weight_decay}, {@code adam_beta1}, {@code adam_beta2},
 *       {@code adam_epsilon}, {@code max_grad_norm}, {@code eval_steps}, {@code save_steps}, {@code
 *       save_total_limit}, {@code early_stopping_patience}, {@code val_set_size}, {@code chat_template:
 *       tokenizer_default}; dataset entries ({@code docs/dataset-formats/conversation.qmd}): {@code type:
 *       chat_template}, {@code field_messages}, {@code roles_to_train}, {@code train_on_eos: turn}.
 *   <li>TRL ({@code docs/source/sft_trainer.md}, {@code reducing_memory_usage.md}): SFTConfig's {@code
 *       max_length}, {@code packing}, {@code packing_strategy: bfd}, {@code assistant_only_loss}, and
 *       transformers' TrainingArguments ({@code per_device_train_batch_size}, {@code
 *       gradient_accumulation_steps}, {@code lr_scheduler_type}, {@code optim}, {@code eval_strategy}, ...);
 *       PEFT's LoraConfig ({@code r}, {@code lora_alpha}, {@code lora_dropout}, {@code target_modules},
 *       {@code use_rslora}, {@code task_type}).
 * </ul>
 */
class ExportCommandTest {
  @TempDir static Path tmp;
  static Path model;
  static JsonNode trained;
  static final String[] FLAGS = {"--scenes", "../examples/scenes", "--steps", "1", "--r", "4", "--alpha", "12",
      "--targets", "q_proj,v_proj,o_proj", "--dropout", "0.1", "--rslora", "--lr", "3e-4", "--schedule", "constant",
      "--warmup", "1", "--weight-decay", "0.01", "--max-grad-norm", "0.5", "--batch", "1", "--grad-accum", "2",
      "--max-len", "1024", "--validation", "0.3", "--eval-every", "1", "--save-every", "1", "--patience", "3", "--seed", "7",
      "--gradient-checkpointing"}; // one step, one evaluation, one checkpoint: the run's config is what is compared

  @BeforeAll
  static void trainWithTheSameFlags() throws Exception {
    model = tmp.resolve("tiny");
    CliRun r = CliRun.of("random-model", "--preset", "tiny-qwen3", "--seed", "4", "--out", model.toString(),
        "--tokenizer", Path.of("..", "examples", "tokenizer", "qwen3").toString());
    assertThat(r.code()).as(r.err()).isZero();
    Path run = tmp.resolve("run");
    CliRun t = CliRun.of(concat(new String[] {"train", "--base", model.toString(), "--out", run.toString()}, FLAGS));
    assertThat(t.code()).as(t.err()).isZero();
    trained = new ObjectMapper().readTree(run.resolve("config.json").toFile());
  }

  static String[] concat(String[] a, String[] b) {
    List<String> l = new ArrayList<>(List.of(a));
    l.addAll(List.of(b));
    return l.toArray(String[]::new);
  }

  @Test
  void axolotlYamlHoldsEveryValueLtmTrainRecorded() throws Exception {
    Path out = tmp.resolve("axolotl");
    CliRun e = CliRun.of(concat(new String[] {"export", "--format", "axolotl", "--base", model.toString(), "--out",
        out.toString()}, FLAGS));
    assertThat(e.code()).as(e.err()).isZero();
    assertThat(e.out()).contains("axolotl train axolotl.yaml");
    JsonNode y = new ObjectMapper(new YAMLFactory()).readTree(out.resolve("axolotl.yaml").toFile());
    JsonNode tr = trained.get("training");
    JsonNode lo = trained.get("lora");
    JsonNode run = trained.get("run");

    assertThat(y.get("base_model").asText()).isEqualTo(model.toString());
    assertThat(y.get("adapter").asText()).isEqualTo("lora");
    assertThat(y.get("lora_r").asInt()).isEqualTo(lo.get("r").asInt());
    assertThat(y.get("lora_alpha").asDouble()).isEqualTo(lo.get("lora_alpha").asDouble());
    assertThat(y.get("lora_dropout").asDouble()).isEqualTo(lo.get("lora_dropout").asDouble());
    assertThat(strings(y.get("lora_target_modules"))).containsExactlyInAnyOrderElementsOf(strings(lo.get("target_modules")));
    assertThat(y.get("peft_use_rslora").asBoolean()).isEqualTo(lo.get("use_rslora").asBoolean()).isTrue();
    assertThat(y.get("sequence_len").asInt()).isEqualTo(run.get("max_len").asInt());
    assertThat(y.get("sample_packing").asBoolean()).isTrue();
    assertThat(y.get("micro_batch_size").asInt()).isEqualTo(tr.get("batchSize").asInt());
    assertThat(y.get("gradient_accumulation_steps").asInt()).isEqualTo(tr.get("gradAccum").asInt());
    assertThat(y.get("max_steps").asLong()).isEqualTo(tr.get("maxSteps").asLong());
    assertThat(y.get("learning_rate").asDouble()).isEqualTo(tr.get("learningRate").asDouble());
    // ltm's constant schedule with warmup is transformers' constant_with_warmup
    assertThat(tr.get("schedule").asText()).isEqualTo("CONSTANT");
    assertThat(y.get("lr_scheduler").asText()).isEqualTo("constant_with_warmup");
    assertThat(y.get("warmup_steps").asLong()).isEqualTo(tr.get("warmupSteps").asLong());
    assertThat(y.get("optimizer").asText()).isEqualTo("adamw_torch");
    assertThat(y.get("weight_decay").asDouble()).isEqualTo(tr.get("adamw").get("weightDecay").asDouble());
    assertThat(y.get("adam_beta1").asDouble()).isEqualTo(tr.get("adamw").get("beta1").asDouble());
    assertThat(y.get("adam_beta2").asDouble()).isEqualTo(tr.get("adamw").get("beta2").asDouble());
    assertThat(y.get("adam_epsilon").asDouble()).isEqualTo(tr.get("adamw").get("eps").asDouble());
    assertThat(y.get("max_grad_norm").asDouble()).isEqualTo(tr.get("maxGradNorm").asDouble());
    assertThat(y.get("eval_steps").asInt()).isEqualTo(tr.get("evalEvery").asInt());
    assertThat(y.get("save_steps").asInt()).isEqualTo(tr.get("saveEvery").asInt());
    assertThat(y.get("save_total_limit").asInt()).isEqualTo(tr.get("keepCheckpoints").asInt());
    assertThat(y.get("early_stopping_patience").asInt()).isEqualTo(tr.get("earlyStoppingPatience").asInt());
    assertThat(y.get("seed").asLong()).isEqualTo(tr.get("seed").asLong());
    assertThat(y.get("gradient_checkpointing").asBoolean()).isEqualTo(tr.get("gradientCheckpointing").asBoolean()).isTrue();
    // assistant-only loss on Qwen3's own template; ltm's validation split in its own file
    assertThat(y.get("chat_template").asText()).isEqualTo("tokenizer_default");
    JsonNode ds = y.get("datasets").get(0);
    assertThat(ds.get("path").asText()).isEqualTo("data/train.jsonl");
    assertThat(ds.get("type").asText()).isEqualTo("chat_template");
    assertThat(ds.get("field_messages").asText()).isEqualTo("messages");
    assertThat(strings(ds.get("roles_to_train"))).containsExactly("assistant");
    assertThat(ds.get("train_on_eos").asText()).isEqualTo("turn");
    assertThat(y.get("test_datasets").get(0).get("path").asText()).isEqualTo("data/validation.jsonl");
    assertThat(y.get("val_set_size").asDouble()).isZero();
    assertThat(y.has("ltm_notes")).isFalse(); // notes are comments: Axolotl validates its keys
    assertThat(Files.readString(out.resolve("axolotl.yaml"))).contains("# note: ");

    assertDataMatchesTheSplit(out);
  }

  @Test
  void trlArgumentsHoldEveryValueLtmTrainRecorded() throws Exception {
    Path out = tmp.resolve("trl");
    CliRun e = CliRun.of(concat(new String[] {"export", "--format", "trl", "--base", model.toString(), "--out",
        out.toString()}, FLAGS));
    assertThat(e.code()).as(e.err()).isZero();
    assertThat(e.out()).contains("accelerate launch train_trl.py trl.json");
    JsonNode j = new ObjectMapper().readTree(out.resolve("trl.json").toFile());
    JsonNode a = j.get("sft_config");
    JsonNode p = j.get("lora_config");
    JsonNode tr = trained.get("training");
    JsonNode lo = trained.get("lora");

    assertThat(j.get("model_name_or_path").asText()).isEqualTo(model.toString());
    assertThat(j.get("data_files").get("train").asText()).isEqualTo("data/train.jsonl");
    assertThat(j.get("data_files").get("validation").asText()).isEqualTo("data/validation.jsonl");
    assertThat(p.get("r").asInt()).isEqualTo(lo.get("r").asInt());
    assertThat(p.get("lora_alpha").asDouble()).isEqualTo(lo.get("lora_alpha").asDouble());
    assertThat(p.get("lora_dropout").asDouble()).isEqualTo(lo.get("lora_dropout").asDouble());
    assertThat(strings(p.get("target_modules"))).containsExactlyInAnyOrderElementsOf(strings(lo.get("target_modules")));
    assertThat(p.get("use_rslora").asBoolean()).isEqualTo(lo.get("use_rslora").asBoolean());
    assertThat(p.get("bias").asText()).isEqualTo(lo.get("bias").asText());
    assertThat(p.get("task_type").asText()).isEqualTo(lo.get("task_type").asText());
    assertThat(a.get("max_steps").asLong()).isEqualTo(tr.get("maxSteps").asLong());
    assertThat(a.get("per_device_train_batch_size").asInt()).isEqualTo(tr.get("batchSize").asInt());
    assertThat(a.get("gradient_accumulation_steps").asInt()).isEqualTo(tr.get("gradAccum").asInt());
    assertThat(a.get("learning_rate").asDouble()).isEqualTo(tr.get("learningRate").asDouble());
    assertThat(a.get("lr_scheduler_type").asText()).isEqualTo("constant_with_warmup");
    assertThat(a.get("warmup_steps").asLong()).isEqualTo(tr.get("warmupSteps").asLong());
    assertThat(a.get("optim").asText()).isEqualTo("adamw_torch");
    assertThat(a.get("weight_decay").asDouble()).isEqualTo(tr.get("adamw").get("weightDecay").asDouble());
    assertThat(a.get("adam_beta1").asDouble()).isEqualTo(tr.get("adamw").get("beta1").asDouble());
    assertThat(a.get("adam_beta2").asDouble()).isEqualTo(tr.get("adamw").get("beta2").asDouble());
    assertThat(a.get("adam_epsilon").asDouble()).isEqualTo(tr.get("adamw").get("eps").asDouble());
    assertThat(a.get("max_grad_norm").asDouble()).isEqualTo(tr.get("maxGradNorm").asDouble());
    assertThat(a.get("eval_strategy").asText()).isEqualTo("steps");
    assertThat(a.get("eval_steps").asInt()).isEqualTo(tr.get("evalEvery").asInt());
    assertThat(a.get("save_steps").asInt()).isEqualTo(tr.get("saveEvery").asInt());
    assertThat(a.get("save_total_limit").asInt()).isEqualTo(tr.get("keepCheckpoints").asInt());
    assertThat(j.get("early_stopping_patience").asInt()).isEqualTo(tr.get("earlyStoppingPatience").asInt());
    assertThat(a.get("seed").asLong()).isEqualTo(tr.get("seed").asLong());
    assertThat(a.get("gradient_checkpointing").asBoolean()).isEqualTo(tr.get("gradientCheckpointing").asBoolean());
    assertThat(a.get("max_length").asInt()).isEqualTo(trained.get("run").get("max_len").asInt());
    assertThat(a.get("packing").asBoolean()).isTrue();
    assertThat(a.get("assistant_only_loss").asBoolean()).isTrue();
    assertThat(Files.readString(out.resolve("train_trl.py"))).contains("SFTConfig(**sft)", "LoraConfig(**cfg[\"lora_config\"])");

    assertDataMatchesTheSplit(out);
  }

  /** The chat files hold ltm's split: as many validation examples as ltm's dataset holds, each with its reasoning. */
  private static void assertDataMatchesTheSplit(Path out) throws Exception {
    ObjectMapper m = new ObjectMapper();
    List<String> scenes = Files.readAllLines(out.resolve("data/scenes.jsonl"));
    long val = scenes.stream().filter(l -> l.contains("\"split\":\"validation\"")).count();
    List<String> train = Files.readAllLines(out.resolve("data/train.jsonl"));
    List<String> validation = Files.readAllLines(out.resolve("data/validation.jsonl"));
    assertThat(validation).hasSize((int) val).isNotEmpty();
    assertThat(train.size() + validation.size()).isEqualTo(scenes.size());
    assertThat(trained.get("data").get("validation_sequences").asInt()).isPositive();
    JsonNode first = m.readTree(train.get(0));
    JsonNode last = first.get("messages").get(first.get("messages").size() - 1);
    assertThat(last.get("role").asText()).isEqualTo("assistant");
    assertThat(last.get("reasoning_content").asText()).isNotBlank();
    assertThat(first.has("split")).isFalse();
  }

  private static List<String> strings(JsonNode arr) {
    List<String> l = new ArrayList<>();
    arr.forEach(n -> l.add(n.asText()));
    return l;
  }
}
