package io.ltm.core.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.core.scene.Scene;
import io.ltm.core.scene.Step;
import io.ltm.core.scene.StepKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeReaderTest {
  @TempDir Path dir;

  @Test
  void readsYamlListsOfStringsAndMappings() throws Exception {
    Path f = dir.resolve("probes.yaml");
    Files.writeString(f, """
        # probes for the seed run
        - Why does the first LoRA run keep being postponed?
        - id: ru-memory
          lang: ru
          context: |
            Заметки растут быстрее, чем я их перечитываю.
          prompt: Что значит «помнить» для модели?
        - prompt: What counts as evidence?
        """);
    List<Probe> probes = ProbeReader.read(f);
    assertThat(probes).containsExactly(
        new Probe("probe-1", "Why does the first LoRA run keep being postponed?", "", "en"),
        new Probe("ru-memory", "Что значит «помнить» для модели?", "Заметки растут быстрее, чем я их перечитываю.\n", "ru"),
        new Probe("probe-3", "What counts as evidence?", "", "en"));
  }

  @Test
  void readsJsonlObjectsAndStrings() throws Exception {
    Path f = dir.resolve("probes.jsonl");
    Files.writeString(f, "{\"id\":\"a\",\"prompt\":\"First?\",\"lang\":\"en\"}\n\n\"Second?\"\n{\"prompt\":\"Третий?\",\"lang\":\"ru\"}\n");
    assertThat(ProbeReader.read(f)).containsExactly(
        new Probe("a", "First?", "", "en"), new Probe("probe-2", "Second?", "", "en"), new Probe("probe-3", "Третий?", "", "ru"));
  }

  @Test
  void errorsNameFileLineAndField() {
    assertThatThrownBy(() -> ProbeReader.parse("p.yaml", "- prompt: ok\n- id: x\n  promt: typo\n"))
        .isInstanceOf(ProbeFormatException.class)
        .hasMessage("p.yaml:3:3: unknown key 'promt'; a probe has 'id', 'prompt', 'context' and 'lang'");
    assertThatThrownBy(() -> ProbeReader.parse("p.yaml", "- prompt: ok\n- id: x\n"))
        .hasMessage("p.yaml:2:3: the probe has no prompt; add 'prompt: ...'");
    assertThatThrownBy(() -> ProbeReader.parse("p.yaml", "- id: a\n  prompt: one\n- id: a\n  prompt: two\n"))
        .hasMessage("p.yaml:3:3: duplicate probe id 'a' (first at line 1); give each probe its own id");
    assertThatThrownBy(() -> ProbeReader.parse("p.yaml", "prompt: not a list\n"))
        .hasMessageStartingWith("p.yaml:1:1: expected a YAML list of probes but got a mapping");
    assertThatThrownBy(() -> ProbeReader.parse("p.yaml", "- [unclosed\n"))
        .hasMessageStartingWith("p.yaml:").hasMessageContaining("YAML syntax error");
    assertThatThrownBy(() -> ProbeReader.parse("p.yaml", "# nothing\n"))
        .hasMessageStartingWith("p.yaml:0:0: no probes in the file");
    assertThatThrownBy(() -> ProbeReader.parse("p.jsonl", "{\"prompt\":\"ok\"}\n{\"prompt\": 3}\n"))
        .hasMessage("p.jsonl:2:1: 'prompt' must be a string but got number");
    assertThatThrownBy(() -> ProbeReader.parse("p.jsonl", "{\"prompt\":\"ok\"}\n{\"prompt\": \n"))
        .hasMessageStartingWith("p.jsonl:2:").hasMessageContaining("not valid JSON");
    assertThatThrownBy(() -> ProbeReader.parse("p.jsonl", "[1,2]\n"))
        .hasMessage("p.jsonl:1:1: expected a JSON object {\"prompt\": ...} or a string but got array");
  }

  @Test
  void nonUtf8FilesAreAClearError() throws Exception {
    Path f = dir.resolve("bad.yaml");
    Files.write(f, new byte[] {'-', ' ', (byte) 0xC3, (byte) 0x28});
    assertThatThrownBy(() -> ProbeReader.read(f)).isInstanceOf(ProbeFormatException.class).hasMessageContaining("not UTF-8");
  }

  @Test
  void aSceneBecomesTheProbeItAsks() {
    Scene s = new Scene("lora-first-run", "t", "ru", List.of(), List.of(), "Контекст.", "Почему?",
        List.of(new Step(StepKind.OBSERVE, "x", null)), "Ответ.", List.of());
    Probe p = Probe.fromScene(s);
    assertThat(p).isEqualTo(new Probe("lora-first-run", "Почему?", "Контекст.", "ru"));
    assertThat(p.userText()).isEqualTo("Контекст.\n\nПочему?");
  }
}
