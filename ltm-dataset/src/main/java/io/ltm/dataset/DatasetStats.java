package io.ltm.dataset;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Counts that describe a built dataset.
 *
 * @param inputExamples scenes plus note examples offered to the builder
 * @param sceneExamples chat examples kept
 * @param noteExamples plain-text examples kept
 * @param tokens tokens of the kept examples (after truncation), padding excluded
 * @param labelTokens tokens that count in the loss
 * @param truncated examples cut at the maximum length
 * @param skipped examples dropped: too long (policy skip) or left without label tokens
 * @param duplicates scenes dropped because an earlier scene has the same content
 * @param duplicateGroups duplicate groups reported (both kinds)
 * @param trainExamples examples in the train split
 * @param validationExamples examples in the validation split
 * @param trainSequences sequences in the train split
 * @param validationSequences sequences in the validation split
 * @param paddingTokens padding tokens in packed sequences
 * @param maxLength the maximum sequence length
 * @param packed whether examples were packed
 */
public record DatasetStats(
    int inputExamples,
    int sceneExamples,
    int noteExamples,
    long tokens,
    long labelTokens,
    int truncated,
    int skipped,
    int duplicates,
    int duplicateGroups,
    int trainExamples,
    int validationExamples,
    int trainSequences,
    int validationSequences,
    long paddingTokens,
    int maxLength,
    boolean packed) {

  /** The counts by name, in a stable order (the JSON shape of the stats file). */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("input_examples", inputExamples);
    m.put("examples", sceneExamples + noteExamples);
    m.put("scene_examples", sceneExamples);
    m.put("note_examples", noteExamples);
    m.put("tokens", tokens);
    m.put("label_tokens", labelTokens);
    m.put("truncated", truncated);
    m.put("skipped", skipped);
    m.put("duplicates", duplicates);
    m.put("duplicate_groups", duplicateGroups);
    m.put("train_examples", trainExamples);
    m.put("validation_examples", validationExamples);
    m.put("train_sequences", trainSequences);
    m.put("validation_sequences", validationSequences);
    m.put("padding_tokens", paddingTokens);
    m.put("max_length", maxLength);
    m.put("packed", packed);
    return m;
  }

  /** Human-readable lines, {@code name: value}. */
  public String format() {
    StringBuilder sb = new StringBuilder();
    asMap().forEach((k, v) -> sb.append(String.format("%-21s %s%n", k + ":", v)));
    return sb.toString();
  }
}
