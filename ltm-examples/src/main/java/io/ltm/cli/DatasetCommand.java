package io.ltm.cli;

import io.ltm.cli.options.SystemPromptOption;
import io.ltm.cli.options.VerboseOption;
import io.ltm.core.problem.Problem;
import io.ltm.core.scene.SceneLoad;
import io.ltm.core.scene.SceneReader;
import io.ltm.core.vault.Note;
import io.ltm.core.vault.Vault;
import io.ltm.dataset.Dataset;
import io.ltm.dataset.DatasetBuilder;
import io.ltm.dataset.chat.StepStyle;
import io.ltm.dataset.dedup.DuplicateGroup;
import io.ltm.dataset.export.JsonlExport;
import io.ltm.dataset.notes.NoteExamples;
import io.ltm.dataset.token.HfTokenizer;
import io.ltm.dataset.token.LossTarget;
import io.ltm.dataset.token.TruncationPolicy;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ltm dataset SCENES... --tokenizer DIR --out FILE [--max-len N] [--pack] [--vault DIR]}:
 * builds the fine-tuning dataset and writes it beside {@code FILE}:
 * <ul>
 *   <li>{@code FILE}: the messages form (one scene per line, {@code {"id","split","lang","messages",
 *       "step_kinds"}}), what TRL/Axolotl read;
 *   <li>{@code FILE} with {@code .tokens.jsonl} for {@code .jsonl}: the tokenized sequences
 *       ({@code input_ids, labels, position_ids, attention_mask, segment_ids});
 *   <li>{@code .notes.jsonl}: the vault's plain-text examples ({@code {"id","split","text"}}), only with
 *       {@code --vault};
 *   <li>{@code .stats.json}: the statistics and duplicate groups.
 * </ul>
 * Scenes load leniently: every problem is printed ({@code file:line:col: error|warning: message}, on
 * stderr), the dataset is built and written from the valid scenes, and the exit code is 1 when any
 * scene had an error (0 otherwise), so a pipeline stops while the user still sees the result. With no
 * valid scene nothing is written. Statistics go to stdout.
 */
@Command(
    name = "dataset",
    mixinStandardHelpOptions = true,
    description = {
      "Build a fine-tuning dataset (Qwen3 ChatML with <think>) from scenes, and optionally vault notes.",
      "Writes FILE (messages JSONL for TRL/Axolotl), and beside it (data.jsonl -> data.*):",
      "  data.tokens.jsonl (input_ids, labels, position_ids, attention_mask, segment_ids),",
      "  data.stats.json, and data.notes.jsonl with --vault; then prints statistics.",
      "Scenes with errors are printed and left out; the dataset is still written and the exit code is 1."
    })
public final class DatasetCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "SCENES", description = "Scene YAML files or folders holding them.")
  List<Path> scenes;

  @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
      description = "Folder with tokenizer.json and tokenizer_config.json (a Qwen3 model folder, or examples/tokenizer/qwen3).")
  Path tokenizer;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Messages JSONL to write; the other files go beside it.")
  Path out;

  @Option(names = "--max-len", paramLabel = "N", defaultValue = "2048", description = "Maximum tokens per example and per packed sequence (default ${DEFAULT-VALUE}).")
  int maxLen;

  @Option(names = "--pack", description = "Pack several examples into each sequence of --max-len tokens (block-diagonal attention via segment ids).")
  boolean pack;

  @Option(names = "--vault", paramLabel = "DIR", description = "Obsidian vault whose notes become plain-text examples (loss on every token).")
  Path vault;

  @Mixin SystemPromptOption system;

  @Option(names = "--steps", paramLabel = "STYLE", defaultValue = "plain",
      description = "Step rendering: plain (default) or tagged ([tension] ...).")
  String steps;

  @Option(names = "--loss", paramLabel = "TARGET", defaultValue = "assistant",
      description = "Tokens in the loss: assistant (think + answer + <|im_end|>, default), answer, think.")
  String loss;

  @Option(names = "--trl-mask",
      description = "With --loss assistant, also count the <|im_start|>assistant header and the newline after <|im_end|>, as TRL's assistant-only loss does.")
  boolean trlMask;

  @Option(names = "--truncation", paramLabel = "POLICY", defaultValue = "skip",
      description = "Examples over --max-len: skip (default) or truncate.")
  String truncation;

  @Option(names = "--val-fraction", paramLabel = "F", defaultValue = "0.1",
      description = "Share of scene ids hashed to validation, in [0, 1) (default ${DEFAULT-VALUE}).")
  double valFraction;

  @Option(names = "--keep-duplicates", description = "Keep scenes whose content repeats an earlier scene (they are reported either way).")
  boolean keepDuplicates;

  @Option(names = "--notes-per", paramLabel = "UNIT", defaultValue = "section",
      description = "Vault examples per: section (default) or note.")
  String notesPer;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    CommandLine cl = spec.commandLine();
    PrintWriter stdout = cl.getOut();
    PrintWriter err = cl.getErr();
    StepStyle stepStyle = switch (steps.toLowerCase(Locale.ROOT)) {
      case "plain" -> StepStyle.PLAIN;
      case "tagged", "tags", "kind-tags" -> StepStyle.KIND_TAGS;
      default -> throw new CommandLine.ParameterException(cl, "--steps must be plain or tagged but got '" + steps + "'");
    };
    LossTarget target = switch (loss.toLowerCase(Locale.ROOT)) {
      case "assistant" -> LossTarget.ASSISTANT;
      case "answer" -> LossTarget.ANSWER;
      case "think" -> LossTarget.THINK;
      default -> throw new CommandLine.ParameterException(cl, "--loss must be assistant, answer or think but got '" + loss + "'");
    };
    TruncationPolicy policy = switch (truncation.toLowerCase(Locale.ROOT)) {
      case "skip" -> TruncationPolicy.SKIP;
      case "truncate" -> TruncationPolicy.TRUNCATE;
      default -> throw new CommandLine.ParameterException(cl, "--truncation must be skip or truncate but got '" + truncation + "'");
    };
    NoteExamples.Granularity granularity = switch (notesPer.toLowerCase(Locale.ROOT)) {
      case "section" -> NoteExamples.Granularity.SECTION;
      case "note" -> NoteExamples.Granularity.NOTE;
      default -> throw new CommandLine.ParameterException(cl, "--notes-per must be section or note but got '" + notesPer + "'");
    };
    if (maxLen < 16) {
      throw new CommandLine.ParameterException(cl, "--max-len must be at least 16 but got " + maxLen);
    }
    if (!(valFraction >= 0 && valFraction < 1)) {
      throw new CommandLine.ParameterException(cl, "--val-fraction must be in [0, 1) but got " + valFraction);
    }

    SceneLoad load = SceneReader.readLenient(scenes);
    for (Problem p : load.problems()) {
      err.println(p.format());
    }
    boolean errors = load.hasErrors();
    List<Note> notes = List.of();
    if (vault != null) {
      Vault v = Vault.read(vault);
      notes = v.notes();
    }
    if (load.scenes().isEmpty() && notes.isEmpty()) {
      err.println("error: no valid scene" + (errors ? " (see the errors above)" : " found under " + scenes)
          + "; nothing written");
      err.flush();
      return LtmCli.INPUT_ERROR;
    }
    Dataset ds;
    try (HfTokenizer tok = HfTokenizer.load(tokenizer)) {
      DatasetBuilder builder = DatasetBuilder.builder()
          .setTokenizer(tok)
          .optMaxLength(maxLen)
          .optPack(pack)
          .optSystemPrompt(system.system())
          .optStepStyle(stepStyle)
          .optLossTarget(target)
          .optLabelAssistantHeader(trlMask)
          .optLabelNewlineAfterImEnd(trlMask)
          .optTruncation(policy)
          .optValidationFraction(valFraction)
          .optDropDuplicates(!keepDuplicates)
          .optNoteGranularity(granularity)
          .optProgress((done, total) -> {
            if (total >= 5000) {
              err.printf("tokenized %d/%d%n", done, total);
              err.flush();
            }
          })
          .build();
      ds = builder.build(load.sceneList(), notes);
    }
    ds.examples().stream().filter(e -> !e.status().inDataset() && e.status() != io.ltm.dataset.ExampleInfo.Status.DUPLICATE)
        .forEach(e -> err.println("warning: " + e.id() + " left out: " + leftOutReason(e, target)));
    if (ds.examples().stream().noneMatch(e -> e.status().inDataset())) {
      err.println("error: every example was left out (see the warnings above); nothing written. "
          + "Raise --max-len, use --truncation truncate, or choose another --loss");
      err.flush();
      return LtmCli.INPUT_ERROR;
    }
    Path tokens = JsonlExport.besides(out, "tokens");
    Path stats = JsonlExport.besides(out, "stats.json");
    JsonlExport.writeMessages(out, ds);
    JsonlExport.writeTokens(tokens, ds);
    JsonlExport.writeStats(stats, ds);
    Path notesFile = null;
    if (vault != null) {
      notesFile = JsonlExport.besides(out, "notes");
      JsonlExport.writeTexts(notesFile, ds);
    }
    for (DuplicateGroup g : ds.duplicates()) {
      err.println("warning: duplicate scenes (" + g.describe() + ")"
          + (!keepDuplicates && g.kind() == DuplicateGroup.Kind.SAME_CONTENT ? ", kept " + g.ids().get(0) : ""));
    }
    stdout.print(ds.stats().format());
    stdout.println("wrote " + out + ", " + tokens + ", " + stats + (notesFile == null ? "" : ", " + notesFile));
    stdout.flush();
    if (errors) {
      err.println("invalid: " + load.errors().size() + " error(s) in the scenes; the dataset holds the "
          + load.scenes().size() + " valid scene(s)");
    }
    err.flush();
    return errors ? LtmCli.INPUT_ERROR : LtmCli.OK;
  }

  /** Why an example is not in the dataset, in the words of the options that change it. */
  private String leftOutReason(io.ltm.dataset.ExampleInfo e, LossTarget target) {
    switch (e.status()) {
      case SKIPPED_TOO_LONG:
        return e.tokens() + " tokens, over --max-len " + maxLen + " (raise it, or use --truncation truncate)";
      case SKIPPED_NO_LABELS:
        return "no token is left to learn from (--loss " + target.name().toLowerCase(Locale.ROOT)
            + ", " + e.tokens() + " tokens, --max-len " + maxLen + "): the part the loss trains on is empty or was cut off";
      default:
        return e.status().name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
  }
}
