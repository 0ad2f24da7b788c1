package io.ltm.metrics.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.core.problem.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training run's {@code metrics.jsonl}: training lines {@code {"step":10,"loss":2.31,"lr":1e-4,
 * "grad_norm":0.8,"tokens_per_s":512.0,"elapsed_s":12.3}} and evaluation lines {@code
 * {"step":50,"eval_loss":2.1,"eval_ppl":8.2}}. Fields other than {@code step} and {@code loss} /
 * {@code eval_loss} are optional (NaN when absent); unknown fields are ignored. A torn last line
 * (interrupted write) is skipped with a warning.
 *
 * @param train training lines in file order
 * @param eval evaluation lines in file order
 * @param warnings problems that did not stop the reading
 */
public record TrainingLog(List<TrainStep> train, List<EvalStep> eval, List<Problem> warnings) {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingLog.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public TrainingLog {
    train = List.copyOf(train);
    eval = List.copyOf(eval);
    warnings = List.copyOf(warnings);
  }

  /** One training line. */
  public record TrainStep(long step, double loss, double lr, double gradNorm, double tokensPerS, double elapsedS) {}

  /** One evaluation line. */
  public record EvalStep(long step, double evalLoss, double evalPpl) {}

  /**
   * Reads {@code file}.
   *
   * @throws IllegalArgumentException naming {@code file:line} and the field for a malformed line
   */
  public static TrainingLog read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    String all = new String(bytes, StandardCharsets.UTF_8);
    boolean endsWithNewline = all.isEmpty() || all.endsWith("\n");
    String[] lines = all.split("\n", -1);
    List<TrainStep> train = new ArrayList<>();
    List<EvalStep> eval = new ArrayList<>();
    List<Problem> warnings = new ArrayList<>();
    int last = lines.length - 1;
    while (last >= 0 && lines[last].isBlank()) {
      last--;
    }
    for (int i = 0; i <= last; i++) {
      String line = lines[i];
      if (line.isBlank()) {
        continue;
      }
      int no = i + 1;
      JsonNode n;
      try {
        n = MAPPER.readTree(line);
      } catch (JsonProcessingException e) {
        if (i == last && !endsWithNewline) {
          Problem w = Problem.warning(file.toString(), no, 0, "", "torn last line ignored (interrupted write?)");
          LOG.warn(w.format());
          warnings.add(w);
          continue;
        }
        throw new IllegalArgumentException(file + ":" + no + ": not valid JSON: " + io.ltm.core.problem.JsonErrorText.of(e)
            + "; each line must be one JSON object");
      }
      if (n == null || !n.isObject()) {
        throw new IllegalArgumentException(file + ":" + no + ": expected a JSON object");
      }
      long step = (long) number(n, "step", file, no, true);
      if (step < 0) {
        throw new IllegalArgumentException(file + ":" + no + ": field 'step' must be >= 0 but got " + step);
      }
      if (n.has("eval_loss")) {
        eval.add(new EvalStep(step, number(n, "eval_loss", file, no, true), number(n, "eval_ppl", file, no, false)));
      } else if (n.has("loss")) {
        train.add(new TrainStep(step, number(n, "loss", file, no, true), number(n, "lr", file, no, false),
            number(n, "grad_norm", file, no, false), number(n, "tokens_per_s", file, no, false),
            number(n, "elapsed_s", file, no, false)));
      } else {
        throw new IllegalArgumentException(file + ":" + no + ": line has neither 'loss' nor 'eval_loss'");
      }
    }
    return new TrainingLog(train, eval, warnings);
  }

  private static double number(JsonNode n, String field, Path file, int line, boolean required) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw new IllegalArgumentException(file + ":" + line + ": missing field '" + field + "'");
      }
      return Double.NaN;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException(file + ":" + line + ": field '" + field + "' must be a number but got " + v);
    }
    return v.doubleValue();
  }
}
