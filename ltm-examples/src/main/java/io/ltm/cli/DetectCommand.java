package io.ltm.cli;

import io.ltm.cli.options.DetectorOption;
import io.ltm.cli.options.VerboseOption;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ltm.core.problem.Problem;
import io.ltm.core.scene.SceneLoad;
import io.ltm.core.scene.SceneReader;
import io.ltm.metrics.detect.Behaviour;
import io.ltm.metrics.detect.BehaviourClassifier;
import io.ltm.metrics.detect.BehaviourDetectors;
import io.ltm.metrics.detect.DetectorEvaluation;
import io.ltm.metrics.detect.EvaluationReport;
import io.ltm.metrics.detect.LabelledStep;
import io.ltm.metrics.detect.SentenceEvaluation;
import io.ltm.metrics.detect.learned.DetectorFiles;
import io.ltm.metrics.detect.learned.Detectors;
import io.ltm.metrics.detect.learned.GroupedCrossValidation;
import io.ltm.metrics.detect.learned.LeaveOneSetOut;
import io.ltm.metrics.detect.learned.LearnedDetector;
import io.ltm.metrics.detect.learned.LearnedDetectorTrainer;
import io.ltm.metrics.detect.learned.TrainingData;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ltm detect --scenes DIR [--json]}: evaluates a behaviour detector on a labelled scene set
 * (each step's kind is its gold label) and prints precision, recall, F1 and support per behaviour and
 * the macro F1. With {@code --json}: {@code {"behaviours":{"<kind>":{"precision","recall","f1","support"}},
 * "macroF1"}}. Scene problems go to stderr; exit code 1 when a scene has errors (the valid scenes are
 * still evaluated) or none is valid. {@code --sentences FILE} also scores sentence-labelled text.
 *
 * <p>{@code ltm detect --train SCENES... --out DIR}: trains a learned detector on the user's labelled
 * scenes (folders, files, or {@code .tsv} step lists) and writes it to {@code DIR} with its provenance;
 * {@code --cv} also reports grouped cross-validation on them, {@code --loso} leave-one-set-out
 * evaluation over the sets given. {@code --detector DIR} then uses it.
 */
@Command(
    name = "detect",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate a behaviour detector on labelled scenes: precision, recall, F1 per behaviour and macro F1,",
      "or train your own with --train SCENES... --out DIR.",
      "Step kinds are the gold labels (verify, backtrack, subgoal, tension, rewrite, reflect)."
    })
public final class DetectCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--scenes", paramLabel = "DIR", description = "Scene file or folder (walked for *.yaml, *.yml) to evaluate on.")
  Path scenes;

  @Option(names = "--sentences", paramLabel = "FILE", description = "Also evaluate on sentence-labelled text (text-id<TAB>lang<TAB>label<TAB>sentence per line).")
  Path sentences;

  @Option(names = "--json", description = "Print {\"behaviours\":{kind:{precision,recall,f1,support}},\"macroF1\"}.")
  boolean json;

  @Option(names = "--counted", description = "With --json and a learned detector: add \"counted\", the same figures for what the metrics count "
      + "(detections at the counting thresholds), each kind with its threshold and precisionTargetReached.")
  boolean countedJson;

  @Mixin DetectorOption detectorOption;

  @Option(names = "--patterns", paramLabel = "FILE", description = "Detector rules (behaviour<TAB>lang<TAB>[weak<TAB>]regex per line, @outranks<TAB>a<TAB>b for precedence) instead of the shipped ones; implies rules.")
  Path patterns;

  @Option(names = "--train", arity = "1..*", paramLabel = "SCENES", description = "Train a learned detector on these labelled scene folders/files, .tsv step lists (lang<TAB>label<TAB>text) or .tsv sentence-labelled texts (text-id<TAB>lang<TAB>label<TAB>sentence).")
  List<Path> train;

  @Option(names = "--out", paramLabel = "DIR", description = "Where --train writes the detector (detector.json, weights.tsv.gz, provenance.json).")
  Path out;

  @Option(names = "--mode", defaultValue = "learned", description = "How the trained detector decides: learned or combined (stacked with the rules) (default: ${DEFAULT-VALUE}).")
  String mode;

  @Option(names = "--cv", description = "With --train: also report 5-fold cross-validation grouped by scene (trains 5 more detectors).")
  boolean cv;

  @Option(names = "--loso", description = "With --train: also report leave-one-set-out evaluation (each set given scored by a detector trained on the others; one more training per set), a closer proxy for new authors than --cv.")
  boolean loso;

  @Option(names = "--judge", paramLabel = "DIR", description = "Evaluate the model judge instead: a base model folder (Hugging Face layout, e.g. Qwen3) that counts each behaviour in each step.")
  Path judge;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (default: ${DEFAULT-VALUE})")
  String device;

  @Option(names = "--errors", description = "Also list every missed step and false alarm (text mode).")
  boolean errors;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter o = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (train != null) {
      return train(o, err);
    }
    if (scenes == null && sentences == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "give --scenes DIR (or --sentences FILE) to evaluate, or --train SCENES... --out DIR");
    }
    if (judge != null) {
      return judge(o, err);
    }
    BehaviourClassifier d = patterns != null ? BehaviourDetectors.load(patterns) : resolve(spec, detectorOption.name());
    return evaluate(d, o, err);
  }

  private Integer evaluate(BehaviourClassifier d, PrintWriter o, PrintWriter err) throws Exception {
    int rc = LtmCli.OK;
    if (scenes != null) {
      SceneLoad load = SceneReader.readLenient(List.of(scenes));
      for (Problem p : load.problems()) {
        err.println(p.format());
      }
      if (load.scenes().isEmpty()) {
        err.println("error: no valid scene under " + scenes + "; nothing to evaluate");
        err.flush();
        return LtmCli.INPUT_ERROR;
      }
      List<LabelledStep> steps = DetectorEvaluation.steps(load.sceneList());
      EvaluationReport rep = DetectorEvaluation.evaluate(steps, d);
      print(o, rep, d instanceof LearnedDetector l ? DetectorEvaluation.evaluate(steps, l.counting(d.name())) : null, d);
      o.flush();
      warnIfTrainedOn(d, scenes, err);
      err.println("evaluated " + rep.steps() + " steps of " + load.scenes().size() + " scenes with the " + d.name() + " detector");
      rc = load.hasErrors() ? LtmCli.INPUT_ERROR : LtmCli.OK;
    }
    if (sentences != null) {
      if (!Files.isRegularFile(sentences)) {
        err.println("error: " + sentences + ": no such file");
        err.flush();
        return LtmCli.INPUT_ERROR;
      }
      List<SentenceEvaluation.LabelledText> texts;
      try (Reader r = Files.newBufferedReader(sentences, StandardCharsets.UTF_8)) {
        texts = SentenceEvaluation.read(r, sentences.toString());
      }
      EvaluationReport rep = SentenceEvaluation.evaluate(texts, d);
      if (!json) {
        o.println("sentences of " + sentences + ":");
      }
      print(o, rep, d instanceof LearnedDetector l ? SentenceEvaluation.evaluate(texts, l.counting(d.name())) : null, d);
      o.flush();
      err.println("evaluated " + rep.steps() + " sentences of " + texts.size() + " texts with the " + d.name() + " detector");
    }
    o.flush();
    err.flush();
    return rc;
  }

  /** Number of judgements asked before deciding whether the model answers in the judge's format at all. */
  static final int JUDGE_PROBE_STEPS = 3;

  private Integer judge(PrintWriter o, PrintWriter err) throws Exception {
    if (scenes == null && sentences == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--judge needs --scenes DIR (or --sentences FILE) to evaluate on");
    }
    BaseModelDir.require(judge);
    try (io.ltm.lora.generate.LocalModel model = io.ltm.lora.generate.LocalModel.open(judge,
        io.ltm.lora.io.LoadOptions.on(io.ltm.lora.io.LoadOptions.parseDevice(device)))) {
      io.ltm.metrics.detect.JudgeDetector probe = new io.ltm.metrics.detect.JudgeDetector(
          new io.ltm.metrics.detect.BehaviourJudge(model.generator(), 16), "judge " + judge);
      List<String> sample = List.of("Let me check: 3 times 4 is 12, which matches the total.",
          "Scrap that approach; I'll go back to the definitions.", "I notice I keep trusting the first number I saw.");
      for (String s : sample.subList(0, JUDGE_PROBE_STEPS)) {
        probe.classify(s);
      }
      if (probe.failures() == probe.calls()) {
        o.printf("judge skipped: %s answered none of %d probe judgements in the <count>N</count> form, so it cannot judge "
            + "(the built-in random model never can); run it with a real instruction-tuned model such as Qwen3-0.6B%n",
            judge, probe.calls());
        o.flush();
        return LtmCli.OK;
      }
      io.ltm.metrics.detect.JudgeDetector d = new io.ltm.metrics.detect.JudgeDetector(
          new io.ltm.metrics.detect.BehaviourJudge(model.generator(), 16), "judge " + judge);
      int rc = evaluate(d, o, err);
      err.printf("judge: %d judgements, %d without a parsable <count> (counted as not shown)%n", d.calls(), d.failures());
      err.flush();
      return rc;
    }
  }

  /**
   * Prints {@code rep}; for a learned detector also {@code counted}, the same evaluation of what the metrics
   * count ({@link LearnedDetector#counting}), whose precision is what base-vs-adapter deltas rest on.
   */
  private void print(PrintWriter o, EvaluationReport rep, EvaluationReport counted, BehaviourClassifier d) throws Exception {
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      com.fasterxml.jackson.databind.node.ObjectNode root = rep.toJson(mapper);
      if (counted != null && countedJson) {
        com.fasterxml.jackson.databind.node.ObjectNode c = counted.toJson(mapper);
        LearnedDetector l = (LearnedDetector) d;
        for (Behaviour b : LearnedDetector.BEHAVIOURS) {
          com.fasterxml.jackson.databind.JsonNode n = c.path("behaviours").path(b.key());
          if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode bo) {
            bo.put("threshold", l.countingThreshold(b));
            bo.put("precisionTargetReached", l.countingPoint(b).reached());
          }
        }
        root.set("counted", c);
      }
      o.println(mapper.writeValueAsString(root));
    } else {
      o.print(rep.toMarkdown());
      if (counted != null) {
        o.println();
        o.println("counted by the metrics (what base-vs-adapter deltas rest on): the detections above whose probability"
            + " also reaches the behaviour's counting threshold");
        o.print(countedTable((LearnedDetector) d, counted));
      }
      if (errors) {
        for (EvaluationReport.Error e : rep.errors()) {
          o.println((e.missed() ? "missed      " : "false alarm ") + e.behaviour().key() + "  [" + e.step().label() + "] "
              + e.step().source() + ": " + e.step().text().replace('\n', ' '));
        }
      }
    }
  }

  private Integer train(PrintWriter o, PrintWriter err) throws Exception {
    if (out == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--train needs --out DIR, where the detector is written");
    }
    LearnedDetector.Mode m;
    try {
      m = LearnedDetector.Mode.valueOf(mode.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--mode must be learned or combined but got " + mode);
    }
    List<TrainingData> sets = new ArrayList<>();
    for (Path p : train) {
      TrainingData d = TrainingData.read(p);
      err.printf("read %s: %d %s, %d labelled steps (%d Russian)%n", p, d.description().groups(),
          d.description().kind().equals("tsv") ? "lines" : d.description().kind().equals("sentences") ? "texts" : "scenes", d.description().steps(), d.description().russian());
      sets.add(d);
    }
    err.flush();
    LearnedDetectorTrainer trainer = new LearnedDetectorTrainer(LearnedDetectorTrainer.Settings.DEFAULT);
    if (cv) {
      List<LabelledStep> steps = TrainingData.all(sets);
      GroupedCrossValidation.Result r = GroupedCrossValidation.run(trainer, steps, 5);
      EvaluationReport rules = DetectorEvaluation.evaluate(steps, BehaviourDetectors.defaults());
      o.println("5-fold cross-validation grouped by scene (" + steps.size() + " steps); six-behaviour macro F1: rules "
          + fmt(rules.macroF1Of(LearnedDetector.BEHAVIOURS)) + " (not trained, so not held out), learned "
          + fmt(r.learnedReport().macroF1Of(LearnedDetector.BEHAVIOURS)) + ", combined "
          + fmt(r.combinedReport().macroF1Of(LearnedDetector.BEHAVIOURS)));
      o.println("learned, out of fold:");
      o.print(r.learnedReport().toMarkdown());
      o.println("combined, out of fold:");
      o.print(r.combinedReport().toMarkdown());
    }
    if (loso) {
      if (sets.size() < 2) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--loso needs at least two labelled sets after --train");
      }
      LeaveOneSetOut.Result r = LeaveOneSetOut.run(trainer, sets);
      o.println("leave-one-set-out (" + sets.size() + " sets); six-behaviour macro F1 of each set, scored by a detector trained on the others:");
      o.println("| held-out set | steps | rules | learned | combined |");
      o.println("|---|---:|---:|---:|---:|");
      for (LeaveOneSetOut.Fold f : r.folds()) {
        o.println("| " + f.set().path() + " | " + f.set().steps() + " | " + fmt(f.rules().macroF1Of(LearnedDetector.BEHAVIOURS))
            + " | " + fmt(f.learned().macroF1Of(LearnedDetector.BEHAVIOURS)) + " | " + fmt(f.combined().macroF1Of(LearnedDetector.BEHAVIOURS)) + " |");
      }
      o.println("| all steps, each scored once | " + r.learned().steps() + " | " + fmt(r.rules().macroF1Of(LearnedDetector.BEHAVIOURS))
          + " | " + fmt(r.learned().macroF1Of(LearnedDetector.BEHAVIOURS)) + " | " + fmt(r.combined().macroF1Of(LearnedDetector.BEHAVIOURS)) + " |");
      o.println("learned, all held-out steps:");
      o.print(r.learned().toMarkdown());
      o.println("combined, all held-out steps:");
      o.print(r.combined().toMarkdown());
      o.println("(the rules were tuned on the sets written before them, so their figures there are in-sample)");
    }
    LearnedDetector d = trainer.train(sets, m, out.toString(), "ltm detect --train " + String.join(" ", train.stream().map(Path::toString).toList()));
    DetectorFiles.save(d, out);
    o.println("counting thresholds (where the metrics count a behaviour; chosen for held-out precision >= "
        + fmt(trainer.settings().countingPrecision()) + ", held out " + d.countingPoint(Behaviour.VERIFICATION).heldOut() + "):");
    for (Behaviour b : LearnedDetector.BEHAVIOURS) {
      LearnedDetector.CountingPoint cp = d.countingPoint(b);
      o.printf(Locale.ROOT, "  %-10s %s%n", b.key(), cp.reached()
          ? String.format(Locale.ROOT, "%.2f (held-out precision %.3f, recall %.3f)", cp.threshold(), cp.precision(), cp.recall())
          : String.format(Locale.ROOT, "%.2f, the most precise tried: held-out precision %.3f (below the target), recall %.3f; "
              + "its deltas are exploratory", cp.threshold(), cp.precision(), cp.recall()));
    }
    o.printf("wrote the %s detector to %s (detector.json, weights.tsv.gz, provenance.json); trained on %d steps%n",
        m.name().toLowerCase(Locale.ROOT), out, d.provenance().labels().values().stream().mapToInt(Integer::intValue).sum());
    o.printf("next: ltm detect --scenes NEW_SCENES --detector %s%n", out);
    o.flush();
    return LtmCli.OK;
  }

  /** Says so when a learned detector's provenance lists these very scenes (same files): the figures are in-sample. */
  private static void warnIfTrainedOn(BehaviourClassifier d, Path scenes, PrintWriter err) {
    if (!(d instanceof LearnedDetector)) {
      return;
    }
    String sha;
    try {
      sha = TrainingData.read(scenes).description().sha256();
    } catch (Exception e) {
      return; // scenes with errors: the evaluation above already reported them
    }
    for (var set : ((LearnedDetector) d).provenance().data()) {
      if (set.sha256().equals(sha)) {
        err.println("note: the " + d.name() + " detector was trained on these scenes (" + set.path()
            + " in its provenance.json): these figures are in-sample, not a test; see docs/detectors.md for held-out ones");
      }
    }
  }

  /** The counted evaluation with each behaviour's counting threshold and its held-out precision from training. */
  static String countedTable(LearnedDetector d, EvaluationReport counted) {
    StringBuilder sb = new StringBuilder();
    sb.append("| behaviour | counting threshold | held-out precision when trained | precision | recall | counted |\n");
    sb.append("|---|---:|---:|---:|---:|---:|\n");
    List<String> below = new ArrayList<>();
    for (Behaviour b : LearnedDetector.BEHAVIOURS) {
      EvaluationReport.Score s = counted.scores().get(b);
      if (s == null) {
        continue;
      }
      LearnedDetector.CountingPoint cp = d.countingPoint(b);
      String target = cp.heldOut().equals(LearnedDetector.CountingPoint.NONE.heldOut()) ? "not estimated"
          : cp.reached() ? fmt(cp.precision()) : fmt(cp.precision()) + ", below the target";
      if (!cp.reached()) {
        below.add(b.key());
      }
      sb.append(String.format(Locale.ROOT, "| %s | %.2f | %s | %.3f | %.3f | %d |%n", b.label(), d.countingThreshold(b), target,
          s.precision(), s.recall(), s.tp() + s.fp()));
    }
    if (!below.isEmpty()) {
      sb.append("no counting threshold reached the detector's held-out precision target for ").append(String.join(", ", below))
          .append(": counted at the most precise threshold tried; read base-vs-adapter deltas of those counts as exploratory (docs/detectors.md)\n");
    }
    return sb.toString();
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.3f", v);
  }

  /** Resolves {@code --detector}, turning a bad value into a usage error that names the option. */
  static BehaviourClassifier resolve(CommandLine.Model.CommandSpec spec, String detector) throws java.io.IOException {
    try {
      return Detectors.resolve(detector);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
