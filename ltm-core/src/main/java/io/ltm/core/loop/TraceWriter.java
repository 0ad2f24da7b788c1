package io.ltm.core.loop;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends {@link TraceRecord}s to a trace file, one JSON line each. Each record is written with a
 * single write of the whole line (text plus line break) straight to the file channel, so after
 * {@link #append} returns the line is in the operating system's hands (and on disk too when built
 * with {@code sync = true}). A crash can at worst leave a torn last line without its line break:
 * {@link TraceReader} ignores it with a warning, and a new writer on the same file cuts it off
 * before appending (logged as a warning), so earlier records are never lost.
 *
 * <p>Not thread-safe: one writer per file, closed by whoever opened it.
 */
public final class TraceWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TraceWriter.class);

  private final Path file;
  private final FileChannel channel;
  private final boolean sync;
  private long records;

  private TraceWriter(Path file, FileChannel channel, boolean sync) {
    this.file = file;
    this.channel = channel;
    this.sync = sync;
  }

  /** Opens {@code file} for appending without fsync per record; see {@link #open(Path, boolean)}. */
  public static TraceWriter open(Path file) throws IOException {
    return open(file, false);
  }

  /**
   * Opens {@code file} for appending, creating it and its parent folders when missing. A torn last
   * line left by a crash (bytes after the last line break) is cut off first.
   *
   * @param sync when true, every record is forced to disk before {@link #append} returns
   */
  public static TraceWriter open(Path file, boolean sync) throws IOException {
    Objects.requireNonNull(file, "file");
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
    try {
      long keep = endOfLastCompleteLine(ch);
      if (keep < ch.size()) {
        LOG.warn("{}: cutting off a torn last line ({} bytes without a line break, left by an interrupted write)",
            file, ch.size() - keep);
        ch.truncate(keep);
      }
      ch.position(ch.size());
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    return new TraceWriter(file, ch, sync);
  }

  private static long endOfLastCompleteLine(FileChannel ch) throws IOException {
    long size = ch.size();
    ByteBuffer buf = ByteBuffer.allocate(8192);
    long pos = size;
    while (pos > 0) {
      int n = (int) Math.min(buf.capacity(), pos);
      buf.clear().limit(n);
      long start = pos - n;
      while (buf.hasRemaining()) {
        if (ch.read(buf, start + buf.position()) < 0) {
          break;
        }
      }
      for (int i = n - 1; i >= 0; i--) {
        if (buf.get(i) == '\n') {
          return start + i + 1;
        }
      }
      pos = start;
    }
    return 0;
  }

  /** Appends one record as one line. */
  public synchronized void append(TraceRecord record) throws IOException {
    Objects.requireNonNull(record, "record");
    byte[] bytes = (TraceJson.toJson(record) + "\n").getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    while (buf.hasRemaining()) {
      channel.write(buf);
    }
    if (sync) {
      channel.force(false);
    }
    records++;
  }

  /** Records appended through this writer. */
  public long recordsWritten() {
    return records;
  }

  /** The file written. */
  public Path file() {
    return file;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
