package io.ltm.studio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.lora.generate.LocalModel;
import io.ltm.lora.lora.AdapterSelection;
import io.ltm.lora.lora.LoraModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The studio's parts on their own: word diff, rooted paths, request parsing, the thinking budget. */
class StudioPartsTest {
  @TempDir Path tmp;

  @Test
  void wordDiffTurnsOneTextIntoTheOther() {
    String a = "The rank sets the size and alpha scales it.";
    String b = "The rank sets the adapter size; alpha scales the update.";
    List<WordDiff.Part> d = WordDiff.diff(a, b);
    String before = d.stream().filter(p -> p.op() != WordDiff.Op.INSERTED).map(WordDiff.Part::text).collect(Collectors.joining());
    String after = d.stream().filter(p -> p.op() != WordDiff.Op.DELETED).map(WordDiff.Part::text).collect(Collectors.joining());
    assertThat(before).isEqualTo(a);
    assertThat(after).isEqualTo(b);
    assertThat(d).contains(new WordDiff.Part(WordDiff.Op.SAME, "The rank sets the "), new WordDiff.Part(WordDiff.Op.SAME, " alpha scales "));
    assertThat(d.stream().filter(p -> p.op() == WordDiff.Op.SAME).mapToInt(p -> p.text().length()).sum()).isEqualTo(33); // 18 + 1 + 14 chars kept
    assertThat(WordDiff.diff("same text", "same text")).containsExactly(new WordDiff.Part(WordDiff.Op.SAME, "same text"));
    assertThat(WordDiff.diff("", "new")).containsExactly(new WordDiff.Part(WordDiff.Op.INSERTED, "new"));
  }

  @Test
  void behavioursAreMarkedWhileTheTextStreams() {
    Job job = new Job("j", "ask");
    TokenStream stream = new TokenStream(job, new ObjectMapper(), io.ltm.metrics.detect.BehaviourDetectors.defaults(), 0, 0);
    String[] reasoning = {"<think>", "Hmm", ". ", "Wait", ", ", "let me ", "check", " that", " again", "."};
    for (String t : reasoning) {
      stream.accept(new GeneratedToken(1, t, -0.1, 0.5, true));
    }
    for (String t : new String[] {"</think>", "It", " is", " 4", "."}) {
      stream.accept(new GeneratedToken(2, t, -0.1, 0.5, !t.startsWith("It") && !t.startsWith(" ") && !t.equals(".")));
    }
    stream.finish();
    List<String> log = job.eventLog();
    // Tokens stream as they come, the think tags left out of the text.
    assertThat(log).filteredOn(e -> e.startsWith("token ")).hasSize(15);
    assertThat(log.get(0)).isEqualTo("token {\"v\":0,\"it\":0,\"t\":\"\",\"r\":true,\"e\":0.5}");
    // Spans arrive before the reasoning is complete (every TokenStream.SPAN_EVERY tokens), as offsets into the streamed text.
    int firstSpans = log.indexOf(log.stream().filter(e -> e.startsWith("spans ") && e.contains("\"verify\"")).findFirst().orElseThrow());
    int firstAnswerToken = log.indexOf(log.stream().filter(e -> e.contains("\"r\":false")).findFirst().orElseThrow());
    assertThat(firstSpans).isLessThan(firstAnswerToken);
    String text = "Hmm. Wait, let me check that again.";
    String last = log.stream().filter(e -> e.startsWith("spans ") && e.contains("\"pane\":\"reasoning\"")).reduce((a, b) -> b).orElseThrow();
    assertThat(last).contains("[\"backtrack\",5,").contains("\"verify\"");
    int start = Integer.parseInt(last.replaceAll(".*\\[\"verify\",(\\d+),(\\d+)\\].*", "$1"));
    int end = Integer.parseInt(last.replaceAll(".*\\[\"verify\",(\\d+),(\\d+)\\].*", "$2"));
    assertThat(text.substring(start, end)).containsIgnoringCase("check");
    assertThat(log).anyMatch(e -> e.startsWith("spans ") && e.contains("\"pane\":\"answer\""));
    // A cancelled job stops at its next token.
    job.cancel("test");
    assertThatThrownBy(() -> stream.accept(new GeneratedToken(3, "x", 0, 0, false))).isInstanceOf(Job.Cancelled.class);
  }

  @Test
  void typedPromptsGetTheirLanguage() {
    assertThat(GenerationJobs.lang("Сколько данных нужно для первого запуска LoRA?")).isEqualTo("ru");
    assertThat(GenerationJobs.lang("How much data for a first LoRA run?")).isEqualTo("en");
    assertThat(GenerationJobs.lang("LoRA, QLoRA, DoRA и rsLoRA")).isEqualTo("en"); // mostly Latin letters
    assertThat(GenerationJobs.lang("123")).isEqualTo("en");
  }

  @Test
  void rootedPathsStayInsideTheirRoot() throws Exception {
    Path root = Files.createDirectories(tmp.resolve("root"));
    Files.createDirectories(root.resolve("sub"));
    Files.writeString(tmp.resolve("outside.yaml"), "x");
    Files.createSymbolicLink(root.resolve("out-link.yaml"), tmp.resolve("outside.yaml"));
    Files.writeString(root.resolve("sub/in.yaml"), "x");
    Files.createSymbolicLink(root.resolve("in-link.yaml"), root.resolve("sub/in.yaml"));
    RootedPath r = new RootedPath(root);
    assertThat(r.resolve("sub/in.yaml")).isEqualTo(root.toAbsolutePath().resolve("sub/in.yaml"));
    assertThat(r.resolve("sub/new folder/new (1).yaml").startsWith(root.toAbsolutePath())).isTrue();
    assertThat(r.resolve("in-link.yaml")).isNotNull(); // a link inside the root is fine
    assertThat(r.resolve("Заметки/сцена.yaml").startsWith(root.toAbsolutePath())).isTrue();
    for (String bad : new String[] {"..", "../outside.yaml", "sub/../../outside.yaml", "/etc/passwd", "sub\\..\\x", "%2e%2e/x",
        "out-link.yaml", ".git/config", "a//b", "c:/x", "x\u0000.yaml", ""}) {
      assertThatThrownBy(() -> r.resolve(bad)).as(bad).isInstanceOf(HttpError.class)
          .satisfies(e -> assertThat(((HttpError) e).status()).isEqualTo(400));
    }
  }

  @Test
  void requestErrorsNameTheirField() throws Exception {
    ObjectMapper m = new ObjectMapper();
    assertThatThrownBy(() -> Requests.Ask.parse(m.readTree("{\"prompt\":\"\"}"), 0)).hasMessageContaining("prompt must not be empty");
    assertThatThrownBy(() -> Requests.Ask.parse(m.readTree("{\"prompt\":\"x\",\"maxNewTokens\":0}"), 0))
        .hasMessageContaining("maxNewTokens must be a whole number in [1, 4096]");
    assertThatThrownBy(() -> Requests.Ask.parse(m.readTree("{\"prompt\":\"x\",\"temprature\":1}"), 0))
        .hasMessageContaining("temprature is not a known field");
    assertThatThrownBy(() -> Requests.Loop.parse(m.readTree("{\"prompt\":\"x\",\"run\":\"../x\"}"), 0)).hasMessageContaining("run must be");
    assertThatThrownBy(() -> Requests.Loop.parse(m.readTree("{\"prompt\":\"x\",\"scene\":\"s\"}"), 0)).hasMessageContaining("exactly one");
    Requests.Ask ok = Requests.Ask.parse(m.readTree("{\"prompt\":\"x\"}"), 7);
    assertThat(ok.sampling().thinkBudget()).isEqualTo(7);
    assertThat(ok.sampling().maxNewTokens()).isEqualTo(256);
  }

  @Test
  void aThinkingBudgetClosesTheReasoningAndLeavesTheRestToTheAnswer() throws Exception {
    Path dir = StudioFixture.randomBase(tmp.resolve("base"));
    try (LocalModel model = LocalModel.open(dir); LoraModel lora = new LoraModel(model.decoder())) {
      List<GeneratedToken> streamed = new ArrayList<>();
      GenerationRequest req = GenerationRequest.builder().prompt("Think, then answer.").maxNewTokens(30).listener(streamed::add).build();
      Generation g = new ThinkingGenerator(model, lora, AdapterSelection.BASE, "random", 12).generate(req);
      assertThat(g.tokens()).hasSize(30);
      assertThat(streamed).isEqualTo(g.tokens());
      assertThat(g.tokens().subList(0, 12)).allMatch(GeneratedToken::reasoning);
      assertThat(g.tokens().subList(12, 30)).noneMatch(GeneratedToken::reasoning);
      assertThat(g.reasoning()).isNotBlank();
      assertThat(g.answer()).isNotBlank();
      // Without a budget it is the engine's plain generation, token for token.
      Generation plain = new ThinkingGenerator(model, lora, AdapterSelection.BASE, "random", 0)
          .generate(req.toBuilder().listener(null).build());
      Generation engine = model.generator().generate(req.toBuilder().listener(null).build());
      assertThat(plain.tokens()).extracting(GeneratedToken::id).isEqualTo(engine.tokens().stream().map(GeneratedToken::id).toList());
    }
  }
}
