package io.ltm.lora.train;

import io.ltm.core.scene.Scene;
import io.ltm.core.scene.SceneReader;
import io.ltm.dataset.Dataset;
import io.ltm.dataset.DatasetBuilder;
import io.ltm.dataset.token.HfTokenizer;
import io.ltm.dataset.token.TruncationPolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** The example scenes as a packed dataset, built once per max length. */
public final class TrainingFixtures {
  private static final ConcurrentHashMap<Integer, Dataset> CACHE = new ConcurrentHashMap<>();

  private TrainingFixtures() {}

  /** @param maxLength sequence length @return the example scenes, tokenized with the real Qwen3 tokenizer and packed */
  public static Dataset exampleScenes(int maxLength) {
    return CACHE.computeIfAbsent(maxLength, n -> {
      try {
        List<Scene> scenes = SceneReader.readStrict(List.of(Path.of("../examples/scenes")));
        try (HfTokenizer tok = HfTokenizer.load(Path.of("../examples/tokenizer/qwen3"))) {
          return DatasetBuilder.builder().setTokenizer(tok).optMaxLength(n).optPack(true)
              .optTruncation(TruncationPolicy.TRUNCATE).optValidationFraction(0.2).build().build(scenes);
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }
}
