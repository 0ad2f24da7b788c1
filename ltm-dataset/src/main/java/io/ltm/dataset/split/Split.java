package io.ltm.dataset.split;

/** Which part of a dataset an example belongs to. */
public enum Split {
  TRAIN,
  VALIDATION;

  /** {@code train} or {@code validation}, as written in JSONL. */
  public String label() {
    return this == TRAIN ? "train" : "validation";
  }
}
