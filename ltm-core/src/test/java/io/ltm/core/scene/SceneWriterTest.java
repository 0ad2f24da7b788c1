package io.ltm.core.scene;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SceneWriterTest {

  @TempDir Path tmp;

  private static Scene russianScene() {
    return new Scene(
        "pamyat-i-zametki",
        "Память и заметки: зачем модели Zettelkasten",
        "ru",
        List.of("память", "obsidian"),
        List.of("rag-before-lora"),
        "Я веду заметки в Obsidian три года.\nСвязей между ними — больше тысячи.",
        "Поможет ли модели то, что я помню через заметки?",
        List.of(
            Step.of(StepKind.OBSERVE, "В хранилище 412 заметок, у трети нет ни одной входящей ссылки."),
            new Step(StepKind.REWRITE, "Точнее: у 137 заметок из 412 нет входящих ссылок,\nа не «у трети».", 0),
            Step.of(StepKind.VERIFY, "Проверю: 412 / 3 ≈ 137,3 — да, «треть» была верной оценкой.")),
        "Да, но сначала как контекст (RAG), а не как веса.",
        List.of("[[Память и заметки]]", "[[Zettelkasten]]"));
  }

  @Test
  void writesTheHandWrittenLayout() {
    Scene s = new Scene("lora-first-run", "Why the first run waits", "en", List.of("practice", "lora"),
        List.of("rag-before-lora"), "", "Why do I keep postponing it?\nWhat is missing?",
        List.of(Step.of(StepKind.OBSERVE, "Three weeks of planning."),
            new Step(StepKind.REWRITE, "Four weeks, counting the holiday.", 0)),
        "Nothing is missing.", List.of("[[LTM_2]]"));
    assertThat(SceneWriter.toYaml(s)).isEqualTo("""
        id: lora-first-run
        title: Why the first run waits
        lang: en
        tags: [practice, lora]
        links: [rag-before-lora]
        prompt: |
          Why do I keep postponing it?
          What is missing?
        thought:
          - kind: observe
            text: Three weeks of planning.
          - kind: rewrite
            revises: 0
            text: Four weeks, counting the holiday.
        answer: Nothing is missing.
        sources: ["[[LTM_2]]"]
        """);
  }

  @Test
  void russianAndMultiLineTextRoundTrip() throws Exception {
    Scene s = russianScene();
    String yaml = SceneWriter.toYaml(s);
    assertThat(yaml).contains("Память и заметки").contains("context: |\n");
    assertThat(SceneReader.parseStrict("w.yaml", yaml)).containsExactly(s);

    Path f = tmp.resolve("ru.yaml");
    SceneWriter.write(f, s);
    assertThat(SceneReader.readStrict(List.of(f))).containsExactly(s);
  }

  @Test
  void trickyStringsRoundTrip() throws Exception {
    List<String> tricky = List.of("null", "~", "Null", "yes", "no", "true", "False", "12", "012", "0x1F", "1.5", "1e3",
        ".inf", "- dash", "a: b", "#hash", "x #not comment", "[[LTM_2]]", "'quoted'", "\"double\"", "ends:",
        "%percent", "@at", "`tick", "{brace}", "> folded", "| pipe", "!tag", "&anchor", "*alias", "? q", "---", "...",
        "bell\u0007", "tab\tinside", "emoji 🤔 ok", "ёлка", "  leading spaces", "  leading\nsecond line",
        "trailing space  \nnext", "first\n\n\nafter blank lines", "\nstarts with newline", "cr\rinside",
        "nel\u0085inside\nx", "ls\u2028inside\ny", "a\n  indented\n\tTabbed", "back\\slash");
    List<Scene> scenes = new ArrayList<>();
    for (int i = 0; i < tricky.size(); i++) {
      String t = tricky.get(i);
      scenes.add(new Scene("t-" + i, t, "en", List.of(t.replace("\n", " ").strip()), List.of(), t, t,
          List.of(Step.of(StepKind.OBSERVE, t), new Step(StepKind.REWRITE, t, 0)), t, List.of(t.strip())));
    }
    for (Scene s : scenes) {
      String yaml = SceneWriter.toYaml(s);
      assertThat(SceneReader.parseStrict("t.yaml", yaml)).as(yaml).containsExactly(s);
    }
    assertThat(SceneReader.parseStrict("all.yaml", SceneWriter.toYaml(scenes))).isEqualTo(scenes);
  }

  @Test
  void randomScenesRoundTrip() throws Exception {
    Random rnd = new Random(42);
    String alphabet = "abc xyz АБВ ёж :#-'\"[]{}|>&*!%@`,?\n\n\t\\.0123\r\u0085\u2028";
    for (int iter = 0; iter < 300; iter++) {
      List<Step> steps = new ArrayList<>();
      int n = 1 + rnd.nextInt(6);
      for (int i = 0; i < n; i++) {
        StepKind k = StepKind.values()[rnd.nextInt(StepKind.values().length)];
        Integer rev = k == StepKind.REWRITE && i > 0 ? rnd.nextInt(i) : null;
        steps.add(new Step(k == StepKind.REWRITE && i == 0 ? StepKind.OBSERVE : k, text(rnd, alphabet), rev));
      }
      Scene s = new Scene("r-" + iter, text(rnd, alphabet), rnd.nextBoolean() ? "ru" : "en",
          List.of(text(rnd, alphabet).replace('\n', ' ').strip()), List.of("r-" + (iter + 1)),
          rnd.nextBoolean() ? "" : text(rnd, alphabet), text(rnd, alphabet), steps, text(rnd, alphabet),
          List.of("[[" + text(rnd, "abc АБ ").strip() + "]]"));
      String yaml = SceneWriter.toYaml(s);
      assertThat(SceneReader.parseStrict("r.yaml", yaml)).as(yaml).containsExactly(s);
    }
  }

  /** Non-blank random text without trailing whitespace (the reader trims it). */
  private static String text(Random rnd, String alphabet) {
    StringBuilder sb = new StringBuilder();
    int len = 1 + rnd.nextInt(40);
    for (int i = 0; i < len; i++) {
      sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
    }
    String s = sb.toString().stripTrailing();
    return s.isBlank() ? "x" + s : s;
  }

  @Test
  void writesAtomicallyAndLeavesNoTemporaryFiles() throws Exception {
    Path f = tmp.resolve("sub/dir/scene.yaml");
    Scene s = russianScene();
    SceneWriter.write(f, s);
    Scene other = new Scene("other", "", "en", List.of(), List.of(), "", "P", List.of(Step.of(StepKind.PLAN, "T")), "A",
        List.of());
    SceneWriter.write(f, List.of(s, other));
    assertThat(SceneReader.readStrict(List.of(f))).containsExactly(s, other);
    try (Stream<Path> files = Files.list(f.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("scene.yaml");
    }
  }

  @Test
  void listFormIsAPlainYamlListWithBlankLinesBetweenScenes() throws Exception {
    Scene a = new Scene("a", "", "en", List.of(), List.of(), "", "P", List.of(Step.of(StepKind.PLAN, "T\nU")), "A",
        List.of());
    Scene b = new Scene("b", "", "en", List.of(), List.of(), "", "Q", List.of(Step.of(StepKind.VERIFY, "V")), "B",
        List.of());
    String yaml = SceneWriter.toYaml(List.of(a, b));
    assertThat(yaml).startsWith("- id: a\n  lang: en\n").contains("\n\n- id: b\n");
    assertThat(SceneReader.parseStrict("l.yaml", yaml)).containsExactly(a, b);
    assertThat(SceneWriter.toYaml(List.of())).isEqualTo("[]\n");
  }
}
