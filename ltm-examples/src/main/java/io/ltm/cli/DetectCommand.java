package io.ltm.cli;

import io.ltm.cli.options.VerboseOption;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ltm.core.problem.Problem;
import io.ltm.core.scene.SceneLoad;
import io.ltm.core.scene.SceneReader;
import io.ltm.metrics.detect.BehaviourDetectors;
import io.ltm.metrics.detect.DetectorEvaluation;
import io.ltm.metrics.detect.EvaluationReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ltm detect --scenes DIR [--json]}: evaluates the behaviour detectors on a labelled scene set
 * (each step's kind is its gold label) and prints precision, recall, F1 and support per behaviour and
 * the macro F1. With {@code --json}: {@code {"behaviours":{"<kind>":{"precision","recall","f1","support"}},
 * "macroF1"}}. Scene problems go to stderr; exit code 1 when a scene has errors (the valid scenes are
 * still evaluated) or none is valid.
 */
@Command(
    name = "detect",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate the behaviour detectors on labelled scenes: precision, recall, F1 per behaviour and macro F1.",
      "Step kinds are the gold labels (verify, backtrack, subgoal, tension, rewrite, reflect)."
    })
public final class DetectCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--scenes", required = true, paramLabel = "DIR", description = "Scene file or folder (walked for *.yaml, *.yml).")
  Path scenes;

  @Option(names = "--json", description = "Print {\"behaviours\":{kind:{precision,recall,f1,support}},\"macroF1\"}.")
  boolean json;

  @Option(names = "--patterns", paramLabel = "FILE", description = "Detector rules (behaviour<TAB>lang<TAB>[weak<TAB>]regex per line, @outranks<TAB>a<TAB>b for precedence) instead of the shipped ones.")
  Path patterns;

  @Option(names = "--errors", description = "Also list every missed step and false alarm (text mode).")
  boolean errors;

  @Mixin VerboseOption verbose;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SceneLoad load = SceneReader.readLenient(List.of(scenes));
    for (Problem p : load.problems()) {
      err.println(p.format());
    }
    if (load.scenes().isEmpty()) {
      err.println("error: no valid scene under " + scenes + "; nothing to evaluate");
      err.flush();
      return LtmCli.INPUT_ERROR;
    }
    BehaviourDetectors detectors = patterns == null ? BehaviourDetectors.defaults() : BehaviourDetectors.load(patterns);
    EvaluationReport rep = DetectorEvaluation.evaluate(DetectorEvaluation.steps(load.sceneList()), detectors);
    if (json) {
      ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
      out.println(mapper.writeValueAsString(rep.toJson(mapper)));
    } else {
      out.print(rep.toMarkdown());
      if (errors) {
        for (EvaluationReport.Error e : rep.errors()) {
          out.println((e.missed() ? "missed      " : "false alarm ") + e.behaviour().key() + "  [" + e.step().label() + "] "
              + e.step().source() + ": " + e.step().text().replace('\n', ' '));
        }
      }
    }
    out.flush();
    err.println("evaluated " + rep.steps() + " steps of " + load.scenes().size() + " scenes");
    err.flush();
    return load.hasErrors() ? LtmCli.INPUT_ERROR : LtmCli.OK;
  }
}
