package io.ltm.rag.index;

/**
 * Follows an indexer run, e.g. to draw a progress bar. Called on the indexing thread; an exception
 * thrown from a callback stops the run after the last committed batch (the index stays usable and
 * the next run completes the work).
 */
public interface IndexListener {

  /** The scan found {@code files} notes, of which {@code toRead} need reading (changed or new). */
  default void onStart(int files, int toRead) {}

  /** One file's outcome is known. */
  default void onFile(FileStatus status) {}

  /** A batch is committed: {@code done} of the {@code toRead} files are durable in the index. */
  default void onCommit(int done, int toRead) {}

  /** A listener that does nothing. */
  static IndexListener none() {
    return new IndexListener() {};
  }
}
