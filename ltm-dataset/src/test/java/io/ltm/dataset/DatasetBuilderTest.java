package io.ltm.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ltm.core.scene.Scene;
import io.ltm.core.vault.Heading;
import io.ltm.core.vault.Note;
import io.ltm.dataset.chat.Qwen3ChatTemplate;
import io.ltm.dataset.chat.SceneChatFormat;
import io.ltm.dataset.split.HashSplit;
import io.ltm.dataset.split.Split;
import io.ltm.dataset.token.HfTokenizer;
import io.ltm.dataset.token.Labels;
import io.ltm.dataset.token.LossTarget;
import io.ltm.dataset.token.TokenBatch;
import io.ltm.dataset.token.TokenSequence;
import io.ltm.dataset.token.TruncationPolicy;
import java.io.IOException;
import java.nio.IntBuffer;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DatasetBuilderTest {
  static HfTokenizer tok;

  @BeforeAll
  static void load() throws IOException {
    tok = HfTokenizer.load(Paths.get("../examples/tokenizer/qwen3"));
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  /** Token counts of the rendered scenes, computed independently of the builder. */
  static Map<String, Integer> lengths(List<Scene> scenes) {
    Map<String, Integer> m = new HashMap<>();
    for (Scene s : scenes) {
      String text = Qwen3ChatTemplate.get().renderForTraining(SceneChatFormat.plain().toExample(s).messages()).text();
      m.put(s.id(), tok.encode(text).length());
    }
    return m;
  }

  @Test
  void skipPolicyCountsExactlyTheExamplesOverTheLimit() {
    List<Scene> scenes = TestScenes.random(120, 1);
    Map<String, Integer> len = lengths(scenes);
    int max = 96;
    long over = len.values().stream().filter(n -> n > max).count();
    assertThat(over).isBetween(5L, 115L); // the test data straddles the limit
    Dataset ds = DatasetBuilder.builder().setTokenizer(tok).optMaxLength(max).optValidationFraction(0.25).build()
        .build(scenes);
    assertThat(ds.stats().skipped()).isEqualTo((int) over);
    assertThat(ds.stats().truncated()).isZero();
    assertThat(ds.stats().sceneExamples()).isEqualTo(120 - (int) over);
    for (ExampleInfo info : ds.examples()) {
      assertThat(info.tokens()).isEqualTo(len.get(info.id()));
      assertThat(info.status()).isEqualTo(len.get(info.id()) > max ? ExampleInfo.Status.SKIPPED_TOO_LONG : ExampleInfo.Status.KEPT);
    }
    long tokens = 0;
    for (Split sp : Split.values()) {
      for (TokenSequence s : ds.sequences(sp)) {
        assertThat(s.length()).isLessThanOrEqualTo(max);
        assertThat(s.exampleIds()).hasSize(1);
        assertThat(s.length()).isEqualTo(len.get(s.exampleIds().get(0)));
        assertThat(new HashSplit(0.25).assign(s.exampleIds().get(0))).isEqualTo(sp);
        tokens += s.length();
      }
    }
    assertThat(ds.stats().tokens()).isEqualTo(tokens);
    assertThat(ds.stats().trainExamples() + ds.stats().validationExamples()).isEqualTo(120 - (int) over);
  }

  @Test
  void truncatePolicyCutsAndCounts() {
    List<Scene> scenes = TestScenes.random(80, 2);
    Map<String, Integer> len = lengths(scenes);
    int max = 64;
    Dataset ds = DatasetBuilder.builder().setTokenizer(tok).optMaxLength(max).optTruncation(TruncationPolicy.TRUNCATE)
        .build().build(scenes);
    int truncated = 0;
    int noLabels = 0;
    for (ExampleInfo info : ds.examples()) {
      if (info.status() == ExampleInfo.Status.TRUNCATED) {
        truncated++;
        assertThat(len.get(info.id())).isGreaterThan(max);
      } else if (info.status() == ExampleInfo.Status.SKIPPED_NO_LABELS) {
        noLabels++;
        assertThat(len.get(info.id())).isGreaterThan(max);
      } else {
        assertThat(len.get(info.id())).isLessThanOrEqualTo(max);
      }
    }
    assertThat(truncated + noLabels).isEqualTo((int) len.values().stream().filter(n -> n > max).count());
    assertThat(ds.stats().truncated()).isEqualTo(truncated).isPositive();
    assertThat(ds.stats().skipped()).isEqualTo(noLabels);
    for (TokenSequence s : ds.train()) {
      assertThat(s.length()).isLessThanOrEqualTo(max);
      assertThat(s.labelCount()).isPositive();
    }
  }

  @Test
  void packedDatasetHasFullSequencesAndEveryExampleOnce() {
    List<Scene> scenes = TestScenes.random(100, 3);
    Map<String, Integer> len = lengths(scenes);
    int max = 512;
    Dataset ds = DatasetBuilder.builder().setTokenizer(tok).optMaxLength(max).optPack(true).build().build(scenes);
    List<String> seen = new ArrayList<>();
    long used = 0;
    for (Split sp : Split.values()) {
      for (TokenSequence s : ds.sequences(sp)) {
        assertThat(s.length()).isEqualTo(max);
        IntBuffer pos = s.positionIds();
        IntBuffer seg = s.segmentIds();
        int at = 0;
        for (int k = 0; k < s.exampleIds().size(); k++) {
          int n = len.get(s.exampleIds().get(k));
          assertThat(pos.get(at)).isZero();
          assertThat(pos.get(at + n - 1)).isEqualTo(n - 1);
          assertThat(seg.get(at)).isEqualTo(k + 1);
          assertThat(seg.get(at + n - 1)).isEqualTo(k + 1);
          assertThat(s.inputIds().get(at)).isEqualTo(tok.specialTokens().imStart());
          at += n;
        }
        assertThat(s.usedLength()).isEqualTo(at);
        used += at;
        seen.addAll(s.exampleIds());
      }
    }
    assertThat(seen).hasSize(100).doesNotHaveDuplicates();
    assertThat(used).isEqualTo(ds.stats().tokens());
    assertThat(ds.stats().paddingTokens())
        .isEqualTo((long) (ds.stats().trainSequences() + ds.stats().validationSequences()) * max - used);
    List<TokenBatch> batches = ds.batches(Split.TRAIN, 4);
    assertThat(batches.get(0).length()).isEqualTo(max);
    List<TokenBatch> a = ds.batches(Split.TRAIN, 4, 1L);
    List<TokenBatch> b = ds.batches(Split.TRAIN, 4, 1L);
    List<TokenBatch> c = ds.batches(Split.TRAIN, 4, 2L);
    assertThat(a.get(0).inputIds()).isEqualTo(b.get(0).inputIds());
    assertThat(a.stream().mapToInt(TokenBatch::rows).sum()).isEqualTo(ds.train().size());
    if (ds.train().size() > 4) {
      boolean differs = false;
      for (int i = 0; i < a.size(); i++) {
        differs |= !a.get(i).inputIds().equals(c.get(i).inputIds());
      }
      assertThat(differs).isTrue();
    }
  }

  @Test
  void labelCountsMatchTheAnswerOnlyTarget() {
    List<Scene> scenes = TestScenes.random(20, 4);
    Dataset all = DatasetBuilder.builder().setTokenizer(tok).build().build(scenes);
    Dataset answer = DatasetBuilder.builder().setTokenizer(tok).optLossTarget(LossTarget.ANSWER).build().build(scenes);
    Dataset think = DatasetBuilder.builder().setTokenizer(tok).optLossTarget(LossTarget.THINK).build().build(scenes);
    assertThat(answer.stats().labelTokens() + think.stats().labelTokens()).isEqualTo(all.stats().labelTokens());
    for (TokenSequence s : answer.train()) {
      IntBuffer l = s.labels();
      int last = -1;
      for (int i = 0; i < l.limit(); i++) {
        if (l.get(i) != Labels.IGNORE) {
          last = l.get(i);
        }
      }
      assertThat(last).isEqualTo(tok.specialTokens().imEnd());
    }
  }

  @Test
  void duplicatesAreReportedAndDroppedAndSplitIsStableWhenScenesAreAdded() {
    List<Scene> scenes = new ArrayList<>(TestScenes.random(60, 5));
    Scene first = scenes.get(3);
    scenes.add(new Scene("copy-of-three", "t", first.lang(), List.of(), List.of(), first.context(), first.prompt(),
        first.thought(), first.answer(), List.of()));
    DatasetBuilder b = DatasetBuilder.builder().setTokenizer(tok).optValidationFraction(0.3).build();
    Dataset ds = b.build(scenes);
    assertThat(ds.duplicates()).hasSize(1);
    assertThat(ds.duplicates().get(0).ids()).containsExactly(first.id(), "copy-of-three");
    assertThat(ds.stats().duplicates()).isEqualTo(1);
    assertThat(ds.examples().get(60).status()).isEqualTo(ExampleInfo.Status.DUPLICATE);
    assertThat(ds.chatExamples()).hasSize(60);

    List<Scene> more = new ArrayList<>(scenes);
    for (Scene s : TestScenes.random(200, 6)) {
      more.add(new Scene("more-" + s.id(), s.title(), s.lang(), List.of(), List.of(), s.context(), s.prompt() + " more",
          s.thought(), s.answer(), List.of()));
    }
    Dataset bigger = b.build(more);
    for (var ex : ds.chatExamples()) {
      assertThat(bigger.splitOf(ex.id())).isEqualTo(ds.splitOf(ex.id()));
    }
  }

  @Test
  void notesBecomeTextExamplesWithLabelsOnEveryTokenButTheFirst() {
    Note note = new Note("ideas/LTM_2.md", "LTM 2", Map.of(), List.of(), List.of(new Heading(1, "Plan", 3)), List.of(),
        "Intro.\n\n# Plan\nRun on 20 scenes.\n", 1);
    Dataset ds = DatasetBuilder.builder().setTokenizer(tok).optValidationFraction(0).build()
        .build(TestScenes.random(2, 7), List.of(note));
    assertThat(ds.textExamples()).hasSize(2);
    assertThat(ds.stats().noteExamples()).isEqualTo(2);
    TokenSequence s = ds.train().stream().filter(q -> q.exampleIds().get(0).equals("ideas/LTM_2.md#Plan")).findFirst()
        .orElseThrow();
    assertThat(tok.decode(toArray(s.inputIds()))).isEqualTo("# Plan\nRun on 20 scenes.<|endoftext|>");
    assertThat(s.labels().get(0)).isEqualTo(Labels.IGNORE);
    for (int i = 1; i < s.length(); i++) {
      assertThat(s.labels().get(i)).isEqualTo(s.inputIds().get(i));
    }
  }

  @Test
  void configErrorsFailEarly() {
    assertThatThrownBy(() -> DatasetBuilder.builder().build()).hasMessageContaining("tokenizer is required");
    assertThatThrownBy(() -> DatasetBuilder.builder().optMaxLength(3)).hasMessageContaining(">= 16");
    assertThatThrownBy(() -> DatasetBuilder.builder().optValidationFraction(1)).hasMessageContaining("[0, 1)");
    Scene s = TestScenes.random(1, 8).get(0);
    assertThatThrownBy(() -> DatasetBuilder.builder().setTokenizer(tok).build().build(List.of(s, s)))
        .hasMessageContaining("appears twice");
  }

  static int[] toArray(IntBuffer b) {
    int[] a = new int[b.limit()];
    b.get(0, a);
    return a;
  }
}
