package io.ltm.core.scene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.core.problem.Problem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every validation problem, with its exact file, line, column and field. The inputs are under
 * {@code src/test/resources/scenes/invalid/}; positions were checked by hand against those files.
 */
class SceneValidationTest {
  private static final Path INVALID = Path.of("src/test/resources/scenes/invalid");

  @TempDir Path tmp;

  private static SceneLoad load(String name) {
    return SceneReader.readLenient(List.of(INVALID.resolve(name)));
  }

  /** {@code "error 6:5 thought[1].revises"}: severity, position and field of each problem. */
  private static List<String> brief(SceneLoad load) {
    return load.problems().stream()
        .map(p -> p.severity().label() + " " + p.line() + ":" + p.column() + " " + p.field())
        .toList();
  }

  private static Problem only(SceneLoad load) {
    assertThat(load.problems()).hasSize(1);
    return load.problems().get(0);
  }

  @Test
  void missingRequiredFieldPointsAtTheSceneMapping() {
    SceneLoad load = load("missing-prompt.yaml");
    Problem p = only(load);
    assertThat(p.file()).isEqualTo(INVALID.resolve("missing-prompt.yaml").toString());
    assertThat(brief(load)).containsExactly("error 1:1 prompt");
    assertThat(p.message()).contains("missing required field 'prompt'");
    assertThat(load.scenes()).isEmpty();
  }

  @Test
  void everyMissingRequiredFieldIsReported() {
    SceneLoad load = load("missing-all.yaml");
    assertThat(brief(load)).containsExactly("error 1:1 id", "error 1:1 prompt", "error 1:1 thought", "error 1:1 answer");
  }

  @Test
  void unknownKeysSuggestTheClosestKnownKey() {
    SceneLoad load = load("unknown-key.yaml");
    assertThat(brief(load)).containsExactly(
        "error 1:1 prompt",
        "error 2:1 promt",
        "error 4:5 thought[0].text",
        "error 5:5 thought[0].txt",
        "error 7:1 colour");
    List<Problem> ps = load.problems();
    assertThat(ps.get(1).message()).isEqualTo("unknown key 'promt' (did you mean 'prompt'?)");
    assertThat(ps.get(3).message()).isEqualTo("unknown key 'txt' (did you mean 'text'?)");
    // Nothing close: the known keys are listed instead.
    assertThat(ps.get(4).message()).startsWith("unknown key 'colour'; known keys: schema, id, title");
  }

  @Test
  void wrongTypesPointAtTheValue() {
    SceneLoad load = load("wrong-type.yaml");
    assertThat(brief(load)).containsExactly(
        "error 2:7 tags", "error 3:9 prompt", "error 7:5 thought[1]", "error 9:3 answer");
    assertThat(load.problems().get(0).message()).isEqualTo("'tags' must be a list of strings such as [practice], but got a string");
    assertThat(load.problems().get(1).message()).isEqualTo("'prompt' must be text, but got a list");
    assertThat(load.problems().get(2).message()).contains("must be a step").endsWith("but got a string");
    assertThat(load.problems().get(3).message()).endsWith("but got a mapping");
  }

  @Test
  void idMustMatchThePatternAndASlugIsSuggested() {
    Problem p = only(load("bad-id.yaml"));
    assertThat(p.line()).isEqualTo(1);
    assertThat(p.column()).isEqualTo(5);
    assertThat(p.field()).isEqualTo("id");
    assertThat(p.message()).contains("'Lora_First'").contains("[a-z0-9-]+").endsWith("e.g. 'lora-first'");
  }

  @Test
  void unknownStepKindListsTheValidKindsAndSuggestsTheClosest() {
    SceneLoad load = load("unknown-kind.yaml");
    assertThat(brief(load)).containsExactly(
        "error 4:11 thought[0].kind", "error 6:11 thought[1].kind", "error 8:5 thought[2].observe");
    String valid = "valid kinds: observe, hypothesis, tension, rewrite, reflect, plan, verify, backtrack, subgoal";
    assertThat(load.problems().get(0).message()).isEqualTo("unknown step kind 'verfy' (did you mean 'verify'?); " + valid);
    assertThat(load.problems().get(1).message()).isEqualTo("unknown step kind 'guess'; " + valid);
    assertThat(load.problems().get(2).message()).contains("write 'kind: observe'");
  }

  @Test
  void revisesRules() {
    SceneLoad load = load("revises.yaml");
    assertThat(brief(load)).containsExactly(
        "error 6:5 thought[1].revises",
        "error 9:14 thought[2].revises",
        "error 12:14 thought[3].revises",
        "warning 15:5 thought[4].revises",
        "error 21:14 thought[6].revises");
    List<Problem> ps = load.problems();
    assertThat(ps.get(0).message()).contains("a rewrite step needs 'revises: N'");
    assertThat(ps.get(1).message()).isEqualTo("revises 9 is out of range: thought has 7 steps, numbered 0..6");
    assertThat(ps.get(2).message()).startsWith("revises 3 must point to an earlier step (0..2)");
    assertThat(ps.get(3).message()).contains("only applies to a rewrite step, not to plan; it is ignored");
    assertThat(ps.get(4).message()).contains("must be an integer").endsWith("but got a string");
  }

  @Test
  void aRewriteCannotBeTheFirstStep() {
    Problem p = only(load("first-rewrite.yaml"));
    assertThat(p.line()).isEqualTo(5);
    assertThat(p.column()).isEqualTo(14);
    assertThat(p.field()).isEqualTo("thought[0].revises");
    assertThat(p.message()).contains("cannot be the first step");
  }

  @Test
  void revisesOnANonRewriteIsAWarningAndIsDropped() {
    SceneLoad load = SceneReader.parseLenient("w.yaml", """
        id: plan-revises
        prompt: P
        thought:
          - kind: observe
            text: A
          - kind: plan
            revises: 0
            text: B
        answer: C
        """);
    assertThat(load.hasErrors()).isFalse();
    assertThat(brief(load)).containsExactly("warning 7:5 thought[1].revises");
    assertThat(load.sceneList().get(0).thought().get(1)).isEqualTo(new Step(StepKind.PLAN, "B", null));
  }

  @Test
  void duplicateIdsNameBothFilesAndLines() {
    Path a = INVALID.resolve("dup-a.yaml");
    Path b = INVALID.resolve("dup-b.yaml");
    SceneLoad load = SceneReader.readLenient(List.of(a, b));
    Problem p = only(load);
    assertThat(p.format()).isEqualTo(b + ":2:5: error: duplicate id 'same-id': also defined at " + a
        + ":1:5; ids must be unique across the set");
    assertThat(p.field()).isEqualTo("id");
    // The first one is kept.
    assertThat(load.scenes()).extracting(SourcedScene::file).containsExactly(a.toString());
  }

  @Test
  void duplicateIdsInsideOneList() {
    SceneLoad load = SceneReader.parseLenient("list.yaml", """
        - id: twin
          prompt: P
          thought: [{kind: observe, text: A}]
          answer: C
        - id: twin
          prompt: P2
          thought: [{kind: observe, text: B}]
          answer: D
        """);
    assertThat(brief(load)).containsExactly("error 5:7 id");
    assertThat(load.problems().get(0).message()).contains("also defined at list.yaml:1:7");
  }

  @Test
  void linksToUnknownIdsAreWarningsWithSuggestions() {
    SceneLoad load = load("links.yaml");
    assertThat(load.hasErrors()).isFalse();
    assertThat(brief(load)).containsExactly(
        "warning 2:19 links[1]", "warning 2:26 links[2]", "warning 2:35 links[3]", "warning 2:43 links[4]");
    assertThat(load.problems().get(0).message()).startsWith("link to unknown scene id 'lnked' (did you mean 'linked'?)");
    assertThat(load.problems().get(1).message()).startsWith("link to unknown scene id 'nowhere':");
    assertThat(load.problems().get(2).message()).contains("links to itself");
    assertThat(load.problems().get(3).message()).contains("listed twice");
    assertThat(load.scenes()).hasSize(2);
  }

  @Test
  void linksResolveAcrossFiles(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.yaml"), "id: a\nlinks: [b]\nprompt: P\nthought: [{kind: observe, text: T}]\nanswer: A\n");
    Files.writeString(dir.resolve("b.yaml"), "id: b\nlinks: [a]\nprompt: P\nthought: [{kind: observe, text: T}]\nanswer: A\n");
    assertThat(SceneReader.readLenient(List.of(dir)).problems()).isEmpty();
    // Reading one file alone leaves its link dangling: a warning, not an error.
    SceneLoad one = SceneReader.readLenient(List.of(dir.resolve("a.yaml")));
    assertThat(one.hasErrors()).isFalse();
    assertThat(brief(one)).containsExactly("warning 2:9 links[0]");
  }

  @Test
  void emptyTextIsAnError() {
    SceneLoad load = load("empty-text.yaml");
    assertThat(brief(load)).containsExactly(
        "error 2:9 prompt", "error 5:11 thought[0].text", "error 7:5 thought[1].text", "error 8:9 answer");
    assertThat(load.problems().get(0).message()).isEqualTo("scene 'empty-texts': prompt must not be empty");
    assertThat(load.problems().get(1).message()).isEqualTo("step text must not be empty");
    assertThat(load.problems().get(2).message()).contains("has no value");
  }

  @Test
  void yamlSyntaxErrorsCarryTheParsersPosition() {
    Problem p = only(load("syntax-error.yaml"));
    assertThat(p.line()).isEqualTo(3);
    assertThat(p.column()).isEqualTo(8);
    assertThat(p.message()).startsWith("YAML syntax error: while parsing a flow sequence (started at 2:9)");
    assertThat(p.message()).doesNotContain("\n");

    Problem tab = only(load("tab-indent.yaml"));
    assertThat(tab.line()).isEqualTo(4);
    assertThat(tab.column()).isEqualTo(1);
    assertThat(tab.message()).contains("TAB");
  }

  @Test
  void anEmptyFileIsAnErrorForTheWholeFile() {
    for (String name : List.of("empty.yaml", "comments-only.yaml")) {
      Problem p = only(load(name));
      assertThat(p.isError()).isTrue();
      assertThat(p.line()).isZero();
      assertThat(p.column()).isZero();
      assertThat(p.message()).startsWith("the file is empty");
    }
  }

  @Test
  void onlySchemaVersionOneIsRead() {
    Problem p = only(load("schema-version.yaml"));
    assertThat(p.line()).isEqualTo(1);
    assertThat(p.column()).isEqualTo(9);
    assertThat(p.field()).isEqualTo("schema");
    assertThat(p.message()).startsWith("unsupported scene schema version '2': this ltm reads schema 1");
    SceneLoad ok = SceneReader.parseLenient("v1.yaml",
        "schema: 1\nid: v\nprompt: P\nthought: [{kind: observe, text: T}]\nanswer: A\n");
    assertThat(ok.problems()).isEmpty();
  }

  @Test
  void duplicateKeysAreErrors() {
    SceneLoad load = load("duplicate-key.yaml");
    assertThat(brief(load)).containsExactly("error 6:1 prompt");
    assertThat(load.problems().get(0).message()).isEqualTo("duplicate key 'prompt' (first at line 2); keep one");
  }

  @Test
  void aliasesAreRejected() {
    SceneLoad load = load("alias.yaml");
    assertThat(brief(load)).containsExactly("error 5:11 thought[0].text");
    assertThat(load.problems().get(0).message()).contains("aliases");
  }

  @Test
  void listItemsThatAreNotScenes() {
    SceneLoad load = load("list-items.yaml");
    assertThat(brief(load)).containsExactly("error 7:3 [1]", "error 8:3 thought");
    assertThat(load.scenes()).extracting(s -> s.scene().id()).containsExactly("fine-one");
    assertThat(load.scenes().get(0).line()).isEqualTo(1);
  }

  @Test
  void aScalarDocumentIsNotAScene() {
    SceneLoad load = load("scalar-doc.yaml");
    assertThat(brief(load)).containsExactly("error 1:1 ");
    assertThat(load.problems().get(0).message()).startsWith("a scene file must hold one scene");
  }

  @Test
  void sourcesAndLangWarnings() {
    SceneLoad load = load("sources.yaml");
    assertThat(load.hasErrors()).isFalse();
    assertThat(brief(load)).containsExactly("warning 2:7 lang", "warning 8:24 sources[1]", "warning 8:37 sources[2]");
    assertThat(load.problems().get(1).message()).isEqualTo("source 'LoRA basics' is not a wikilink; write \"[[LoRA basics]]\"");
    assertThat(load.problems().get(2).message()).contains("quote it: \"[[Zettelkasten]]\"");
    assertThat(load.sceneList().get(0).sources()).containsExactly("[[LTM_2]]", "LoRA basics", "[[Zettelkasten]]");
  }

  @Test
  void invalidUtf8IsReportedAtItsPosition() throws Exception {
    Path f = tmp.resolve("latin1.yaml");
    byte[] head = "id: x\nprompt: caf".getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new byte[head.length + 2];
    System.arraycopy(head, 0, bytes, 0, head.length);
    bytes[head.length] = (byte) 0xE9; // é in Latin-1, not valid UTF-8
    bytes[head.length + 1] = '\n';
    Files.write(f, bytes);
    Problem p = only(SceneReader.readLenient(List.of(f)));
    assertThat(p.line()).isEqualTo(2);
    assertThat(p.column()).isEqualTo(12);
    assertThat(p.message()).contains("not valid UTF-8");
  }

  @Test
  void missingPathsAndEmptyFoldersAreReported() throws Exception {
    Path missing = tmp.resolve("nope");
    Problem p = only(SceneReader.readLenient(List.of(missing)));
    assertThat(p.isError()).isTrue();
    assertThat(p.file()).isEqualTo(missing.toString());
    assertThat(p.message()).startsWith("no such file or folder: " + missing);

    Path empty = Files.createDirectory(tmp.resolve("empty"));
    Files.writeString(empty.resolve("notes.md"), "# not a scene");
    Problem w = only(SceneReader.readLenient(List.of(empty)));
    assertThat(w.isError()).isFalse();
    assertThat(w.message()).contains("no scene files");
  }

  @Test
  void strictFailsOnTheFirstErrorInFileOrder() {
    assertThatThrownBy(() -> SceneReader.readStrict(List.of(INVALID.resolve("revises.yaml"), INVALID.resolve("bad-id.yaml"))))
        .isInstanceOfSatisfying(SceneValidationException.class, e -> {
          assertThat(e.problem().file()).endsWith("revises.yaml");
          assertThat(e.problem().line()).isEqualTo(6);
          assertThat(e.problem().column()).isEqualTo(5);
          assertThat(e.getMessage()).isEqualTo(e.problem().format());
        });
  }

  @Test
  void strictPassesWithWarningsOnly() throws Exception {
    List<Scene> scenes = SceneReader.readStrict(List.of(INVALID.resolve("links.yaml")));
    assertThat(scenes).extracting(Scene::id).containsExactly("linker", "linked");
  }

  @Test
  void lenientKeepsValidScenesBesideBrokenOnes() {
    SceneLoad load = SceneReader.readLenient(List.of(INVALID));
    assertThat(load.hasErrors()).isTrue();
    // Valid scenes among the invalid inputs survive: dup-a, links (2), list-items (1), sources.
    assertThat(load.scenes()).extracting(s -> s.scene().id())
        .containsExactly("same-id", "linker", "linked", "fine-one", "sources-forms");
    // Problems are sorted by file (in reading order), then line and column.
    List<Problem> ps = load.problems();
    for (int i = 1; i < ps.size(); i++) {
      Problem a = ps.get(i - 1);
      Problem b = ps.get(i);
      if (a.file().equals(b.file())) {
        assertThat(a.line() * 10_000 + a.column()).isLessThanOrEqualTo(b.line() * 10_000 + b.column());
      } else {
        assertThat(a.file().compareTo(b.file())).isNegative();
      }
    }
  }
}
