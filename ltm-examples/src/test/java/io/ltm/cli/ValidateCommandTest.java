package io.ltm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ValidateCommandTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private static final String GOOD = """
      id: good
      links: [other]
      prompt: Is this fine?
      thought:
        - kind: observe
          text: It has every required field.
      answer: Yes.
      """;
  private static final String BAD = """
      id: bad
      prompt: Broken?
      thought:
        - kind: verfy
          text: A typo in the kind.
      answer: Yes.
      """;

  @BeforeEach
  void files() throws Exception {
    Files.createDirectories(dir.resolve("ok/sub"));
    Files.writeString(dir.resolve("ok/sub/good.yaml"), GOOD);
    Files.createDirectories(dir.resolve("bad"));
    Files.writeString(dir.resolve("bad/bad.yml"), BAD);
  }

  private int run(String... args) {
    CommandLine cl = new CommandLine(new LtmCli());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    cl.setExitCodeExceptionMapper(ex -> ex instanceof CommandLine.ParameterException ? LtmCli.USAGE_ERROR : LtmCli.INPUT_ERROR);
    return cl.execute(args);
  }

  @Test
  void warningsOnlyExitZeroAndNameTheFileAsGivenPlusRelativePath() {
    String given = dir.resolve("ok").toString();
    int code = run("validate", given);
    assertThat(code).isZero();
    assertThat(out.toString()).isEqualTo(given + "/sub/good.yaml:2:9: warning: link to unknown scene id 'other':"
        + " no loaded scene has this id" + System.lineSeparator());
    assertThat(err.toString().strip()).isEqualTo("ok: 1 valid scene, 0 errors, 1 warning");
  }

  @Test
  void errorsExitOneWithCompilerStyleLines() {
    int code = run("validate", dir.resolve("ok").toString(), dir.resolve("bad").toString());
    assertThat(code).isEqualTo(1);
    List<String> lines = out.toString().lines().toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).isEqualTo(dir.resolve("bad") + "/bad.yml:4:11: error: unknown step kind 'verfy'"
        + " (did you mean 'verify'?); valid kinds: observe, hypothesis, tension, rewrite, reflect, plan, verify,"
        + " backtrack, subgoal");
    assertThat(err.toString().strip()).isEqualTo("invalid: 1 valid scene, 1 error, 1 warning");
  }

  @Test
  void jsonPrintsAnArrayOfProblemsAndKeepsStdoutClean() throws Exception {
    int code = run("validate", "--json", dir.resolve("bad").toString(), dir.resolve("ok/sub/good.yaml").toString());
    assertThat(code).isEqualTo(1);
    JsonNode array = new ObjectMapper().readTree(out.toString());
    assertThat(array.isArray()).isTrue();
    assertThat(array).hasSize(2);
    JsonNode first = array.get(0);
    List<String> keys = new ArrayList<>();
    first.fieldNames().forEachRemaining(keys::add);
    assertThat(keys).containsExactly("file", "line", "column", "severity", "field", "message");
    assertThat(first.get("file").asText()).isEqualTo(dir.resolve("bad") + "/bad.yml");
    assertThat(first.get("line").asInt()).isEqualTo(4);
    assertThat(first.get("column").asInt()).isEqualTo(11);
    assertThat(first.get("severity").asText()).isEqualTo("error");
    assertThat(first.get("field").asText()).isEqualTo("thought[0].kind");
    assertThat(first.get("message").asText()).startsWith("unknown step kind 'verfy'");
    assertThat(array.get(1).get("severity").asText()).isEqualTo("warning");
    assertThat(err.toString()).startsWith("invalid: ");
  }

  @Test
  void jsonIsAnEmptyArrayWhenAllIsWell() throws Exception {
    Files.writeString(dir.resolve("ok/other.yaml"), GOOD.replace("id: good", "id: other").replace("[other]", "[good]"));
    assertThat(run("validate", "--json", dir.resolve("ok").toString())).isZero();
    assertThat(new ObjectMapper().readTree(out.toString()).size()).isZero();
    assertThat(err.toString().strip()).isEqualTo("ok: 2 valid scenes, 0 errors, 0 warnings");
  }

  @Test
  void aMissingPathIsAnInputError() {
    String missing = dir.resolve("no-such-folder").toString();
    assertThat(run("validate", missing)).isEqualTo(1);
    assertThat(out.toString()).startsWith(missing + ":0:0: error: no such file or folder: " + missing);
  }

  @Test
  void usageErrorsExitTwo() {
    assertThat(run("validate")).isEqualTo(2);
    assertThat(err.toString()).contains("PATH");
    assertThat(run("validate", "--no-such-flag", dir.toString())).isEqualTo(2);
  }

  @Test
  void helpDescribesTheCommand() {
    assertThat(run("validate", "--help")).isZero();
    assertThat(out.toString()).contains("--json").contains("file:line:col");
  }

  @Test
  void theBundledExampleScenesValidateCleanly() {
    assertThat(run("validate", "../examples/scenes")).isZero();
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).startsWith("ok: ").endsWith("0 errors, 0 warnings" + System.lineSeparator());
  }
}
