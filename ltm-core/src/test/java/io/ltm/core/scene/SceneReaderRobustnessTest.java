package io.ltm.core.scene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.ltm.core.problem.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No input makes the reader throw; every problem points inside the file. */
class SceneReaderRobustnessTest {
  private static final String[] NOISE = {":", ": ", "- ", " ", "  ", "\t", "\n", "[", "]", "{", "}", "'", "\"", "|",
      ">", "&a ", "*a", "!!int ", "#", "%", "@", "`", "? ", "Ж", "\u0000", "\uFFFF", "\uD800", "---\n", "...", "~",
      "revises: 99", "kind: rewrite", "- kind: rewrite\n", "id: Bad Id", "<<: *a", "\r\n", "\u2028"};

  private static List<String> corpus() throws Exception {
    List<String> texts = new ArrayList<>();
    for (Path root : List.of(ExampleScenesTest.EXAMPLES, Path.of("src/test/resources/scenes/invalid"))) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
          texts.add(new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.UTF_8));
        }
      }
    }
    return texts;
  }

  private static String mutate(String text, Random rnd) {
    StringBuilder sb = new StringBuilder(text);
    int ops = 1 + rnd.nextInt(4);
    for (int op = 0; op < ops; op++) {
      int at = sb.length() == 0 ? 0 : rnd.nextInt(sb.length() + 1);
      switch (rnd.nextInt(5)) {
        case 0 -> sb.insert(at, NOISE[rnd.nextInt(NOISE.length)]);
        case 1 -> sb.delete(at, Math.min(sb.length(), at + 1 + rnd.nextInt(20)));
        case 2 -> sb.setLength(at);
        case 3 -> { // duplicate a line
          String[] lines = sb.toString().split("\n", -1);
          int i = rnd.nextInt(lines.length);
          sb.insert(Math.min(at, sb.length()), lines[i] + "\n");
        }
        default -> { // swap two lines
          List<String> lines = new ArrayList<>(List.of(sb.toString().split("\n", -1)));
          int i = rnd.nextInt(lines.size());
          int j = rnd.nextInt(lines.size());
          String t = lines.get(i);
          lines.set(i, lines.get(j));
          lines.set(j, t);
          sb.setLength(0);
          sb.append(String.join("\n", lines));
        }
      }
    }
    return sb.toString();
  }

  @Test
  void mutatedScenesNeverThrowAndProblemsPointInsideTheFile() throws Exception {
    List<String> corpus = corpus();
    Random rnd = new Random(7);
    int withErrors = 0;
    for (int iter = 0; iter < 1500; iter++) {
      String text = mutate(corpus.get(rnd.nextInt(corpus.size())), rnd);
      SceneLoad[] load = new SceneLoad[1];
      assertThatCode(() -> load[0] = SceneReader.parseLenient("m.yaml", text)).as(text).doesNotThrowAnyException();
      long lineCount = text.lines().count() + 1;
      for (Problem p : load[0].problems()) {
        assertThat(p.line()).as(p.format() + "\n" + text).isBetween(0, (int) lineCount + 1);
        assertThat(p.message()).isNotBlank().doesNotContain("\n");
      }
      if (load[0].hasErrors()) {
        withErrors++;
      }
      // Whatever survived is a valid scene that round-trips.
      for (SourcedScene s : load[0].scenes()) {
        assertThat(SceneReader.parseStrict("w.yaml", SceneWriter.toYaml(s.scene()))).containsExactly(s.scene());
      }
    }
    // The mutations do reach the error paths (the test would be vacuous otherwise).
    assertThat(withErrors).isGreaterThan(500);
  }

  @Test
  void randomBytesNeverThrow(@TempDir Path tmp) throws Exception {
    Random rnd = new Random(11);
    for (int i = 0; i < 200; i++) {
      byte[] bytes = new byte[rnd.nextInt(300)];
      rnd.nextBytes(bytes);
      Path f = tmp.resolve("r" + i + ".yaml");
      Files.write(f, bytes);
      assertThatCode(() -> SceneReader.readLenient(List.of(f))).doesNotThrowAnyException();
    }
    SceneLoad all = SceneReader.readLenient(List.of(tmp));
    assertThat(all.scenes()).isEmpty();
    assertThat(all.hasErrors()).isTrue();
  }

  @Test
  void filesOverSnakeyamlsDefaultLimitAreRead() {
    // snakeyaml refuses texts over 3 MiB code points by default; a list of a few thousand scenes is bigger.
    StringBuilder sb = new StringBuilder();
    String answer = "a long answer line, repeated to make the file big\n".repeat(200);
    for (int i = 0; i < 400; i++) {
      sb.append("- id: s-").append(i).append("\n  prompt: P\n  thought: [{kind: observe, text: T}]\n  answer: |\n");
      answer.lines().forEach(l -> sb.append("    ").append(l).append('\n'));
    }
    assertThat(sb.length()).isGreaterThan(4 * 1024 * 1024);
    SceneLoad load = SceneReader.parseLenient("big.yaml", sb.toString());
    assertThat(load.problems()).isEmpty();
    assertThat(load.scenes()).hasSize(400);
  }

  @Test
  void deepNestingIsAnErrorNotAStackOverflow() {
    String deep = "id: x\nprompt: " + "[".repeat(5000) + "]".repeat(5000) + "\n";
    SceneLoad load = SceneReader.parseLenient("deep.yaml", deep);
    assertThat(load.hasErrors()).isTrue();
    assertThat(load.errors().get(0).line()).isGreaterThanOrEqualTo(1);
  }
}
