package io.ltm.core.scene;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.core.problem.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bundled example scenes under {@code examples/scenes/}: valid, varied, and round-trippable. */
class ExampleScenesTest {
  static final Path EXAMPLES = Path.of("../examples/scenes");

  /** Note titles of the example vault that scene sources may cite. */
  static final Set<String> VAULT_TITLES = Set.of("LoRA basics", "LTM_2", "RAG vs fine-tuning", "Thinking traces",
      "Evaluation of reasoning", "Zettelkasten", "Obsidian workflow", "Qwen3 models", "First experiment plan",
      "Память и заметки", "Рефлексия модели");

  static SceneLoad load;

  @BeforeAll
  static void read() {
    load = SceneReader.readLenient(List.of(EXAMPLES));
  }

  @Test
  void allExamplesValidateWithoutErrorsOrWarnings() throws Exception {
    assertThat(load.problems()).extracting(Problem::format).isEmpty();
    assertThat(SceneReader.readStrict(List.of(EXAMPLES))).hasSameSizeAs(load.scenes());
  }

  @Test
  void thereAre24To30ScenesWithAtLeastEightInRussian() {
    assertThat(load.scenes()).hasSizeBetween(24, 30);
    assertThat(load.sceneList()).filteredOn(s -> s.lang().equals("ru")).hasSizeGreaterThanOrEqualTo(8);
    assertThat(load.sceneList()).filteredOn(s -> s.lang().equals("en")).hasSizeGreaterThanOrEqualTo(8);
    // Russian scenes are written in Russian, not just labelled so.
    for (Scene s : load.sceneList()) {
      boolean cyrillic = s.answer().chars().anyMatch(c -> Character.UnicodeBlock.of(c) == Character.UnicodeBlock.CYRILLIC);
      assertThat(cyrillic).as(s.id()).isEqualTo(s.lang().equals("ru"));
    }
  }

  @Test
  void someFilesHoldAListOfScenes() {
    Map<String, Long> perFile = load.scenes().stream()
        .collect(Collectors.groupingBy(SourcedScene::file, Collectors.counting()));
    assertThat(perFile.values().stream().filter(n -> n > 1).count()).isGreaterThanOrEqualTo(2);
    assertThat(perFile.keySet()).allMatch(f -> f.startsWith(EXAMPLES.toString() + "/"));
  }

  @Test
  void everySceneIsComplete() {
    for (Scene s : load.sceneList()) {
      assertThat(s.thought()).as(s.id()).hasSizeBetween(5, 10);
      assertThat(s.title()).as(s.id()).isNotBlank();
      assertThat(s.tags()).as(s.id()).isNotEmpty();
      assertThat(s.links()).as(s.id()).isNotEmpty();
      assertThat(s.sources()).as(s.id()).isNotEmpty();
    }
  }

  @Test
  void everyStepKindIsUsedManyTimes() {
    Map<StepKind, Integer> counts = new EnumMap<>(StepKind.class);
    load.sceneList().forEach(s -> s.thought().forEach(t -> counts.merge(t.kind(), 1, Integer::sum)));
    for (StepKind k : StepKind.values()) {
      assertThat(counts.getOrDefault(k, 0)).as(k.yamlName()).isGreaterThanOrEqualTo(10);
    }
    // Kinds in several positions, so a detector cannot learn "step 0 is observe".
    Set<StepKind> firstKinds = load.sceneList().stream().map(s -> s.thought().get(0).kind()).collect(Collectors.toSet());
    assertThat(firstKinds.size()).isGreaterThanOrEqualTo(4);
  }

  @Test
  void rewritesRestateAnEarlierStep() {
    long rewrites = 0;
    for (Scene s : load.sceneList()) {
      for (int i = 0; i < s.thought().size(); i++) {
        Step st = s.thought().get(i);
        if (st.kind() == StepKind.REWRITE) {
          rewrites++;
          assertThat(st.revises()).as(s.id() + " step " + i).isNotNull().isLessThan(i);
        } else {
          assertThat(st.revises()).as(s.id() + " step " + i).isNull();
        }
      }
    }
    assertThat(rewrites).isGreaterThanOrEqualTo(15);
  }

  @Test
  void stepTextsAreVariedNotTemplated() {
    // The first three words of steps of one kind should rarely repeat: gold labels must not be one phrase.
    Map<StepKind, List<String>> openings = load.sceneList().stream().flatMap(s -> s.thought().stream())
        .collect(Collectors.groupingBy(Step::kind, Collectors.mapping(ExampleScenesTest::opening, Collectors.toList())));
    openings.forEach((kind, list) -> {
      long distinct = list.stream().distinct().count();
      assertThat((double) distinct / list.size()).as(kind.yamlName() + " " + list).isGreaterThan(0.8);
    });
  }

  private static String opening(Step step) {
    String[] words = step.text().toLowerCase().split("\\s+");
    return String.join(" ", List.of(words).subList(0, Math.min(3, words.length)));
  }

  @Test
  void sourcesAreWikilinksToVaultNotes() {
    Pattern wikilink = Pattern.compile("\\[\\[([^\\]|#]+)]]");
    for (Scene s : load.sceneList()) {
      for (String src : s.sources()) {
        Matcher m = wikilink.matcher(src);
        assertThat(m.matches()).as(s.id() + ": " + src).isTrue();
        assertThat(VAULT_TITLES).as(s.id()).contains(m.group(1));
      }
    }
  }

  @Test
  void sourcesResolveToNotesOfTheExampleVault() throws Exception {
    Path vault = Path.of("../examples/vault");
    Set<String> noteNames;
    try (Stream<Path> files = Files.walk(vault)) {
      noteNames = files.map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".md"))
          .map(n -> n.substring(0, n.length() - 3).toLowerCase(java.util.Locale.ROOT))
          .collect(Collectors.toSet());
    }
    for (Scene s : load.sceneList()) {
      for (String src : s.sources()) {
        String title = src.substring(2, src.length() - 2).toLowerCase(java.util.Locale.ROOT);
        assertThat(noteNames).as(s.id() + " cites " + src).contains(title);
      }
    }
  }

  @Test
  void everyExampleRoundTripsThroughTheWriter(@TempDir Path tmp) throws Exception {
    for (SourcedScene ss : load.scenes()) {
      String yaml = SceneWriter.toYaml(ss.scene());
      assertThat(SceneReader.parseStrict(ss.file(), yaml)).as(ss.file()).containsExactly(ss.scene());
    }
    // The whole set as one list file, and as one file per scene in a fresh folder.
    Path all = tmp.resolve("all.yaml");
    SceneWriter.write(all, load.sceneList());
    assertThat(SceneReader.readStrict(List.of(all))).isEqualTo(load.sceneList());
    for (Scene s : load.sceneList()) {
      SceneWriter.write(tmp.resolve("each").resolve(s.id() + ".yaml"), s);
    }
    List<Scene> reread = SceneReader.readStrict(List.of(tmp.resolve("each")));
    assertThat(reread).containsExactlyInAnyOrderElementsOf(load.sceneList());
    // Writing again what was read gives byte-identical YAML: the writer is a fixed point.
    try (Stream<Path> files = Files.list(tmp.resolve("each"))) {
      for (Path f : files.toList()) {
        String text = Files.readString(f);
        assertThat(SceneWriter.toYaml(SceneReader.readStrict(List.of(f)).get(0))).isEqualTo(text);
      }
    }
  }
}
