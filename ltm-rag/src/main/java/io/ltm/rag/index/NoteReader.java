package io.ltm.rag.index;

import io.ltm.core.vault.Note;

/**
 * Parses the text of one vault file into a {@link Note}. The indexer calls it only for files whose
 * content changed. Implementations are thread-safe; an exception marks that file failed (with its
 * message) and indexing goes on.
 */
@FunctionalInterface
public interface NoteReader {

  /**
   * @param vaultRelativePath the path below the vault root with {@code /} separators
   * @param text the whole file
   */
  Note read(String vaultRelativePath, String text);
}
