package io.ltm.lora.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.ltm.dataset.token.TokenSequence;
import io.ltm.lora.io.CheckpointPreset;
import io.ltm.lora.io.DecoderLoader;
import io.ltm.lora.io.RandomCheckpointWriter;
import io.ltm.lora.io.TensorDType;
import io.ltm.lora.lora.LoraAdapter;
import io.ltm.lora.lora.LoraConfig;
import io.ltm.lora.lora.LoraModel;
import io.ltm.lora.lora.TargetModules;
import io.ltm.lora.model.Decoder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Learning that cannot be mistaken for a base model becoming less over-confident: the base starts at
 * about the uniform loss (an untied random Qwen3 with unit norms), the data is a repeated cycle of
 * tokens the base cannot predict, and the adapter must take the training loss far below the uniform
 * loss and the held-out loss on new sequences of the same pattern down with it.
 */
class LoraLearnsAPatternTest {
  @TempDir Path tmp;

  static final int VOCAB = 151936;
  static final double UNIFORM = Math.log(VOCAB); // 11.93 nats
  static final int[] CYCLE = {4711, 88123, 301, 15999, 120045, 7777};
  static final int LEN = 48;

  /** A sequence of the cycle from {@code offset}; every position is a label. */
  static TokenSequence pattern(int offset) {
    int[] ids = new int[LEN];
    int[] pos = new int[LEN];
    int[] seg = new int[LEN];
    for (int i = 0; i < LEN; i++) {
      ids[i] = CYCLE[(offset + i) % CYCLE.length];
      pos[i] = i;
      seg[i] = 1;
    }
    return TokenSequence.of(ids, ids.clone(), pos, seg, List.of("cycle-" + offset));
  }

  @Test
  void trainingLossFallsFarBelowUniformAndHeldOutSequencesOfThePatternFollow() throws IOException {
    Path base = RandomCheckpointWriter.builder(CheckpointPreset.TINY_QWEN3.config().toBuilder().tieWordEmbeddings(false).build())
        .dtype(TensorDType.F32).seed(5).tokenizerDir(Path.of("../examples/tokenizer/qwen3")).build().write(tmp.resolve("base"));
    List<TokenSequence> train = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      train.add(pattern(k)); // offsets 0..3
    }
    List<TokenSequence> heldOut = List.of(pattern(4), pattern(5)); // offsets never trained on
    TrainingConfig cfg = TrainingConfig.builder().optMaxSteps(60).optBatchSize(1).optLearningRate(1e-2)
        .optWarmupSteps(5).optMaxGradNorm(1.0).optEvalEvery(60).optSaveEvery(60).optSeed(3).build();
    LoraConfig lora = LoraConfig.builder().optR(8).optLoraAlpha(16).optLoraDropout(0)
        .optTargetModules(new TargetModules.AllLinear()).build();
    double baseEval;
    TrainingResult result;
    try (Decoder decoder = DecoderLoader.load(base); LoraModel model = new LoraModel(decoder)) {
      LoraAdapter adapter = model.create("train", lora, cfg.seed());
      LoraTrainer trainer = LoraTrainer.builder().setConfig(cfg).setModel(new DecoderLanguageModel(model))
          .setAdapter(adapter, model.selection()).setTrain(train).optValidation(heldOut).setPadId(0)
          .setRunDirectory(new RunDirectory(tmp.resolve("run"))).build();
      baseEval = trainer.evaluate().evalLoss();
      result = trainer.train();
    }
    // The base is near the uniform loss: no over-confidence for training to remove.
    assertThat(baseEval / UNIFORM).as("base held-out loss %s vs uniform %s", baseEval, UNIFORM).isBetween(0.9, 1.2);
    List<Double> losses = LoraTrainerTest.column(new RunDirectory(tmp.resolve("run")).readMetrics(), "loss");
    double last = losses.subList(losses.size() - 5, losses.size()).stream().mapToDouble(d -> d).average().orElseThrow();
    assertThat(last).as("training loss at the end vs uniform %s; curve %s", UNIFORM, losses).isLessThan(0.3 * UNIFORM);
    assertThat(result.finalEvalLoss()).as("held-out loss %s -> %s", baseEval, result.finalEvalLoss())
        .isLessThan(0.4 * baseEval);
    assertThat(Arrays.stream(CYCLE).allMatch(id -> id < VOCAB)).isTrue();
  }
}
