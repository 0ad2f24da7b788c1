package io.ltm.lora.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes files and directories so that readers see either the old content or the complete new one:
 * data goes to a temporary sibling, is forced to disk, then renamed over the target.
 *
 * <p>Stateless and thread-safe; two writers of the same target race, and the last rename wins.
 */
public final class AtomicFiles {

  /** Writes the content of a file. */
  @FunctionalInterface
  public interface Content {
    /**
     * @param out the stream to write to; closed by the caller
     * @throws IOException when writing fails
     */
    void writeTo(OutputStream out) throws IOException;
  }

  private AtomicFiles() {}

  /**
   * Writes {@code target} atomically.
   *
   * @param target the file to create or replace
   * @param content what to write
   * @throws IOException when writing or renaming fails; the target is then unchanged
   */
  public static void write(Path target, Content content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
    try {
      try (OutputStream raw = Files.newOutputStream(tmp, StandardOpenOption.WRITE);
           OutputStream out = new java.io.BufferedOutputStream(raw, 1 << 20)) {
        content.writeTo(out);
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      moveAtomically(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Writes a UTF-8 string atomically.
   *
   * @param target the file
   * @param text the content
   * @throws IOException when writing fails
   */
  public static void writeString(Path target, String text) throws IOException {
    write(target, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  /**
   * Renames {@code source} to {@code target} atomically, replacing a target file; a target directory is
   * first moved aside and deleted after the rename.
   *
   * @param source the complete new file or directory
   * @param target its final name
   * @throws IOException when the rename fails
   */
  public static void moveAtomically(Path source, Path target) throws IOException {
    if (Files.isDirectory(target)) {
      Path aside = target.resolveSibling("." + target.getFileName() + ".old-" + System.nanoTime());
      Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
      deleteRecursively(aside);
      return;
    }
    try {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(source, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Deletes a file or a directory tree if it exists.
   *
   * @param path what to delete
   * @throws IOException when a file cannot be deleted
   */
  public static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var walk = Files.walk(path)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
