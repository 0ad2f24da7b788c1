package io.ltm.metrics.detect.learned;

import io.ltm.core.problem.Problem;
import io.ltm.core.scene.SceneLoad;
import io.ltm.core.scene.SceneReader;
import io.ltm.metrics.detect.DetectorEvaluation;
import io.ltm.metrics.detect.LabelledStep;
import io.ltm.metrics.detect.SentenceEvaluation;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One labelled set read for training or evaluation: scenes (a file or a folder walked for {@code
 * *.yaml}/{@code *.yml}; each step's kind is its label), a TSV of steps ({@code
 * lang<TAB>label<TAB>text}, see {@link DetectorEvaluation#readTsv}), or a TSV of sentence-labelled
 * texts ({@code text-id<TAB>lang<TAB>label<TAB>sentence}, see {@link SentenceEvaluation}; each text is a
 * group whose sentences are steps in order).
 *
 * @param description what it is, for provenance
 * @param steps its labelled steps, scenes in order
 */
public record TrainingData(Provenance.DataSet description, List<LabelledStep> steps) {
  public TrainingData {
    Objects.requireNonNull(description, "description");
    steps = List.copyOf(steps);
  }

  /**
   * Reads {@code path}: a {@code .tsv} file as labelled steps, anything else as scenes.
   *
   * @throws IllegalArgumentException naming the file and line of the first scene error, or when the
   *     path holds no labelled step
   */
  public static TrainingData read(Path path) throws IOException {
    if (!Files.exists(path)) {
      throw new IllegalArgumentException(path + ": no such file or folder; give scene folders or .tsv files");
    }
    List<Path> files = new ArrayList<>();
    List<LabelledStep> steps;
    String kind;
    int groups;
    if (Files.isRegularFile(path) && path.toString().endsWith(".tsv")) {
      if (isSentenceFile(path)) {
        List<SentenceEvaluation.LabelledText> texts;
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
          texts = SentenceEvaluation.read(r, path.getFileName().toString());
        }
        steps = new ArrayList<>();
        String prefix = path.getFileName().toString() + ":";
        for (SentenceEvaluation.LabelledText t : texts) {
          for (LabelledStep s : t.sentences()) {
            steps.add(new LabelledStep(prefix + s.source(), s.lang(), s.label(), s.text()));
          }
        }
        kind = "sentences";
        groups = texts.size();
      } else {
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
          steps = DetectorEvaluation.readTsv(r, path.getFileName().toString());
        }
        kind = "tsv";
        groups = steps.size();
      }
      files.add(path);
    } else {
      SceneLoad load = SceneReader.readLenient(List.of(path));
      for (Problem p : load.problems()) {
        if (p.isError()) {
          throw new IllegalArgumentException(p.format() + " (fix the scene or leave it out of the training set)");
        }
      }
      steps = DetectorEvaluation.steps(load.sceneList());
      kind = "scenes";
      groups = load.scenes().size();
      if (Files.isDirectory(path)) {
        try (Stream<Path> w = Files.walk(path)) {
          w.filter(p -> Files.isRegularFile(p) && (p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")))
              .sorted().forEach(files::add);
        }
      } else {
        files.add(path);
      }
    }
    if (steps.isEmpty()) {
      throw new IllegalArgumentException(path + ": no labelled step found");
    }
    int ru = 0;
    for (LabelledStep s : steps) {
      ru += s.lang().equals("ru") ? 1 : 0;
    }
    return new TrainingData(new Provenance.DataSet(path.toString(), kind, groups, steps.size(), ru, sha256(path, files)), steps);
  }

  /**
   * Whether a {@code .tsv} file is sentence-labelled text ({@code text-id<TAB>lang<TAB>label<TAB>sentence},
   * {@link SentenceEvaluation}) rather than a step list ({@code lang<TAB>label<TAB>text}): its first
   * data line has a language tag in the second column, not the first.
   */
  static boolean isSentenceFile(Path path) throws IOException {
    try (java.io.BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] c = line.split("\t", 4);
        return c.length == 4 && !isLang(c[0]) && isLang(c[1]);
      }
    }
    return false;
  }

  private static boolean isLang(String s) {
    return s.matches("[a-z]{2}(-[A-Za-z]{2})?");
  }

  /** Every step of {@code sets}, in order; fails when two sets share a scene id. */
  public static List<LabelledStep> all(List<TrainingData> sets) {
    List<LabelledStep> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (TrainingData d : sets) {
      Set<String> mine = new HashSet<>();
      for (LabelledStep s : d.steps()) {
        String g = DetectorEvaluation.group(s);
        if (seen.contains(g)) {
          throw new IllegalArgumentException("scene '" + g + "' of " + d.description().path()
              + " is also in an earlier set; give each labelled set once");
        }
        mine.add(g);
      }
      seen.addAll(mine);
      out.addAll(d.steps());
    }
    return out;
  }

  private static String sha256(Path root, List<Path> files) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      for (Path f : files) {
        String rel = Files.isDirectory(root) ? root.relativize(f).toString().replace('\\', '/') : f.getFileName().toString();
        md.update(rel.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(Files.readAllBytes(f));
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
