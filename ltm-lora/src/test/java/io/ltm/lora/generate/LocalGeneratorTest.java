package io.ltm.lora.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.ltm.core.generate.ChatMessage;
import io.ltm.core.generate.GeneratedToken;
import io.ltm.core.generate.Generation;
import io.ltm.core.generate.GenerationRequest;
import io.ltm.lora.TestCheckpoints;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.GenerationConfig;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.model.DecoderInput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Generation and scoring on a random tiny Qwen3 checkpoint. */
class LocalGeneratorTest {
  private static Path dir;
  private static LocalModel model;

  @BeforeAll
  static void open() {
    dir = TestCheckpoints.get(CheckpointPreset.TINY_QWEN3, TensorDType.BF16, 21);
    model = LocalModel.open(dir);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  private static GenerationRequest.Builder req() {
    return GenerationRequest.builder().prompt("What is a thought?").maxNewTokens(16);
  }

  private static int[] concat(int[] a, List<GeneratedToken> t) {
    int[] out = new int[a.length + t.size()];
    System.arraycopy(a, 0, out, 0, a.length);
    for (int i = 0; i < t.size(); i++) {
      out[a.length + i] = t.get(i).id();
    }
    return out;
  }

  @Test
  void greedyWithKvCacheEqualsFullRecomputation() {
    LocalGenerator gen = model.generator();
    GenerationRequest r = req().build();
    Generation g = gen.generate(r);
    assertThat(g.tokens()).hasSize(16);
    assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.LENGTH);
    int[] prompt = gen.promptIds(r);
    int[] all = concat(prompt, g.tokens());
    double[] ent = new double[all.length - 1];
    double[] lp = model.scorer().score(all, ent);
    for (int i = 0; i < g.tokens().size(); i++) {
      GeneratedToken t = g.tokens().get(i);
      int pos = prompt.length - 1 + i; // predicts all[pos + 1]
      assertThat(t.logprob()).isCloseTo(lp[pos], within(1e-5));
      assertThat(t.entropy()).isCloseTo(ent[pos], within(1e-4));
    }
    // greedy: each token is the argmax of the full recomputation at its position
    try (NDManager scope = model.decoder().manager().newSubManager()) {
      NDArray logits = model.decoder().forward(scope, DecoderInput.of(all), null, false);
      long[] argmax = logits.argMax(-1).toLongArray();
      for (int i = 0; i < g.tokens().size(); i++) {
        assertThat(g.tokens().get(i).id()).isEqualTo((int) argmax[prompt.length - 1 + i]);
      }
    }
  }

  @Test
  void batchEqualsEachPromptAlone() {
    List<GenerationRequest> reqs = List.of(
        req().prompt("Hi").build(),
        req().prompt("A much longer prompt with many more words than the first one has.").build(),
        req().prompt("Third: 日本語?").temperature(0.8).topP(0.9).seed(5).build());
    List<Generation> batch = model.generator().generateBatch(reqs);
    for (int i = 0; i < reqs.size(); i++) {
      Generation alone = model.generator().generate(reqs.get(i));
      // the batch seeds row i with seed + i; alone it is row 0
      if (reqs.get(i).temperature() > 0) {
        alone = model.generator().generate(reqs.get(i).toBuilder().seed(reqs.get(i).seed() + i).build());
      }
      assertThat(batch.get(i).tokens().stream().map(GeneratedToken::id).toList())
          .isEqualTo(alone.tokens().stream().map(GeneratedToken::id).toList());
      for (int t = 0; t < alone.tokens().size(); t++) {
        assertThat(batch.get(i).tokens().get(t).logprob()).isCloseTo(alone.tokens().get(t).logprob(), within(1e-4));
      }
      assertThat(batch.get(i).answer()).isEqualTo(alone.answer());
    }
  }

  @Test
  void sampledRowsOfABatchAreChosenSideBySideAsEachAlone() {
    // several live rows are sampled in parallel (LocalGenerator.decode); each keeps its own seeded draws
    List<GenerationRequest> reqs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      reqs.add(req().prompt("Row " + i + ": why is the sky blue?").temperature(0.7).topK(20).topP(0.95)
          .repetitionPenalty(1.1).seed(40 + i).build());
    }
    List<Generation> batch = model.generator().generateBatch(reqs);
    for (int i = 0; i < reqs.size(); i++) {
      Generation alone = model.generator().generate(reqs.get(i).toBuilder().seed(reqs.get(i).seed() + i).build());
      assertThat(batch.get(i).tokens().stream().map(GeneratedToken::id).toList()).as("row %d", i)
          .isEqualTo(alone.tokens().stream().map(GeneratedToken::id).toList());
    }
    assertThat(batch.stream().map(g -> g.tokens().stream().map(GeneratedToken::id).toList()).distinct().count())
        .isGreaterThan(1); // the rows differ: the comparison is not between identical outputs
  }

  @Test
  void seededSamplingReproduces() {
    GenerationRequest r = req().temperature(1.0).topK(50).seed(123).build();
    List<Integer> a = model.generator().generate(r).tokens().stream().map(GeneratedToken::id).toList();
    List<Integer> b = model.generator().generate(r).tokens().stream().map(GeneratedToken::id).toList();
    List<Integer> c = model.generator().generate(r.toBuilder().seed(124).build()).tokens().stream().map(GeneratedToken::id).toList();
    assertThat(a).isEqualTo(b).isNotEqualTo(c);
  }

  @Test
  void stopsAtEosFromGenerationConfig() {
    Generation greedy = model.generator().generate(req().build());
    int third = greedy.tokens().get(2).id();
    // a model whose generation_config names the third greedy token as EOS
    try (LocalModel m = new LocalModel("m", io.ltm.lora.io.DecoderLoader.load(dir), ModelTokenizer.load(dir),
        new GenerationConfig(List.of(third), -1, Double.NaN, Double.NaN, 0))) {
      Generation g = m.generator().generate(req().build());
      assertThat(g.finishReason()).isEqualTo(Generation.FinishReason.EOS);
      int firstEos = IntStream.range(0, greedy.tokens().size()).filter(i -> greedy.tokens().get(i).id() == third).findFirst().orElseThrow();
      assertThat(g.tokens()).hasSize(firstEos + 1);
      assertThat(m.eosIds()).contains(third, 151645);
    }
  }

  @Test
  void streamsEveryTokenToTheListenerInOrder() {
    List<GeneratedToken> seen = new ArrayList<>();
    Generation g = model.generator().generate(req().enableThinking(false).listener(seen::add).build());
    assertThat(seen).isEqualTo(g.tokens());
    assertThat(model.generator().promptIds(req().enableThinking(false).build()))
        .endsWith(model.tokenizer().encode("<think>\n\n</think>\n\n"));
  }

  @Test
  void aMultiTurnPromptIsTheChatTemplatesRendering() {
    // an earlier assistant turn with <think> inside its content: Qwen3's template drops that reasoning
    List<ChatMessage> chat = List.of(ChatMessage.system("Be brief."), ChatMessage.user("First?"),
        ChatMessage.assistant("<think>\nweighing it\n</think>\n\nYes.", ""), ChatMessage.user("Second?"));
    GenerationRequest r = GenerationRequest.builder().messages(chat).build();
    String text = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nFirst?<|im_end|>\n"
        + "<|im_start|>assistant\nYes.<|im_end|>\n<|im_start|>user\nSecond?<|im_end|>\n<|im_start|>assistant\n";
    assertThat(model.generator().promptIds(r)).containsExactly(model.tokenizer().encode(text));
  }

  @Test
  void scorerMatchesTheTokenScorerContract() {
    String text = "The quick brown fox jumps over the lazy dog.";
    List<Integer> ids = model.scorer().tokenize(text);
    assertThat(ids.stream().mapToInt(Integer::intValue).toArray()).containsExactly(model.tokenizer().encode(text));
    double[] lp = model.scorer().logprobs(ids);
    assertThat(lp).hasSize(ids.size() - 1);
    // The contract: lp[i] = log p(ids[i + 1] | ids[0..i]). Recomputed here from the decoder's raw logits with a
    // log-softmax in double precision, position by position.
    int[] all = ids.stream().mapToInt(Integer::intValue).toArray();
    try (NDManager scope = model.decoder().manager().newSubManager()) {
      float[] logits = model.decoder().forward(scope, DecoderInput.of(all), null, false).toFloatArray();
      int vocab = logits.length / all.length;
      for (int i = 0; i + 1 < all.length; i++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
          max = Math.max(max, logits[i * vocab + v]);
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
          sum += Math.exp(logits[i * vocab + v] - max);
        }
        double expected = logits[i * vocab + all[i + 1]] - max - Math.log(sum);
        assertThat(lp[i]).as("position %d", i).isCloseTo(expected, within(1e-4));
      }
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> model.scorer().logprobs(List.of(1)))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> model.scorer().logprobs(List.of(1, 999_999)))
        .hasMessageContaining("outside the vocabulary");
  }

  @Test
  void nativeMemoryDoesNotGrowOverAGeneration() {
    int before = model.decoder().manager().getManagedArrays().size();
    model.generator().generate(req().maxNewTokens(40).build());
    model.scorer().logprobs(model.scorer().tokenize("a b c d e f g"));
    assertThat(model.decoder().manager().getManagedArrays().size()).isEqualTo(before);
  }

  @Test
  void rowsKeepTheirOwnSeedReportTopAlternativesAndStopWhenCancelled() {
    LocalGenerator gen = model.generator();
    GenerationRequest sampled = req().prompt("Sampled row").temperature(0.9).seed(77).build();
    int[] p0 = gen.promptIds(req().prompt("Other row first").build());
    int[] p1 = gen.promptIds(sampled);
    List<TokenStep> steps = new ArrayList<>();
    List<Generation> both = gen.generateRows(List.of(BatchRow.of(p0, req().build()),
        new BatchRow(p1, sampled, 4, null, steps::add)));
    Generation alone = gen.generateRows(List.of(BatchRow.of(p1, sampled))).get(0);
    // row 1 samples with its own seed: the same tokens as alone
    assertThat(both.get(1).tokens().stream().map(GeneratedToken::id).toList())
        .isEqualTo(alone.tokens().stream().map(GeneratedToken::id).toList());
    assertThat(steps).hasSize(16);
    for (TokenStep s : steps) {
      assertThat(s.top()).hasSize(4);
      for (int i = 1; i < 4; i++) {
        assertThat(s.top().get(i).logprob()).isLessThanOrEqualTo(s.top().get(i - 1).logprob());
      }
      // the chosen token's logprob is the model's: at or below the best, equal when it is among the top
      assertThat(s.token().logprob()).isLessThanOrEqualTo(s.top().get(0).logprob() + 1e-9);
      s.top().stream().filter(a -> a.id() == s.token().id()).findFirst()
          .ifPresent(a -> assertThat(a.logprob()).isCloseTo(s.token().logprob(), within(1e-6)));
    }
    // cancellation: the row stops after the flag turns, the other row runs on
    java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
    List<Generation> cancelled = gen.generateRows(List.of(
        new BatchRow(p0, req().build(), 0, () -> seen.get() >= 3, s -> seen.incrementAndGet()),
        BatchRow.of(p1, req().build())));
    assertThat(cancelled.get(0).tokens()).hasSize(3);
    assertThat(cancelled.get(1).tokens()).hasSize(16);
  }

  @Test
  void topAlternativesAreTheLargestLogitsUnderTheFullSoftmax() {
    float[] logits = {0f, 3f, 1f, 3f, -2f, 2.5f};
    List<TokenStep.Alternative> top = Sampler.top(logits, 0, 6, 3);
    assertThat(top).extracting(TokenStep.Alternative::id).containsExactly(1, 3, 5); // tie 1/3 by lower id
    double z = 0;
    for (float l : logits) {
      z += Math.exp(l);
    }
    assertThat(top.get(2).logprob()).isCloseTo(2.5 - Math.log(z), within(1e-9));
  }
}
