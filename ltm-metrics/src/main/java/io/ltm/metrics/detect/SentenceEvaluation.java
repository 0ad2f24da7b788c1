package io.ltm.metrics.detect;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Evaluates detectors where they are used on generated text: at sentence granularity. A labelled
 * text is a list of sentences, each with a gold label (a step kind or {@code backward}); the
 * sentences joined by single spaces are the text given to {@link BehaviourClassifier#detect}, and a
 * sentence is predicted to show behaviour {@code b} when a span of {@code b} overlaps it. Scores as
 * {@link DetectorEvaluation#score} does, one labelled step per sentence. Stateless; thread-safe.
 *
 * <p>File format (UTF-8 TSV, {@code #} comments): {@code text-id<TAB>lang<TAB>label<TAB>sentence};
 * the lines of one text are consecutive.
 */
public final class SentenceEvaluation {
  private SentenceEvaluation() {}

  /**
   * One labelled text.
   *
   * @param id its id
   * @param sentences its sentences, labelled (source {@code id#index})
   */
  public record LabelledText(String id, List<LabelledStep> sentences) {
    public LabelledText {
      Objects.requireNonNull(id, "id");
      sentences = List.copyOf(sentences);
    }

    /** The text: sentences joined by single spaces. */
    public String text() {
      StringBuilder sb = new StringBuilder();
      for (LabelledStep s : sentences) {
        if (sb.length() > 0) {
          sb.append(' ');
        }
        sb.append(s.text());
      }
      return sb.toString();
    }
  }

  /**
   * Reads labelled texts.
   *
   * @throws IllegalArgumentException naming {@code source:line} for a line without 4 columns
   */
  public static List<LabelledText> read(Reader reader, String source) throws IOException {
    Map<String, List<LabelledStep>> texts = new LinkedHashMap<>();
    BufferedReader br = new BufferedReader(reader);
    String line;
    int no = 0;
    while ((line = br.readLine()) != null) {
      no++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] c = line.split("\t", 4);
      if (c.length < 4 || c[3].isBlank()) {
        throw new IllegalArgumentException(source + ":" + no + ": expected text-id<TAB>lang<TAB>label<TAB>sentence");
      }
      List<LabelledStep> l = texts.computeIfAbsent(c[0], k -> new ArrayList<>());
      l.add(new LabelledStep(c[0] + "#" + l.size(), c[1], c[2], c[3].trim()));
    }
    List<LabelledText> out = new ArrayList<>();
    texts.forEach((id, l) -> out.add(new LabelledText(id, l)));
    return out;
  }

  /** Scores {@code detector}'s spans on {@code texts}, one gold label per sentence. */
  public static EvaluationReport evaluate(List<LabelledText> texts, BehaviourClassifier detector) {
    List<LabelledStep> all = new ArrayList<>();
    List<Set<Behaviour>> predicted = new ArrayList<>();
    for (LabelledText t : texts) {
      String text = t.text();
      List<Span> spans = detector.detect(text);
      int at = 0;
      for (LabelledStep s : t.sentences()) {
        int start = at;
        int end = at + s.text().length();
        Set<Behaviour> p = EnumSet.noneOf(Behaviour.class);
        for (Span sp : spans) {
          if (sp.start() < end && sp.end() > start) {
            p.add(sp.behaviour());
          }
        }
        all.add(s);
        predicted.add(p);
        at = end + 1;
      }
    }
    return DetectorEvaluation.score(all, predicted);
  }
}
