package io.ltm.dataset;

import io.ltm.core.scene.StepKind;
import io.ltm.dataset.split.Split;
import java.util.List;
import java.util.Objects;

/**
 * What happened to one input example, kept next to the dataset as metadata.
 *
 * @param id scene id, or note path ({@code #Heading} for a section)
 * @param source where it came from
 * @param lang the scene's language tag; empty for notes
 * @param split the split its id hashes to
 * @param status kept, truncated, or why it was dropped
 * @param tokens token count of the full rendered text (before any cut); 0 for dropped duplicates
 * @param labelTokens tokens that count in the loss in the kept example; 0 when dropped
 * @param stepKinds the scene's step kinds in order (gold labels); empty for notes
 */
public record ExampleInfo(
    String id, Source source, String lang, Split split, Status status, int tokens, int labelTokens, List<StepKind> stepKinds) {

  /** Where an example came from. */
  public enum Source {
    SCENE,
    NOTE
  }

  /** What happened to an example. */
  public enum Status {
    KEPT,
    TRUNCATED,
    SKIPPED_TOO_LONG,
    SKIPPED_NO_LABELS,
    /** Dropped because an earlier scene has the same content. */
    DUPLICATE;

    /** Whether the example is in the dataset. */
    public boolean inDataset() {
      return this == KEPT || this == TRUNCATED;
    }
  }

  public ExampleInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(source, "source");
    lang = lang == null ? "" : lang;
    Objects.requireNonNull(split, "split");
    Objects.requireNonNull(status, "status");
    stepKinds = List.copyOf(stepKinds);
  }
}
