package io.ltm.dataset.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ltm.core.generate.ChatMessage;
import io.ltm.core.vault.Note;
import io.ltm.dataset.Dataset;
import io.ltm.dataset.DatasetBuilder;
import io.ltm.dataset.TestScenes;
import io.ltm.dataset.chat.Qwen3ChatTemplate;
import io.ltm.dataset.token.HfTokenizer;
import io.ltm.dataset.token.Labels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlExportTest {
  static HfTokenizer tok;
  static final ObjectMapper M = new ObjectMapper();

  @BeforeAll
  static void load() throws IOException {
    tok = HfTokenizer.load(Paths.get("../examples/tokenizer/qwen3"));
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  static List<JsonNode> read(Path file) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      out.add(M.readTree(line));
    }
    return out;
  }

  @Test
  void writesMessagesTokensTextsAndStats(@TempDir Path dir) throws IOException {
    Note note = new Note("n.md", "n", Map.of(), List.of(), List.of(), List.of(), "Заметка о памяти.", 1);
    Dataset ds = DatasetBuilder.builder().setTokenizer(tok).optSystemPrompt("Think aloud.").optPack(true)
        .optMaxLength(1024).optValidationFraction(0.2).build().build(TestScenes.random(30, 9), List.of(note));
    Path out = dir.resolve("sub/data.jsonl");
    JsonlExport.writeMessages(out, ds);
    JsonlExport.writeTokens(JsonlExport.besides(out, "tokens"), ds);
    JsonlExport.writeTexts(JsonlExport.besides(out, "notes"), ds);
    JsonlExport.writeStats(JsonlExport.besides(out, "stats.json"), ds);
    try (Stream<Path> files = Files.list(out.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
          "data.jsonl", "data.tokens.jsonl", "data.notes.jsonl", "data.stats.json");
    }

    List<JsonNode> msgs = read(out);
    assertThat(msgs).hasSize(30);
    for (int i = 0; i < msgs.size(); i++) {
      JsonNode m = msgs.get(i);
      assertThat(m.get("id").asText()).isEqualTo(ds.chatExamples().get(i).id());
      assertThat(m.get("split").asText()).isIn("train", "validation");
      JsonNode ms = m.get("messages");
      assertThat(ms).hasSize(3);
      assertThat(ms.get(0).get("role").asText()).isEqualTo("system");
      assertThat(ms.get(1).get("role").asText()).isEqualTo("user");
      assertThat(ms.get(2).get("role").asText()).isEqualTo("assistant");
      assertThat(ms.get(0).has("reasoning_content")).isFalse();
      assertThat(ms.get(2).get("reasoning_content").asText()).isNotBlank();
      assertThat(m.get("step_kinds")).hasSize(ds.chatExamples().get(i).stepKinds().size());
      // the JSON messages render to the same ChatML as the builder's own messages
      List<ChatMessage> back = List.of(ChatMessage.system(ms.get(0).get("content").asText()),
          ChatMessage.user(ms.get(1).get("content").asText()),
          ChatMessage.assistant(ms.get(2).get("content").asText(), ms.get(2).get("reasoning_content").asText()));
      assertThat(Qwen3ChatTemplate.get().renderForTraining(back).text())
          .isEqualTo(Qwen3ChatTemplate.get().renderForTraining(ds.chatExamples().get(i).messages()).text());
    }

    List<JsonNode> seqs = read(JsonlExport.besides(out, "tokens"));
    assertThat(seqs).hasSize(ds.train().size() + ds.validation().size());
    for (JsonNode s : seqs) {
      int n = s.get("input_ids").size();
      assertThat(n).isEqualTo(1024);
      for (String k : List.of("labels", "position_ids", "attention_mask", "segment_ids")) {
        assertThat(s.get(k).size()).as(k).isEqualTo(n);
      }
      for (int i = 0; i < n; i++) {
        int seg = s.get("segment_ids").get(i).asInt();
        assertThat(s.get("attention_mask").get(i).asInt()).isEqualTo(seg == 0 ? 0 : 1);
        if (seg == 0) {
          assertThat(s.get("labels").get(i).asInt()).isEqualTo(Labels.IGNORE);
        }
      }
      assertThat(s.get("example_ids").size()).isPositive();
    }
    assertThat(seqs.get(0).get("split").asText()).isEqualTo("train");

    List<JsonNode> texts = read(JsonlExport.besides(out, "notes"));
    assertThat(texts).hasSize(1);
    assertThat(texts.get(0).get("text").asText()).isEqualTo("Заметка о памяти.");

    JsonNode stats = M.readTree(JsonlExport.besides(out, "stats.json").toFile());
    assertThat(stats.get("examples").asInt()).isEqualTo(31);
    assertThat(stats.get("tokens").asLong()).isEqualTo(ds.stats().tokens());
    assertThat(stats.get("label_tokens").asLong()).isEqualTo(ds.stats().labelTokens());
    assertThat(stats.get("train_examples").asInt() + stats.get("validation_examples").asInt()).isEqualTo(31);
    assertThat(stats.has("duplicate_scenes")).isTrue();
  }

  @Test
  void tokenizedFileReadsBackIntoEqualSequences(@TempDir Path dir) throws IOException {
    Dataset ds = DatasetBuilder.builder().setTokenizer(tok).optPack(true).optMaxLength(512).optValidationFraction(0.3)
        .build().build(TestScenes.random(25, 10));
    Path f = dir.resolve("d.tokens.jsonl");
    JsonlExport.writeTokens(f, ds);
    var back = TokenJsonl.read(f);
    for (io.ltm.dataset.split.Split sp : io.ltm.dataset.split.Split.values()) {
      List<io.ltm.dataset.token.TokenSequence> a = ds.sequences(sp);
      List<io.ltm.dataset.token.TokenSequence> b = back.get(sp);
      assertThat(b).hasSameSizeAs(a);
      for (int i = 0; i < a.size(); i++) {
        assertThat(b.get(i).inputIds()).isEqualTo(a.get(i).inputIds());
        assertThat(b.get(i).labels()).isEqualTo(a.get(i).labels());
        assertThat(b.get(i).positionIds()).isEqualTo(a.get(i).positionIds());
        assertThat(b.get(i).segmentIds()).isEqualTo(a.get(i).segmentIds());
        assertThat(b.get(i).exampleIds()).isEqualTo(a.get(i).exampleIds());
        assertThat(b.get(i).usedLength()).isEqualTo(a.get(i).usedLength());
      }
    }
  }

  @Test
  void malformedTokenizedLinesNameFileLineAndField(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("bad.tokens.jsonl");
    String ok = "{\"split\":\"train\",\"example_ids\":[\"a\"],\"input_ids\":[1,2],\"labels\":[-100,2],"
        + "\"position_ids\":[0,1],\"attention_mask\":[1,1],\"segment_ids\":[1,1]}";
    Files.writeString(f, ok + "\n" + ok.replace("\"position_ids\":[0,1]", "\"position_ids\":[0,5]") + "\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TokenJsonl.read(f)).isInstanceOf(IOException.class)
        .hasMessageContaining(f + ":2: position_ids[1] = 5, expected 1");
    Files.writeString(f, ok.replace("\"labels\":[-100,2]", "\"labels\":[-100]") + "\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TokenJsonl.read(f)).hasMessageContaining(f + ":1: ")
        .hasMessageContaining("one length");
    Files.writeString(f, ok.replace("\"split\":\"train\"", "\"split\":\"test\"") + "\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TokenJsonl.read(f))
        .hasMessageContaining(f + ":1: field split must be train or validation");
    Files.writeString(f, "{not json\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> TokenJsonl.read(f)).hasMessageContaining(f + ":1: not valid JSON");
  }

  @Test
  void failedWriteLeavesTheOldFileAndNoTemporaryFile(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("x.jsonl");
    Files.writeString(f, "old\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AtomicFile.write(f, w -> {
      w.write("partial");
      throw new IOException("boom");
    })).isInstanceOf(IOException.class).hasMessage("boom");
    assertThat(Files.readString(f)).isEqualTo("old\n");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(f);
    }
  }
}
