package io.ltm.examples;

import io.ltm.core.scene.Scene;
import io.ltm.core.scene.SceneReader;
import io.ltm.core.scene.SceneValidationException;
import io.ltm.dataset.Dataset;
import io.ltm.dataset.DatasetBuilder;
import io.ltm.dataset.export.JsonlExport;
import io.ltm.dataset.token.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Example: scenes -> a Qwen3 chat dataset with {@code <think>}, tokenized, loss-masked, packed and
 * split, written as JSONL (the chat file TRL/Axolotl read, the token file, the statistics).
 *
 * <pre>{@code
 * java ... io.ltm.examples.DatasetExample examples/scenes examples/tokenizer/qwen3 out/data.jsonl
 * }</pre>
 *
 * The tokenizer folder is any Hugging Face model folder (its {@code tokenizer.json} and {@code
 * tokenizer_config.json}); {@code ltm dataset} is the same with every option.
 */
public final class DatasetExample {
  private DatasetExample() {}

  /**
   * Reads the scenes (the first invalid one throws, naming file, line and field), builds the dataset
   * and writes {@code out} plus {@code out.tokens.jsonl} and {@code out.stats.json} beside it.
   */
  public static Dataset build(Path scenes, Path tokenizerDir, int maxLength, Path out)
      throws IOException, SceneValidationException {
    List<Scene> list = SceneReader.readStrict(List.of(scenes));
    Dataset dataset;
    try (HfTokenizer tokenizer = HfTokenizer.load(tokenizerDir)) {
      dataset = DatasetBuilder.builder()
          .setTokenizer(tokenizer)
          .optMaxLength(maxLength)          // tokens per sequence
          .optPack(true)                    // several examples per sequence, block-diagonal attention
          .optValidationFraction(0.1)       // split by a hash of the scene id: stable as scenes are added
          .build()
          .build(list);
    }
    Path dir = out.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    JsonlExport.writeMessages(out, dataset);
    JsonlExport.writeTokens(JsonlExport.besides(out, "tokens"), dataset);
    JsonlExport.writeStats(JsonlExport.besides(out, "stats.json"), dataset);
    return dataset;
  }

  /** {@code DatasetExample SCENES TOKENIZER_DIR OUT.jsonl [MAX_LEN]}. */
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: DatasetExample SCENES TOKENIZER_DIR OUT.jsonl [MAX_LEN]");
      System.exit(2);
    }
    int maxLength = args.length > 3 ? Integer.parseInt(args[3]) : 2048;
    Dataset dataset = build(Path.of(args[0]), Path.of(args[1]), maxLength, Path.of(args[2]));
    System.out.print(dataset.stats().format());
    System.out.printf("%d training and %d validation sequences; wrote %s%n",
        dataset.train().size(), dataset.validation().size(), args[2]);
  }
}
