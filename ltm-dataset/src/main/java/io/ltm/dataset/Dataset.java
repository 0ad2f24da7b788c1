package io.ltm.dataset;

import io.ltm.dataset.chat.ChatExample;
import io.ltm.dataset.dedup.DuplicateGroup;
import io.ltm.dataset.notes.TextExample;
import io.ltm.dataset.split.Split;
import io.ltm.dataset.token.TokenBatch;
import io.ltm.dataset.token.TokenSequence;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A built dataset: train and validation token sequences ready for training, the chat and text
 * examples they came from (for JSONL export), per-example metadata, duplicates and statistics.
 * Immutable and thread-safe.
 */
public final class Dataset {
  private final List<TokenSequence> train;
  private final List<TokenSequence> validation;
  private final List<ChatExample> chatExamples;
  private final List<TextExample> textExamples;
  private final Map<String, Split> splits;
  private final List<ExampleInfo> examples;
  private final List<DuplicateGroup> duplicates;
  private final DatasetStats stats;
  private final int padId;

  Dataset(List<TokenSequence> train, List<TokenSequence> validation, List<ChatExample> chatExamples,
      List<TextExample> textExamples, Map<String, Split> splits, List<ExampleInfo> examples,
      List<DuplicateGroup> duplicates, DatasetStats stats, int padId) {
    this.train = List.copyOf(train);
    this.validation = List.copyOf(validation);
    this.chatExamples = List.copyOf(chatExamples);
    this.textExamples = List.copyOf(textExamples);
    this.splits = Map.copyOf(splits);
    this.examples = List.copyOf(examples);
    this.duplicates = List.copyOf(duplicates);
    this.stats = Objects.requireNonNull(stats);
    this.padId = padId;
  }

  /** The sequences of one split, in a deterministic order. */
  public List<TokenSequence> sequences(Split split) {
    return split == Split.TRAIN ? train : validation;
  }

  public List<TokenSequence> train() {
    return train;
  }

  public List<TokenSequence> validation() {
    return validation;
  }

  /** The sequences of {@code split} in batches of {@code batchSize}, each padded to its longest row. */
  public List<TokenBatch> batches(Split split, int batchSize) {
    return TokenBatch.batches(sequences(split), batchSize, padId);
  }

  /**
   * The sequences of {@code split} shuffled by {@code seed} (the same seed gives the same order on
   * every machine: {@link java.util.Random} is specified), then batched; for one epoch of training
   * pass a different seed per epoch.
   */
  public List<TokenBatch> batches(Split split, int batchSize, long seed) {
    List<TokenSequence> shuffled = new java.util.ArrayList<>(sequences(split));
    java.util.Collections.shuffle(shuffled, new java.util.Random(seed));
    return TokenBatch.batches(shuffled, batchSize, padId);
  }

  /** The chat examples in the dataset (kept or truncated), in input order. */
  public List<ChatExample> chatExamples() {
    return chatExamples;
  }

  /** The plain-text (note) examples in the dataset, in input order. */
  public List<TextExample> textExamples() {
    return textExamples;
  }

  /** The split of an example in the dataset. */
  public Split splitOf(String exampleId) {
    Split s = splits.get(exampleId);
    if (s == null) {
      throw new IllegalArgumentException("no example '" + exampleId + "' in the dataset");
    }
    return s;
  }

  /** What happened to every input example, in input order (scenes, then notes). */
  public List<ExampleInfo> examples() {
    return examples;
  }

  /** Duplicate groups found among the scenes. */
  public List<DuplicateGroup> duplicates() {
    return duplicates;
  }

  public DatasetStats stats() {
    return stats;
  }

  /** The id written into padding. */
  public int padId() {
    return padId;
  }
}
