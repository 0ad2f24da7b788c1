package io.ltm.rag.index;

import java.util.Objects;

/**
 * What one indexer run did with one vault file.
 *
 * @param path vault-relative path
 * @param status the outcome
 * @param detail the reason for {@link Status#SKIPPED}, the error for {@link Status#FAILED}, the old
 *     path for a rename; empty otherwise
 * @param chunks chunks the note has in the index after the run (0 when skipped, failed or deleted)
 * @param embedded chunks embedded in this run (the others reused their stored vectors)
 */
public record FileStatus(String path, Status status, String detail, int chunks, int embedded) {

  /** The outcome for one file. */
  public enum Status {
    /** New or changed; (re-)chunked and written. */
    INDEXED,
    /** Same content as indexed; not touched (not even read when its mtime and size matched). */
    UNCHANGED,
    /** Not indexed on purpose; {@code detail} says why. */
    SKIPPED,
    /** Could not be read or parsed; {@code detail} has the error. The old entry, if any, is kept. */
    FAILED,
    /** Gone from the vault; removed from the index. */
    DELETED;

    /** Lower-case name as printed. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public FileStatus {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(status, "status");
    detail = detail == null ? "" : detail;
    if (chunks < 0 || embedded < 0 || embedded > chunks) {
      throw new IllegalArgumentException(path + ": need 0 <= embedded <= chunks but got " + embedded + ", " + chunks);
    }
  }

  /** {@code status path (detail)} as printed by the CLI. */
  public String format() {
    return status.label() + " " + path + (detail.isEmpty() ? "" : " (" + detail + ")");
  }
}
